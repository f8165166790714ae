"""A call is numbered in the year it was received on the program's clock, whichever way it
came in (issue 17): 23:59 on 31 December in Los Angeles is 07:59 UTC on 1 January, and
the call is the old year's on the intake page, the API, a CAD delivery and a CSV import."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from coresponder.calls.models import Call

pytestmark = pytest.mark.django_db

LAST_MINUTE = datetime(2025, 1, 1, 7, 59, tzinfo=UTC)  # 2024-12-31 23:59 PST
NEW_YEAR = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)  # 2025-01-01 00:00 PST


@pytest.fixture(autouse=True)
def los_angeles(program):
    program.time_zone = "America/Los_Angeles"
    program.save(update_fields=["time_zone"])
    return program


def test_the_intake_page_numbers_a_call_at_23_59_on_new_years_eve_in_the_old_year(
    client, sign_in, desk
):
    sign_in(desk)
    form = {"source": "911", "address": "1 Pier Road", "caller_relation": "self"}
    with freeze_time(LAST_MINUTE):
        client.post("/calls/new/", form)
    with freeze_time(NEW_YEAR):
        client.post("/calls/new/", form)
    assert list(Call.objects.order_by("received_at").values_list("reference", flat=True)) == [
        "2024-000001",
        "2025-000001",
    ]


def test_the_api_numbers_by_the_programs_year_and_answers_with_an_offset(client, sign_in, desk):
    sign_in(desk)
    body = {"source": "911", "address": "1 Pier Road", "received_at": "2024-12-31T23:59:00-08:00"}
    response = client.post("/api/v1/calls", body, content_type="application/json")
    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert call.reference == "2024-000001"
    assert call.received_at == LAST_MINUTE
    shown = client.get(f"/api/v1/calls/{call.pk}").json()
    assert shown["received_at"] == "2025-01-01T07:59:00Z"


def test_the_api_refuses_a_time_without_an_offset(client, sign_in, desk):
    # a time with no offset could be any of 38 zones' clocks: the API does not guess
    sign_in(desk)
    body = {"source": "911", "address": "1 Pier Road", "received_at": "2024-12-31T23:59:00"}
    response = client.post("/api/v1/calls", body, content_type="application/json")
    assert response.status_code == 422
    assert "received_at" in json.dumps(response.json())
    assert not Call.objects.exists()


def test_a_cad_delivery_is_numbered_by_the_programs_year(cad_post):
    call = {
        "incident_number": "LA-1",
        "received_at": "2025-01-01T07:59:00Z",
        "call_type": "WELFARE CHECK",
        "address": "1 Pier Road",
    }
    assert cad_post(call, key="la-1").status_code == 201
    later = {**call, "incident_number": "LA-2", "received_at": "2025-01-01T00:00:00-08:00"}
    assert cad_post(later, key="la-2").status_code == 201
    assert dict(Call.objects.values_list("external_id", "reference")) == {
        "LA-1": "2024-000001",
        "LA-2": "2025-000001",
    }


MAPPING = """
[external_id]
column = "id"

[received_at]
column = "at"
format = "iso"
{zone}

[source]
value = "911"

[address]
column = "place"
"""


@pytest.mark.parametrize(
    ("zone", "rows"),
    [
        # times on the program's clock
        ("", ["A,2024-12-31T23:59:00,1 Pier Road", "B,2025-01-01T00:00:00,1 Pier Road"]),
        # times on another clock, numbered on the program's
        (
            'time_zone = "UTC"',
            ["A,2025-01-01T07:59:00,1 Pier Road", "B,2025-01-01T08:00:00,1 Pier Road"],
        ),
    ],
)
def test_a_csv_import_numbers_each_row_by_the_programs_year(tmp_path, agencies, zone, rows):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING.format(zone=zone))
    path = tmp_path / "calls.csv"
    path.write_text("id,at,place\n" + "\n".join(rows) + "\n")
    out = StringIO()
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        str(mapping),
        "--agency",
        str(agencies["law_enforcement"].pk),
        "--rejects",
        str(tmp_path / "rejected.csv"),
        stdout=out,
        stderr=StringIO(),
    )
    assert dict(Call.objects.values_list("external_id", "reference")) == {
        "A": "2024-000001",
        "B": "2025-000001",
    }
    assert Call.objects.get(external_id="A").received_at == LAST_MINUTE
    # and the summary says the span on the program's clock, naming it
    assert (
        "calls received 2024-12-31 23:59 to 2025-01-01 00:00 (America/Los_Angeles)"
        in out.getvalue()
    )
