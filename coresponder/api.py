"""The JSON API: /api/v1/..., OpenAPI at /api/openapi.json, docs at /api/docs.

One error shape everywhere: {"message": ..., "code": ..., "fields": {...}}.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf

from coresponder.accounts.actions import authenticate_api_token
from coresponder.core.exceptions import DomainError, PermissionDenied
from coresponder.core.schemas import document_errors
from coresponder.core.throttles import ApiRateThrottle


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


class VerifiedSessionAuth(SessionAuth):
    """The pages' session; the second-factor middleware has already vetted it."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in session there is nothing to forge: 401, not a CSRF refusal.
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise CsrfFailed(
                _("A write with the session needs its CSRF token in the X-CSRFToken header.")
            )
        return request.COOKIES.get(self.param_name)


class AgencyTokenAuth(HttpBearer):
    """`Authorization: Bearer cor_…` for machine clients, scoped to one agency."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = authenticate_api_token(token)
        if api_token is not None:
            request.api_token = api_token
        return api_token


class AgencyTokenHeader(APIKeyHeader):
    """The same token in `X-API-Key`, for webhook senders that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        api_token = authenticate_api_token(key)
        if api_token is not None:
            request.api_token = api_token
        return api_token


class CoresponderApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # An operation that combines apps lives in the web layer (coresponder/web/<app>/)
        # but keeps the id it had in its app, so clients and the OpenAPI document see no
        # move: coresponder_calls_api_create_call, not coresponder_web_calls_...
        module = operation.view_func.__module__.replace("coresponder.web.", "coresponder.", 1)
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = CoresponderApi(
    title="Coresponder API",
    version="1",
    description="Crisis calls, encounters, referrals and follow-up for co-responder programs.",
    # Tokens first: the session's check runs CSRF on every POST, which would refuse a
    # machine client that has no session before its token were tried.
    auth=[AgencyTokenAuth(), AgencyTokenHeader(), VerifiedSessionAuth()],
    urls_namespace="api",
    # Reads and writes per token or user, at COR_API_RATES; the CAD feed has its own.
    throttle=ApiRateThrottle(),
)


def error_body(message: str, code: str, fields: dict | None = None) -> dict:
    return {"message": message, "code": code, "fields": fields or {}}


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(
        request, error_body(exc.message, exc.code, exc.fields), status=exc.status
    )


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = ".".join(
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "payload", "query", "path")
        )
        fields.setdefault(location or "__all__", []).append(error.get("msg", ""))
    return api.create_response(
        request, error_body(_("The request is not valid."), "invalid", fields), status=422
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return api.create_response(
        request,
        error_body(_("Sign in, or send a valid API token."), "not_authenticated"),
        status=401,
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body(_("Not found."), "not_found"), status=404)


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    # Ninja adds Retry-After (whole seconds) to this response.
    seconds = math.ceil(exc.wait) if exc.wait is not None else 1
    return api.create_response(
        request,
        error_body(
            ngettext(
                "Too many requests: try again in %(seconds)d second.",
                "Too many requests: try again in %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds},
            "throttled",
        ),
        status=429,
    )


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    # Django's own answer would be its HTML 400 page.
    limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"
    return api.create_response(
        request,
        error_body(
            _("The request body is larger than %(limit)s bytes, the most this API takes.")
            % {"limit": limit},
            "too_large",
            {"body": [_("At most %(limit)s bytes.") % {"limit": limit}]},
        ),
        status=413,
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, error_body(str(exc), "http_error"), status=exc.status_code)


api.add_router("/v1/", "coresponder.accounts.api.router")
api.add_router("/v1/", "coresponder.people.api.router")
api.add_router("/v1/", "coresponder.web.privacy.api.router")
api.add_router("/v1/", "coresponder.web.calls.api.router")
api.add_router("/v1/", "coresponder.dispatch.api.router")
api.add_router("/v1/", "coresponder.interop.api.router")
api.add_router("/v1/", "coresponder.encounters.api.router")
api.add_router("/v1/", "coresponder.referrals.api.router")
api.add_router("/v1/", "coresponder.cases.api.router")
api.add_router("/v1/", "coresponder.analytics.api.router")

# Last, once every operation is known: each documents the errors it can answer.
document_errors(api)
