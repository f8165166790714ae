from __future__ import annotations

import json

import pytest

from coresponder.accounts.models import Role
from coresponder.api import api
from coresponder.testing.shared_data import PROJECT_DIR

pytestmark = pytest.mark.django_db

OPENAPI_FILE = PROJECT_DIR / "docs" / "api" / "openapi.json"


def test_the_committed_openapi_document_matches_the_code():
    committed = json.loads(OPENAPI_FILE.read_text())
    current = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))

    assert current == committed, (
        "The API changed. Regenerate the document: DJANGO_SETTINGS_MODULE=coresponder.settings."
        "test .venv/bin/coresponder export_openapi_schema --api coresponder.api.api "
        "--output docs/api/openapi.json --indent 2 --sorted"
    )


def test_openapi_and_docs_are_served(client):
    document = client.get("/api/openapi.json")
    docs = client.get("/api/docs")

    assert document.status_code == 200
    assert "/api/v1/me" in document.json()["paths"]
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode()


def test_without_credentials_the_api_answers_in_its_error_shape(client):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json() == {
        "message": "Sign in, or send a valid API token.",
        "code": "not_authenticated",
        "fields": {},
    }


def test_a_signed_in_user_is_known_to_the_api(client, make_user, sign_in):
    user = make_user(Role.CASE_MANAGER, Role.CLINICIAN)
    sign_in(user)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["username"], body["roles"]) == (
        "user",
        user.username,
        ["case_manager", "clinician"],
    )


def test_agencies_are_those_of_the_callers_program_only(client, make_user, sign_in, agencies):
    from coresponder.accounts.models import Agency, Program

    other = Program.objects.create(name="Elsewhere", slug="elsewhere")
    Agency.objects.create(program=other, name="Elsewhere PD", kind="law_enforcement")
    sign_in(make_user(Role.DISPATCHER))

    names = [agency["name"] for agency in client.get("/api/v1/agencies").json()]

    assert names == sorted(agency.name for agency in agencies.values())


def test_unknown_api_paths_answer_in_the_error_shape(client, make_user, sign_in):
    sign_in(make_user(Role.DISPATCHER))

    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
