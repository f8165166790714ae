"""What every API operation shares in its OpenAPI description: the one error shape, the
error statuses each operation may answer, and allowed values taken from the models' choices.

Kept here, below every app, so each app's api.py can use it; `coresponder.api` applies
`document_errors` once every router is added.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from pydantic import AfterValidator, AwareDatetime


class ErrorOut(Schema):
    """The one error shape: every 4xx the API answers has it."""

    message: str
    code: str
    fields: dict[str, list[str]]


def one_of(values: Any) -> Any:
    """The allowed values of a field, from an enum or `TextChoices`, as a `Literal`: the
    document lists them, and a value outside them is the documented 422, not a 400."""
    if isinstance(values, type) and issubclass(values, Enum):
        values = [member.value for member in values]
    return Literal[tuple(values)]


def _in_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # A ValueError is the field's 422, as any other value that does not fit.
        raise ValueError(
            _("This time cannot be held: it lies outside the years 1 to 9999 in UTC.")
        ) from None


# A time as the API takes it: an offset is read, then the instant kept in UTC. Python allows
# offsets up to ±23:59 and PostgreSQL only ±15:59, so a time kept with an odd offset would
# be a server error there; in UTC it is the same instant, which is all either database keeps.
# 0001-01-01T00:00+14:00 has no instant in UTC at all: it is refused as the field's 422.
Instant = Annotated[datetime, AfterValidator(_in_utc)]
ZonedInstant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ERROR_WORDS = {
    400: "Refused: the program will not do this (`refused`, `bad_filter`, …).",
    401: "Not authenticated (`not_authenticated`, `second_factor_required`, "
    "`session_ended`, `bad_signature`).",
    403: "Not yours to do (`forbidden`, `consent_needed`), or a session's write without "
    "its CSRF token (`csrf_failed`).",
    404: "No such object, or not one you may see (`not_found`).",
    409: "The record moved on: an illegal move, a colleague's change (`conflict`).",
    413: "The request body is larger than the server takes (`too_large`).",
    422: "The request does not fit this schema (`invalid`), with each field in `fields`.",
    429: "Too many requests; `Retry-After` says in how many seconds to try again.",
}


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def error_statuses(operation) -> list[int]:
    """The error statuses an operation can answer, from what it takes and does.

    Every operation needs credentials (401) and is rate-limited (429); any may be refused
    to the caller (403). One that takes input can be malformed (422), refused (400) or name
    an object that is not there for the caller (404). A write can find the record moved on
    (409), and its body can be too large to read (413)."""
    statuses = {401, 403, 429}
    if _takes_input(operation):
        statuses |= {400, 404, 422}
    if set(operation.methods) & UNSAFE_METHODS:
        statuses |= {404, 409, 413, 422}
    return sorted(statuses)


def _takes_input(operation) -> bool:
    if operation.openapi_extra and operation.openapi_extra.get("requestBody"):
        return True
    return any(model.__annotations__ for model in operation.models)


def document_errors(api: NinjaAPI) -> None:
    """Document each operation's error statuses with the one error shape."""
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                error_model = operation._create_response_model(ErrorOut)
                extra = operation.openapi_extra = dict(operation.openapi_extra or {})
                responses = extra["responses"] = dict(extra.get("responses", {}))
                for status in error_statuses(operation):
                    if status not in operation.response_models:
                        operation.response_models[status] = error_model
                        responses.setdefault(status, {"description": ERROR_WORDS[status]})
                if 429 in responses:
                    responses[429].setdefault("headers", RETRY_AFTER)
