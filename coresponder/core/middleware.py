"""Responses a browser or a proxy must not keep."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with `private, no-cache`) on every response to a signed-in
    user and every API response: pages, fragments, CSV, PDF and JSON may carry a person's
    data, and a shared computer's cache or a proxy must not keep it. The one honest rule is
    "all of them"; static files (answered by WhiteNoise before this runs) still cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL or "/static/"):
            return response
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
