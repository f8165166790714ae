from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from freezegun import freeze_time

from coresponder.accounts import events as audit_events
from coresponder.accounts.middleware import AUTHENTICATED_AT, LAST_SEEN_AT
from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_signing_in_rotates_the_session_key_and_is_audited(client, make_user):
    # given
    user = make_user(Role.DISPATCHER)
    client.get("/login/")
    client.session.save()
    anonymous_key = client.session.session_key

    # when
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != anonymous_key
    entry = AuditEntry.objects.get(action=audit_events.LOGGED_IN)
    assert (entry.actor_username, entry.agency_id, entry.ip_address) == (
        user.username,
        user.agency_id,
        "127.0.0.1",
    )
    assert entry.roles == "dispatcher"


def test_a_wrong_password_is_refused_audited_and_does_not_sign_in(client, make_user):
    user = make_user(Role.OFFICER)

    response = client.post("/login/", {"username": user.username, "password": "not-it-at-all"})

    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert client.get("/").status_code == 302
    failed = AuditEntry.objects.get(action=audit_events.LOGIN_FAILED)
    assert failed.detail == {"username": user.username}


def test_signing_out_is_audited_and_ends_the_session(client, make_user, sign_in):
    user = make_user(Role.CLINICIAN)
    sign_in(user)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert audit_actions()[-1] == audit_events.LOGGED_OUT


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user):
    # given
    user = make_user(Role.OFFICER)
    with freeze_time("2026-11-23 10:00:00"):
        for _ in range(5):
            client.post("/login/", {"username": user.username, "password": "wrong-password-1"})

        # when the right password comes after the fifth failure
        locked = client.post("/login/", {"username": user.username, "password": PASSWORD})

    # then it is refused, and the lockout is in the audit log
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert audit_events.LOCKED_OUT in audit_actions()
    assert client.get("/").status_code == 302

    with freeze_time("2026-11-23 10:14:30"):
        assert client.get("/login/").status_code == 200
        still = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert still.status_code == 429

    # Trying during the lockout restarts its fifteen minutes.
    with freeze_time("2026-11-23 10:29:00"):
        too_soon = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert too_soon.status_code == 429

    with freeze_time("2026-11-23 10:44:31"):
        after = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert after.status_code == 302


def test_four_failures_do_not_lock(client, make_user):
    user = make_user(Role.OFFICER)
    for _ in range(4):
        client.post("/login/", {"username": user.username, "password": "wrong-password-1"})

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302


def age_session(client, *, idle: float = 0, since_sign_in: float = 0) -> None:
    session = client.session
    now = time.time()
    session[LAST_SEEN_AT] = now - idle
    session[AUTHENTICATED_AT] = now - since_sign_in
    session.save()


def test_thirty_minutes_idle_ends_the_session(client, make_user, sign_in):
    # given
    user = make_user(Role.CASE_MANAGER)
    sign_in(user)
    age_session(client, idle=29 * 60, since_sign_in=29 * 60)
    assert client.get("/").status_code == 200

    # when
    age_session(client, idle=31 * 60, since_sign_in=60 * 60)
    response = client.get("/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F"
    assert client.get("/").status_code == 302
    ended = AuditEntry.objects.get(action=audit_events.SESSION_ENDED)
    assert ended.detail == {"reason": "idle"}


def test_twelve_hours_end_the_session_even_when_active(client, make_user, sign_in):
    user = make_user(Role.CASE_MANAGER)
    sign_in(user)

    age_session(client, idle=10, since_sign_in=12 * 60 * 60 + 1)
    response = client.get("/")

    assert response.status_code == 302
    assert AuditEntry.objects.get(action=audit_events.SESSION_ENDED).detail == {"reason": "max_age"}


def test_an_idle_api_session_gets_the_error_shape(client, make_user, sign_in):
    sign_in(make_user(Role.DISPATCHER))
    age_session(client, idle=31 * 60)

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "session_ended"


def test_next_only_goes_to_this_site(client, make_user):
    user = make_user(Role.OFFICER)

    response = client.post(
        "/login/?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == "/"


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user(Role.OFFICER)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_production_hashes_with_argon2_first():
    from coresponder.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pass1", "at least 12 characters"),
        ("password1234", "too common"),
    ],
)
def test_weak_passwords_are_refused(agencies, password, problem):
    from coresponder.accounts import actions
    from coresponder.accounts.models import User
    from coresponder.core.exceptions import DomainError

    with pytest.raises(DomainError) as refused:
        actions.create_user(
            username="newuser",
            full_name="New User",
            agency=agencies["behavioral_health"],
            roles=[Role.CLINICIAN],
            password=password,
            acting_user=None,
        )

    assert problem in " ".join(refused.value.fields["password"])
    assert not User.objects.filter(username="newuser").exists()
    assert not AuditEntry.objects.exists()


def test_the_session_cookie_outlives_no_session():
    from django.conf import settings

    assert timedelta(seconds=settings.SESSION_COOKIE_AGE) == timedelta(hours=12)


def test_an_unknown_role_is_refused_by_name_and_nothing_saved(agencies):
    from coresponder.accounts import actions
    from coresponder.accounts.models import User
    from coresponder.core.exceptions import DomainError

    with pytest.raises(DomainError) as refused:
        actions.create_user(
            username="newuser",
            full_name="New User",
            agency=agencies["behavioral_health"],
            roles=["clinician", "wizard"],
            password="a-long-enough-passphrase",
            acting_user=None,
        )

    assert refused.value.message == "Unknown role."
    assert refused.value.fields == {"roles": ["wizard"]}
    assert not User.objects.filter(username="newuser").exists()
    assert not AuditEntry.objects.exists()


def test_changing_roles_to_an_unknown_one_changes_nothing(make_user):
    from coresponder.accounts import actions
    from coresponder.core.exceptions import DomainError

    user = make_user(Role.OFFICER)
    entries = AuditEntry.objects.count()

    with pytest.raises(DomainError):
        actions.set_roles(user, roles=["officer", "wizard"], acting_user=None)

    assert sorted(user.role_grants.values_list("role", flat=True)) == ["officer"]
    assert AuditEntry.objects.count() == entries
