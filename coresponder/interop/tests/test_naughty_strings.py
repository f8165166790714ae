"""Every naughty string through the CAD webhook and the CSV importer: no crash, exact text."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command

from coresponder.calls.models import Call
from coresponder.testing.naughty import check_naughty_strings, naughty_strings

from .test_cad import CALL

pytestmark = pytest.mark.django_db

CALLER_NAME_MAX = Call._meta.get_field("caller_name").max_length


def caller_name_rejection(value: str) -> str | None:
    if "\x00" in value:
        return "null character"
    if len(value.strip()) > CALLER_NAME_MAX:
        return "too long"
    return None


@pytest.mark.slow
def test_a_cad_callers_name_survives_every_naughty_string(cad_post):
    numbers = iter(range(1, 10_000))

    def submit(value: str):
        number = next(numbers)
        response = cad_post(
            {**CALL, "incident_number": f"N-{number}", "caller_name": value}, key=f"n-{number}"
        )
        if response.status_code != 201:
            return response, None
        return response, Call.objects.get(pk=response.json()["id"]).caller_name

    report = check_naughty_strings(submit=submit, expected_rejection=caller_name_rejection)

    assert len(report.stored) + len(report.refused) == len(naughty_strings())


def test_naughty_call_types_in_an_export_are_kept_exactly_or_rejected_with_a_reason(
    agencies, tmp_path
):
    # given an export whose final call type is each naughty string in turn
    values = naughty_strings()
    path = tmp_path / "naughty.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "CAD Event Number",
                "Event Clearance Description",
                "Call Type",
                "Priority",
                "Initial Call Type",
                "Final Call Type",
                "Original Time Queued",
                "Arrived Time",
                "Precinct",
                "Sector",
                "Beat",
                "Blurred_Longitude",
                "Blurred_Latitude",
            ]
        )
        for number, value in enumerate(values, start=1):
            when, place = "01/02/2023 3:04:05 AM", ["E", "C", "C3", "-122.28", "47.61"]
            writer.writerow([number, "", "911", "2", "CRISIS", value, when, "", *place])
    rejects = tmp_path / "rejected.csv"

    # when
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        "seattle-call-data",
        "--agency",
        str(agencies["law_enforcement"].pk),
        "--rejects",
        str(rejects),
        stdout=StringIO(),
        stderr=StringIO(),
    )

    # then each value is in its call's summary as it was (trimmed), or its row was refused
    summaries = dict(Call.objects.values_list("external_id", "summary"))
    with rejects.open(newline="", encoding="utf-8") as handle:
        refused = {row[2]: row[1] for row in list(csv.reader(handle))[1:]}
    for number, value in enumerate(values, start=1):
        if "\x00" in value:
            assert refused[str(number)] == (
                "Final Call Type holds a NUL character, which text may not."
            ), json.dumps(value)
        else:
            assert f"Final call type: {value.strip()}. Cleared: " in summaries[str(number)], (
                json.dumps(value)
            )
    assert len(summaries) + len(refused) == len(values)
