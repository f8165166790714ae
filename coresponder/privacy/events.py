"""Audit events about signing in and out. Each function writes exactly one entry."""

from __future__ import annotations

from django.http import HttpRequest

from .audit import Actor, record

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
