from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from coresponder.accounts import events
from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mfa_required")]

NOW = "2026-11-23 10:00:00"


@pytest.fixture
def mfa_required(settings):
    settings.COR_REQUIRE_MFA = True


@pytest.fixture(autouse=True)
def frozen_clock():
    # One clock for the whole test: codes depend on it, and so does the idle timeout.
    with freeze_time(NOW):
        yield


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_without_a_code_the_user_reaches_only_the_code_page(client, make_user, sign_in):
    # given
    sign_in(make_user(Role.OFFICER))

    # when / then
    assert client.get("/")["Location"] == "/login/second-factor/"
    assert client.get("/settings/api-tokens/")["Location"] == "/login/second-factor/"
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json()["code"] == "second_factor_required"


def test_first_sign_in_enrols_an_authenticator(client, make_user, sign_in):
    # given
    user = make_user(Role.CLINICIAN)
    sign_in(user)
    page = client.get("/login/second-factor/")
    device = TOTPDevice.objects.get(user=user)

    # when
    response = client.post("/login/second-factor/", {"code": code_for(device)})

    # then
    assert "Set up your authenticator" in page.content.decode()
    assert "<svg" in page.content.decode()
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-2:] == [events.SECOND_FACTOR_ENROLLED, events.SECOND_FACTOR_VERIFIED]


def test_a_code_works_once_only(client, make_user):
    # given an enrolled user who signed in with a code
    user = make_user(Role.DISPATCHER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    code = code_for(device)
    assert client.post("/login/second-factor/", {"code": code}).status_code == 302
    client.post("/logout/")

    # when the same code is replayed in the same 30 seconds
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    replay = client.post("/login/second-factor/", {"code": code})

    # then it is refused
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert client.get("/")["Location"] == "/login/second-factor/"


def test_a_wrong_code_is_refused(client, make_user, sign_in):
    user = make_user(Role.DISPATCHER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(user)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/login/second-factor/", {"code": wrong})

    assert response.status_code == 400
    assert client.get("/")["Location"] == "/login/second-factor/"
    assert not AuditEntry.objects.filter(action=events.SECOND_FACTOR_VERIFIED).exists()


def test_verifying_rotates_the_session_key(client, make_user, sign_in):
    user = make_user(Role.DISPATCHER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(user)
    before = client.session.session_key
    client.post("/login/second-factor/", {"code": code_for(device)})

    assert client.session.session_key != before


@override_settings(COR_REQUIRE_MFA=False)
def test_with_mfa_off_the_password_is_enough(client, make_user, sign_in):
    sign_in(make_user(Role.DISPATCHER))
    assert client.get("/").status_code == 200


def test_mfa_is_required_by_default_outside_the_demo():
    from coresponder.settings import base, dev

    assert base.COR_REQUIRE_MFA is True
    assert dev.COR_REQUIRE_MFA is False


def test_each_failed_code_is_audited_and_the_code_not_kept(client, make_user, sign_in):
    # given an enrolled user past the password
    user = make_user(Role.OFFICER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(user)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    before = AuditEntry.objects.count()

    # when a wrong code and a malformed one are given
    client.post("/login/second-factor/", {"code": wrong})
    client.post("/login/second-factor/", {"code": "12ab"})

    # then each failure is one entry naming the user, without the code
    failures = list(AuditEntry.objects.order_by("seq"))[before:]
    assert [entry.action for entry in failures] == [
        events.SECOND_FACTOR_FAILED,
        events.SECOND_FACTOR_FAILED,
    ]
    assert [(e.actor_username, e.object_id, e.detail) for e in failures] == [
        (user.username, str(user.pk), {"enrolling": False}),
        (user.username, str(user.pk), {"enrolling": False}),
    ]
    assert wrong not in str([e.detail for e in failures])
    assert client.get("/")["Location"] == "/login/second-factor/"


def test_a_failed_code_while_enrolling_is_audited_and_enrols_nothing(client, make_user, sign_in):
    # given a user setting up an authenticator
    user = make_user(Role.CLINICIAN)
    sign_in(user)
    client.get("/login/second-factor/")
    device = TOTPDevice.objects.get(user=user)

    # when the code is wrong
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/login/second-factor/", {"code": wrong})

    # then
    assert response.status_code == 400
    assert not TOTPDevice.objects.get(user=user).confirmed
    failed = AuditEntry.objects.get(action=events.SECOND_FACTOR_FAILED)
    assert failed.detail == {"enrolling": True}
    assert not AuditEntry.objects.filter(action=events.SECOND_FACTOR_ENROLLED).exists()
