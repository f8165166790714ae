"""`coresponder bootstrap` on an empty database: unattended from the environment, or asked
at a terminal; the program's time zone is required and checked (issue 17)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coresponder.accounts.management.commands import bootstrap
from coresponder.accounts.models import Agency, Program, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
ARGS = [
    "--program",
    "Lake County Co-Responder Program",
    "--agency",
    "Lake County Behavioral Health",
    "--kind",
    "behavioral_health",
    "--username",
    "admin",
    "--full-name",
    "Program administrator",
]


def run(*extra: str) -> str:
    out = io.StringIO()
    call_command("bootstrap", *ARGS, *extra, stdout=out)
    return out.getvalue()


def nothing_created() -> bool:
    return not (Program.objects.exists() or Agency.objects.exists() or User.objects.exists())


def test_it_runs_unattended_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("COR_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setattr(bootstrap.getpass, "getpass", _no_prompt)
    out = run("--time-zone", "America/Chicago")
    program = Program.objects.get()
    assert program.slug == "lake-county-co-responder-program"
    assert program.time_zone == "America/Chicago"
    admin = User.objects.get()
    assert admin.check_password(PASSWORD)
    assert admin.roles == {"administrator"}
    assert "Created Lake County Co-Responder Program (America/Chicago)" in out


def _no_prompt(prompt=""):
    raise AssertionError("asked for a password while one was given")


def test_an_unknown_time_zone_is_refused_and_nothing_is_made(monkeypatch):
    monkeypatch.setenv("COR_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="'Mountain Time' is not a time zone"):
        run("--time-zone", "Mountain Time")
    assert nothing_created()


def test_the_time_zone_must_be_given(monkeypatch):
    monkeypatch.setenv("COR_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="--time-zone"):
        run()
    assert nothing_created()


def test_a_weak_password_is_refused_and_nothing_is_made(monkeypatch):
    monkeypatch.setenv("COR_ADMIN_PASSWORD", "password123")
    with pytest.raises(CommandError, match="The password is not acceptable"):
        run("--time-zone", "America/Denver")
    assert nothing_created()


def test_at_a_terminal_it_asks_twice(monkeypatch):
    monkeypatch.delenv("COR_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(bootstrap.sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr(bootstrap.getpass, "getpass", lambda prompt="": next(answers))
    run("--time-zone", "America/Denver")
    assert User.objects.get().check_password(PASSWORD)


def test_two_different_answers_make_nothing(monkeypatch):
    monkeypatch.delenv("COR_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(bootstrap.sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(bootstrap.getpass, "getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="The two passwords differ"):
        run("--time-zone", "America/Denver")
    assert nothing_created()


def test_without_a_terminal_or_the_variable_it_says_what_to_do(monkeypatch):
    monkeypatch.delenv("COR_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(bootstrap.sys.stdin, "isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="set COR_ADMIN_PASSWORD"):
        run("--time-zone", "America/Denver")
    assert nothing_created()


def test_a_second_bootstrap_is_refused(monkeypatch):
    monkeypatch.setenv("COR_ADMIN_PASSWORD", PASSWORD)
    run("--time-zone", "America/Denver")
    with pytest.raises(CommandError, match="A program already exists"):
        run("--time-zone", "America/Denver")
    assert Program.objects.count() == 1
