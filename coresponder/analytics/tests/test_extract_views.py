"""The extracts page: evaluators download the de-identified extract and nothing else;
supervisors and administrators also the state's report; field roles and partners get 403."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from coresponder.accounts.models import Role
from coresponder.analytics.models import CallFact
from coresponder.core.models import AuditEntry
from coresponder.people import actions as people

from . import dataset

pytestmark = pytest.mark.django_db

URL = "/outcomes/extracts/"
JANUARY = {"kind": "deidentified", "start": "2026-01-01", "end": "2026-01-31", "dates": "week"}


@pytest.fixture
def facts(program):
    rows = [row for row in dataset.facts() if row["program_id"] == dataset.PROGRAM]
    for row in rows:
        row["program_id"] = program.pk
        row["person_key"] = (
            row["person_key"] and f"00000000-0000-4000-8000-00000000000{row['person_key']}"
        )
    CallFact.objects.bulk_create([CallFact(**row) for row in rows])
    return rows


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _made(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


def test_an_evaluator_downloads_the_extract_as_a_zip_and_it_is_logged(
    client, sign_in, make_user, program, facts
):
    # given an evaluator signed in
    evaluator = make_user(Role.EVALUATOR)
    sign_in(evaluator)
    assert client.get(URL).status_code == 200
    # when they ask for January's extract
    response = client.post(URL, JANUARY)
    # then a zip of the folder the command writes
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    name = "test-county-deidentified-2026-01-01-2026-01-31"
    assert response["Content-Disposition"] == f'attachment; filename="{name}.zip"'
    archive = _zip(response)
    assert sorted(archive.namelist()) == [
        f"{name}/{file}"
        for file in (
            "README.txt",
            "calls.csv",
            "calls.parquet",
            "data_dictionary.csv",
            "manifest.json",
        )
    ]
    manifest = json.loads(archive.read(f"{name}/manifest.json"))
    assert manifest["rows"] == 9  # c1–c9; c10 is February's, c12 December's
    calls_csv = archive.read(f"{name}/calls.csv").decode()
    assert "00000000-0000-4000-8000" not in calls_csv
    # and one audit event, naming the evaluator
    [entry] = AuditEntry.objects.filter(action="analytics.deidentified_extract_made")
    assert entry.actor_id == evaluator.pk
    assert entry.object_id == str(program.pk)
    assert entry.detail == {"from": "2026-01-01", "to": "2026-01-31", "rows": 9, "dates": "week"}


def test_an_evaluator_is_refused_the_state_report(client, sign_in, make_user, facts):
    sign_in(make_user(Role.EVALUATOR))
    page = client.get(URL).content.decode()
    assert "State monthly report" not in page
    response = client.post(URL, {**JANUARY, "kind": "state"})
    assert response.status_code == 400  # not one of the evaluator's choices
    assert _made("analytics.state_export_made") == 0


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_supervisors_and_administrators_download_the_state_report(
    client, sign_in, make_user, facts, role
):
    sign_in(make_user(role))
    response = client.post(URL, {**JANUARY, "kind": "state"})
    assert response.status_code == 200
    name = "test-county-state-2026-01-01-2026-01-31"
    archive = _zip(response)
    assert sorted(archive.namelist()) == [
        f"{name}/colorado-2026-01.csv",
        f"{name}/manifest.json",
    ]
    assert _made("analytics.state_export_made") == 1


@pytest.mark.parametrize(
    "role",
    [Role.OFFICER, Role.CLINICIAN, Role.CASE_MANAGER, Role.PARTNER, Role.DISPATCHER, Role.EMT],
)
def test_field_roles_and_partners_get_403(client, sign_in, make_user, facts, role):
    sign_in(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, JANUARY).status_code == 403
    assert client.post(URL, {**JANUARY, "kind": "state"}).status_code == 403
    assert _made("analytics.deidentified_extract_made") == 0


def test_signed_out_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_period_that_ends_before_it_starts_is_refused_on_the_page(
    client, sign_in, make_user, facts
):
    sign_in(make_user(Role.EVALUATOR))
    response = client.post(URL, {**JANUARY, "start": "2026-02-01"})
    assert response.status_code == 400
    assert "must end on or after" in response.content.decode()
    assert _made("analytics.deidentified_extract_made") == 0


def test_an_evaluator_is_refused_every_other_way_out_of_the_program(
    client, sign_in, make_user, desk, program
):
    # given a person and a call in the program
    from coresponder.calls import actions as calls

    person = people.register_person(
        people.PersonIn(names=[people.NameIn(given="Plantedalpha", family="Identifierbravo")]),
        acting_user=desk,
    )
    call = calls.take_call(
        calls.CallIn(source="911", concerns=["suicidal"], address="4471 Tracer Street"),
        acting_user=desk,
    )
    sign_in(make_user(Role.EVALUATOR))
    refused = {
        f"/people/{person.pk}/": None,
        f"/people/{person.pk}/record.csv": None,
        f"/people/{person.pk}/consents/": None,
        f"/people/{person.pk}/disclosures/": None,
        "/people/?name=Plantedalpha": None,
        f"/api/v1/persons/{person.pk}": None,
        f"/calls/{call.pk}/": None,
        f"/api/v1/calls/{call.pk}": None,
        "/calls/": None,
        "/cases/": None,
        "/dispatch/": None,
        "/directory/": None,
    }
    for url in refused:
        response = client.get(url)
        refused[url] = response.status_code
        if response.status_code == 200:
            assert "Plantedalpha" not in response.content.decode(), url
    assert {url: code for url, code in refused.items() if code not in (403, 404)} == {}
    # The person search API answers an evaluator 200 with no match (the page says 403):
    # nothing is revealed, but the refusal is not the same; see the report.
    search = client.get("/api/v1/persons?name=Plantedalpha")
    assert (search.status_code, search.json()) == (200, [])
