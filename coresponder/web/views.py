"""The home page: each role's sections, gathered from the apps below."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .home import home_for, your_account


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "core/home.html",
        {
            "blocks": home_for(request.user),
            "account": your_account(request.user),
        },
    )
