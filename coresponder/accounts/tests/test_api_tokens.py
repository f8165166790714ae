from __future__ import annotations

import hashlib
import re

import pytest

from coresponder.accounts import actions, events
from coresponder.accounts.models import ApiToken, Role
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.slow
def test_an_administrator_issues_a_token_shown_once_and_kept_only_as_a_hash(
    client, admin_user, agencies, sign_in
):
    # given
    sign_in(admin_user)
    agency = agencies["law_enforcement"]

    # when
    response = client.post("/settings/api-tokens/", {"name": "County CAD", "agency": agency.pk})

    # then
    assert response.status_code == 200
    secret = re.search(r'data-testid="issued-token">([^<]+)<', response.content.decode())[1]
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.key_hash, token.prefix, token.name)
    assert secret.startswith(f"cor_{token.prefix}_")
    assert (token.agency, token.created_by) == (agency, admin_user)
    listing = client.get("/settings/api-tokens/").content.decode()
    assert secret not in listing
    assert (
        AuditEntry.objects.filter(action=events.API_TOKEN_CREATED, object_id=token.prefix).count()
        == 1
    )


def test_a_token_authenticates_as_its_agency(client, agencies):
    issued = actions.create_api_token(agency=agencies["fire_ems"], name="EMS CAD", acting_user=None)

    response = client.get("/api/v1/me", **bearer(issued.secret))

    assert response.status_code == 200
    assert response.json() == {
        "kind": "api_token",
        "username": None,
        "roles": [],
        "token_name": "EMS CAD",
        "agency": {"id": agencies["fire_ems"].pk, "name": "Test Fire / EMS", "kind": "fire_ems"},
        "program": "Test County Co-Responder Program",
        "time_zone": "America/Denver",
    }
    assert client.get("/api/v1/me", HTTP_X_API_KEY=issued.secret).status_code == 200


def test_a_revoked_token_is_refused_at_once(client, admin_user, agencies, sign_in):
    # given
    issued = actions.create_api_token(agency=agencies["fire_ems"], name="EMS CAD", acting_user=None)
    assert client.get("/api/v1/me", **bearer(issued.secret)).status_code == 200

    # when the administrator revokes it on the tokens page
    sign_in(admin_user)
    client.post(f"/settings/api-tokens/{issued.token.prefix}/revoke/")
    client.post("/logout/")

    # then
    response = client.get("/api/v1/me", **bearer(issued.secret))
    assert response.status_code == 401
    assert response.json() == {
        "message": "Sign in, or send a valid API token.",
        "code": "not_authenticated",
        "fields": {},
    }
    issued.token.refresh_from_db()
    assert issued.token.revoked_by == admin_user
    assert AuditEntry.objects.filter(action=events.API_TOKEN_REVOKED).count() == 1


@pytest.mark.parametrize(
    "secret",
    ["", "cor_", "cor_deadbeef_guess", "Bearer", "x" * 300, "cor_%s_" % ("0" * 8)],
)
def test_made_up_tokens_are_refused(client, agencies, secret):
    actions.create_api_token(agency=agencies["fire_ems"], name="EMS CAD", acting_user=None)

    response = client.get("/api/v1/me", **bearer(secret))

    assert response.status_code == 401


def test_a_token_with_the_right_prefix_but_wrong_secret_is_refused(client, agencies):
    issued = actions.create_api_token(agency=agencies["fire_ems"], name="EMS", acting_user=None)

    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")

    assert client.get("/api/v1/me", **bearer(forged)).status_code == 401


def test_only_administrators_reach_the_tokens_page(client, make_user, sign_in):
    sign_in(make_user(Role.SUPERVISOR))

    response = client.get("/settings/api-tokens/")
    post = client.post("/settings/api-tokens/", {"name": "sneaky", "agency": 1})

    assert response.status_code == 403
    assert post.status_code == 403
    assert not ApiToken.objects.exists()


def test_revoking_twice_says_so(client, admin_user, agencies, sign_in):
    issued = actions.create_api_token(agency=agencies["fire_ems"], name="EMS", acting_user=None)
    actions.revoke_api_token(issued.token, acting_user=None)
    sign_in(admin_user)

    response = client.post(f"/settings/api-tokens/{issued.token.prefix}/revoke/", follow=True)

    assert "already revoked" in response.content.decode()
    assert AuditEntry.objects.filter(action=events.API_TOKEN_REVOKED).count() == 1


def test_tokens_of_another_program_cannot_be_revoked(client, admin_user, sign_in):
    from coresponder.accounts.models import Agency, Program

    other = Program.objects.create(name="Elsewhere", slug="elsewhere")
    agency = Agency.objects.create(program=other, name="Elsewhere PD", kind="law_enforcement")
    issued = actions.create_api_token(agency=agency, name="theirs", acting_user=None)
    sign_in(admin_user)

    client.post(f"/settings/api-tokens/{issued.token.prefix}/revoke/")

    issued.token.refresh_from_db()
    assert issued.token.is_active
    assert "theirs" not in client.get("/settings/api-tokens/").content.decode()


def test_the_token_command_issues_lists_and_revokes(agencies, capsys):
    from django.core.management import call_command

    call_command("token", "create", "--agency", "Test Fire / EMS", "--name", "CAD")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert actions.authenticate_api_token(secret) == token

    call_command("token", "revoke", token.prefix)

    assert actions.authenticate_api_token(secret) is None
