"""Error pages in the product's own layout; the API answers in its own error shape."""

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.template.response import TemplateResponse


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def forbidden(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"message": "Forbidden.", "code": "forbidden", "fields": {}}, status=403
        )
    return TemplateResponse(request, "core/forbidden.html", status=403).render()


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"message": "Not found.", "code": "not_found", "fields": {}}, status=404
        )
    return TemplateResponse(request, "core/not_found.html", status=404).render()


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {"message": "Something went wrong on our side.", "code": "server_error", "fields": {}},
            status=500,
        )
    # A plain template: the error may come from the database the full layout would query.
    return HttpResponseServerError(loader.get_template("core/server_error.html").render())
