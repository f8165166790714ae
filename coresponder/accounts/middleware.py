"""Session lifetime and the second factor, enforced on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from coresponder.privacy import events as audit_events

AUTHENTICATED_AT = "cor_authenticated_at"
LAST_SEEN_AT = "cor_last_seen_at"
# Refreshing the idle clock writes the session; once a minute is precise enough.
LAST_SEEN_RESOLUTION = 60


def stamp_new_session(request: HttpRequest) -> None:
    now = time.time()
    request.session[AUTHENTICATED_AT] = now
    request.session[LAST_SEEN_AT] = now


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _to_login(request: HttpRequest, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"message": message, "code": "session_ended", "fields": {}}, status=401)
    messages.info(request, message)
    login_url = reverse(settings.LOGIN_URL)
    if request.method == "GET":
        login_url += "?" + urlencode({"next": request.get_full_path()})
    response = redirect(login_url)
    if getattr(request, "htmx", False):
        response["HX-Redirect"] = login_url
    return response


class SessionLifetimeMiddleware:
    """Ends a session after 30 minutes idle or 12 hours in all (CJIS session lock)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            started = request.session.get(AUTHENTICATED_AT, now)
            last_seen = request.session.get(LAST_SEEN_AT, now)
            reason = None
            if now - started > settings.COR_SESSION_MAX_SECONDS:
                reason = "max_age"
            elif now - last_seen > settings.COR_SESSION_IDLE_SECONDS:
                reason = "idle"
            if reason:
                audit_events.session_ended(user=user, reason=reason, request=request)
                logout(request)
                if reason == "idle":
                    text = _("You were signed out after 30 minutes without activity.")
                else:
                    text = _("Your session reached its 12-hour limit. Please sign in again.")
                return _to_login(request, text)
            if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN_AT not in request.session:
                request.session[LAST_SEEN_AT] = now
                request.session.setdefault(AUTHENTICATED_AT, now)
        return self.get_response(request)


SECOND_FACTOR_EXEMPT = ("/login/", "/logout/", "/static/", "/healthz")


class SecondFactorRequiredMiddleware:
    """Where MFA is required, a user who has not given a code reaches only the code pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.COR_REQUIRE_MFA
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(SECOND_FACTOR_EXEMPT)
        ):
            if _is_api(request):
                return JsonResponse(
                    {
                        "message": _("Give your second factor before using the API."),
                        "code": "second_factor_required",
                        "fields": {},
                    },
                    status=401,
                )
            return redirect("accounts:second_factor")
        return self.get_response(request)
