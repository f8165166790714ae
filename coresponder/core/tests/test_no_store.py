"""Responses that carry a person's data, or anything a signed-in user reads, are never stored
by a browser or proxy cache: `Cache-Control: no-store`. Static files still cache."""

from __future__ import annotations

from datetime import date

import pytest

from coresponder.accounts.models import Role
from coresponder.analytics.models import ReportRun

pytestmark = pytest.mark.django_db


def stored_nowhere(response) -> bool:
    return "no-store" in [part.strip() for part in response.get("Cache-Control", "").split(",")]


def test_a_persons_page_csv_and_api_answer_are_not_stored(client, sign_in, crew, person):
    # given an officer on the call about the person
    sign_in(crew["officer"])

    # when they read the person as a page, a CSV and through the API
    page = client.get(f"/people/{person.pk}/")
    spreadsheet = client.get(f"/people/{person.pk}/record.csv")
    api = client.get(f"/api/v1/persons/{person.pk}")

    # then none may be stored
    assert [page.status_code, spreadsheet.status_code, api.status_code] == [200, 200, 200]
    assert [stored_nowhere(r) for r in (page, spreadsheet, api)] == [True, True, True]


def test_a_program_report_pdf_is_not_stored(client, sign_in, program, make_user):
    # given a finished report (its PDF made elsewhere; here only the download is at stake)
    supervisor = make_user(Role.SUPERVISOR)
    run = ReportRun.objects.create(
        program=program,
        requested_by=supervisor,
        start=date(2026, 1, 1),
        end=date(2027, 1, 1),
        status=ReportRun.Status.DONE,
        progress=100,
        html="<p>report</p>",
        pdf=b"%PDF-1.7 test",
    )
    sign_in(supervisor)

    # when
    download = client.get(f"/outcomes/report/{run.pk}/report.pdf")

    # then
    assert download["Content-Type"] == "application/pdf"
    assert stored_nowhere(download)


def test_an_api_error_is_not_stored(client):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert stored_nowhere(response)


def test_static_files_still_cache(client, sign_in, crew):
    sign_in(crew["officer"])

    response = client.get("/static/core/coresponder.css")

    assert response.status_code == 200
    assert not stored_nowhere(response)
