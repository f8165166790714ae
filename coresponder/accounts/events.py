"""Audit events of the accounts domain, sign-ins among them. Each function writes one entry."""

from __future__ import annotations

from django.http import HttpRequest

from coresponder.core.audit import Actor, record

LOGGED_IN = "auth.logged_in"
LOGGED_OUT = "auth.logged_out"
LOGIN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"
SESSION_ENDED = "auth.session_ended"


def logged_in(*, user, request: HttpRequest | None) -> None:
    record(
        LOGGED_IN, actor=Actor.of_user(user), object_type="user", object_id=user.pk, request=request
    )


def logged_out(*, user, request: HttpRequest | None) -> None:
    record(
        LOGGED_OUT,
        actor=Actor.of_user(user),
        object_type="user",
        object_id=user.pk,
        request=request,
    )


def login_failed(*, username: str, request: HttpRequest | None) -> None:
    # The attempted name is kept (cut short) to trace guessing; never the password.
    record(
        LOGIN_FAILED,
        actor=Actor.system("anonymous"),
        object_type="user",
        detail={"username": username[:150]},
        request=request,
    )


def locked_out(*, username: str, request: HttpRequest | None) -> None:
    record(
        LOCKED_OUT,
        actor=Actor.system("anonymous"),
        object_type="user",
        detail={"username": username[:150]},
        request=request,
    )


def session_ended(*, user, reason: str, request: HttpRequest | None) -> None:
    record(
        SESSION_ENDED,
        actor=Actor.of_user(user),
        object_type="user",
        object_id=user.pk,
        detail={"reason": reason},
        request=request,
    )


USER_CREATED = "accounts.user_created"
ROLES_CHANGED = "accounts.roles_changed"
SECOND_FACTOR_ENROLLED = "accounts.second_factor_enrolled"
SECOND_FACTOR_VERIFIED = "accounts.second_factor_verified"
SECOND_FACTOR_FAILED = "accounts.second_factor_failed"
API_TOKEN_CREATED = "accounts.api_token_created"
API_TOKEN_REVOKED = "accounts.api_token_revoked"
TRAINING_RECORDED = "accounts.training_recorded"
TIME_ZONE_SET = "accounts.time_zone_set"


def user_created(*, user, actor: Actor) -> None:
    record(
        USER_CREATED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        fields=["username", "full_name", "email", "agency", "roles"],
        detail={"username": user.username, "agency": user.agency.name},
    )


def roles_changed(*, user, actor: Actor, added: list[str], removed: list[str]) -> None:
    record(
        ROLES_CHANGED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        fields=["roles"],
        detail={"added": ",".join(sorted(added)), "removed": ",".join(sorted(removed))},
    )


def second_factor_enrolled(*, user, request) -> None:
    record(
        SECOND_FACTOR_ENROLLED,
        actor=Actor.of_user(user),
        object_type="user",
        object_id=user.pk,
        request=request,
    )


def second_factor_verified(*, user, request) -> None:
    record(
        SECOND_FACTOR_VERIFIED,
        actor=Actor.of_user(user),
        object_type="user",
        object_id=user.pk,
        request=request,
    )


def second_factor_failed(*, user, enrolling: bool, request) -> None:
    """A code refused: wrong, already used or malformed. The code itself is not kept."""
    record(
        SECOND_FACTOR_FAILED,
        actor=Actor.of_user(user),
        object_type="user",
        object_id=user.pk,
        detail={"enrolling": enrolling},
        request=request,
    )


def api_token_created(*, token, actor: Actor) -> None:
    record(
        API_TOKEN_CREATED,
        actor=actor,
        object_type="api_token",
        object_id=token.prefix,
        detail={
            "agency": token.agency.name,
            "name": token.name[:120],
            **({"scopes": list(token.scopes)} if token.scopes else {}),
        },
    )


def api_token_revoked(*, token, actor: Actor) -> None:
    record(
        API_TOKEN_REVOKED,
        actor=actor,
        object_type="api_token",
        object_id=token.prefix,
        detail={"agency": token.agency.name},
    )


def training_recorded(*, training_record, actor: Actor, request=None) -> None:
    record(
        TRAINING_RECORDED,
        actor=actor,
        object_type="training_record",
        object_id=training_record.pk,
        fields=["course", "completed_on", "expires_on", "provider", "certificate_number"],
        detail={
            "user": training_record.user.username,
            "course": training_record.course,
            "completed_on": training_record.completed_on.isoformat(),
            "expires_on": training_record.expires_on.isoformat(),
        },
        request=request,
    )


def time_zone_set(*, user, actor: Actor, request=None) -> None:
    record(
        TIME_ZONE_SET,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        fields=["time_zone"],
        detail={"time_zone": user.time_zone or "program"},
        request=request,
    )
