"""Session lifetime, the second factor and the reader's clock, on every request."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coresponder.accounts import events as audit_events

AUTHENTICATED_AT = "cor_authenticated_at"
LAST_SEEN_AT = "cor_last_seen_at"
# Refreshing the idle clock writes the session; once a minute is precise enough
# (or a tenth of the idle limit, when a program sets it shorter than ten minutes).
LAST_SEEN_RESOLUTION = 60
# The live parts of pages (board, call page, field view, report progress) send this header
# with their polls. A poll is not a person's action, so it does not count as activity. A
# forged header can only make a session end sooner, so trusting it is safe.
POLL_HEADER = "X-Coresponder-Poll"


def stamp_new_session(request: HttpRequest) -> None:
    now = time.time()
    request.session[AUTHENTICATED_AT] = now
    request.session[LAST_SEEN_AT] = now


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def is_poll(request: HttpRequest) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


def _is_htmx(request: HttpRequest) -> bool:
    # Read the header itself: django-htmx's middleware runs after this one.
    return request.headers.get("HX-Request") == "true"


def _page_asked_for(request: HttpRequest) -> str | None:
    """Where to come back to after signing in: the page itself, not the fragment it polled."""
    if _is_htmx(request):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        return (current.path + ("?" + current.query if current.query else "")) or None
    if request.method == "GET":
        return request.get_full_path()
    return None


def _to_login(request: HttpRequest, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"message": message, "code": "session_ended", "fields": {}}, status=401)
    messages.info(request, message)
    login_url = reverse(settings.LOGIN_URL)
    next_url = _page_asked_for(request)
    if next_url:
        login_url += "?" + urlencode({"next": next_url})
    if _is_htmx(request):
        # A redirect would be followed inside the request and the sign-in page swapped into
        # the fragment; HX-Redirect makes htmx leave the page, and nothing else is sent.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def _idle_text() -> str:
    seconds = settings.COR_SESSION_IDLE_SECONDS
    if seconds < 60:
        # A limit under a minute (a kiosk's, a test's) is said as it is, not as "1 minute".
        return ngettext(
            "You were signed out after %(seconds)d second without activity.",
            "You were signed out after %(seconds)d seconds without activity.",
            seconds,
        ) % {"seconds": seconds}
    minutes = round(seconds / 60)
    return ngettext(
        "You were signed out after %(minutes)d minute without activity.",
        "You were signed out after %(minutes)d minutes without activity.",
        minutes,
    ) % {"minutes": minutes}


class SessionLifetimeMiddleware:
    """Ends a session after 30 minutes idle or 12 hours in all (CJIS session lock).

    Idle means no request a person made: the polls of live pages do not count.
    """

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
                    text = _idle_text()
                else:
                    text = _("Your session reached its 12-hour limit. Please sign in again.")
                return _to_login(request, text)
            resolution = min(LAST_SEEN_RESOLUTION, settings.COR_SESSION_IDLE_SECONDS / 10)
            if LAST_SEEN_AT not in request.session or (
                not is_poll(request) and now - last_seen >= resolution
            ):
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


class TimeZoneMiddleware:
    """Every page is on the reader's clock: the program's time zone, or the user's own.

    Templates and forms then read and write local times with nothing more to do; the page is
    rendered inside the override, so its times come out on that clock. Machine clients (API
    tokens) get ISO 8601 instants with their offset and need no zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        with timezone.override(user.zone):
            return self.get_response(request)
