"""Role checks for pages. Access to a person's data is the privacy policy's, not this."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse


def require_role(*roles: str):
    """Let through signed-in users holding any of `roles`; show others a plain refusal."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                return TemplateResponse(request, "core/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def signed_in_user(request):
    """The user behind an API request that reads or writes persons.

    An agency's API token is not a person holding a role, so it may not.
    """
    from .exceptions import PermissionDenied

    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied("API tokens cannot read or write persons; sign in as a user.")
    return request.user
