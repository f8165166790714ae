"""A program's history imported from a CAD export, on its outcomes dashboard: calls known
only to their year make no false January and no false midnight."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from coresponder.accounts.models import Role
from coresponder.analytics import facts
from coresponder.demo.crisis_export import write_crisis_export

pytestmark = pytest.mark.django_db

YEAR_MAPPING = """
[external_id]
column = "Id"
[received_at]
column = "Year"
format = "%Y"
[source]
value = "911"
[address]
column = "Where"
"""
EXACT_MAPPING = YEAR_MAPPING.replace(
    'column = "Year"\nformat = "%Y"', 'column = "At"\nformat = "iso"'
)
YEAR_2023 = "period=custom&from=2023-01-01&to=2023-12-31&by=month"


def import_calls(path, mapping, agency, tmp_path) -> None:
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        str(mapping),
        "--agency",
        str(agency.pk),
        "--rejects",
        str(tmp_path / "rejected.csv"),
        stdout=StringIO(),
        stderr=StringIO(),
    )


@pytest.fixture
def history(program, agencies, tmp_path):
    """2023 as an export gives it: 40 calls known only to the year, and 3 known to the
    minute (two in March, one in July)."""
    police = agencies["law_enforcement"]
    by_year = tmp_path / "year.toml"
    by_year.write_text(YEAR_MAPPING)
    rows = "\n".join(f"Y{n},2023,Main St" for n in range(40))
    (tmp_path / "year.csv").write_text(f"Id,Year,Where\n{rows}\n")
    import_calls(tmp_path / "year.csv", by_year, police, tmp_path)
    exact = tmp_path / "exact.toml"
    exact.write_text(EXACT_MAPPING)
    (tmp_path / "exact.csv").write_text(
        "Id,At,Where\n"
        "E1,2023-03-07T15:20:00,Main St\n"
        "E2,2023-03-08T15:40:00,Main St\n"
        "E3,2023-07-04T22:05:00,Main St\n"
    )
    import_calls(tmp_path / "exact.csv", exact, police, tmp_path)
    facts.bring_up_to_date(program)
    return program


def test_a_year_of_history_known_only_to_the_year_makes_no_false_january(
    history, make_user, client, sign_in
):
    sign_in(make_user(Role.SUPERVISOR))

    response = client.get(f"/outcomes/?{YEAR_2023}")

    board = response.context["board"]
    assert board.now.counts.calls == 43
    trend = board.charts["trend"]
    assert [(row["period"], row["calls"]) for row in trend.rows] == [(202303, 2), (202307, 1)]
    assert trend.left_out == 40
    grid = board.charts["hours"].drawing["grid"]
    assert sum(map(sum, grid)) == 3
    assert grid[0][0] == 0  # no call at Monday 00:00 for want of a time
    assert (grid[1][15], grid[2][15], grid[1][22]) == (1, 1, 1)
    page = response.content.decode()
    assert "40 calls of this period are not in this chart: only their year is known." in page
    assert (
        "40 calls of this period are not in this chart: their hour or weekday is not known." in page
    )


def test_a_month_of_that_year_does_not_count_the_year_s_calls_and_says_so(
    history, make_user, client, sign_in
):
    sign_in(make_user(Role.SUPERVISOR))

    response = client.get("/outcomes/?period=custom&from=2023-01-01&to=2023-01-31")

    board = response.context["board"]
    assert board.now.counts.calls == 0
    assert board.unplaced == 40
    assert (
        "40 calls known only to a month or a year that reaches beyond this period are not "
        "counted in it." in response.content.decode()
    )


def test_the_chart_api_says_how_many_it_leaves_out(history, make_user, client, sign_in):
    sign_in(make_user(Role.SUPERVISOR))

    response = client.get(f"/api/v1/outcomes/charts/trend?{YEAR_2023}")

    assert response.status_code == 200
    body = response.json()
    assert [row["period"] for row in body["rows"]] == [202303, 202307]
    assert body["left_out"] == 40
    assert body["note"] == (
        "40 calls of this period are not in this chart: only their year is known."
    )


def test_a_published_crisis_dataset_imports_with_its_shipped_mapping_and_its_outcome_rate(
    program, agencies, tmp_path, make_user, client, sign_in
):
    # given an export in the shape police crisis datasets are published in: 2,000 calls
    # of 2022 and 2023, each with the year, month, weekday and hour, and apprehended or not
    path = write_crisis_export(tmp_path / "crisis.csv", 2_000, first_year=2022, years=2)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    held_2023 = sum(
        row["APPREHENSION_MADE"] == "Yes" for row in rows if row["EVENT_YEAR"] == "2023"
    )
    calls_2023 = sum(row["EVENT_YEAR"] == "2023" for row in rows)

    # when an administrator imports it with the shipped mapping
    import_calls(path, "police-crisis-data", agencies["law_enforcement"], tmp_path)
    facts.bring_up_to_date(program)
    sign_in(make_user(Role.SUPERVISOR))
    response = client.get("/outcomes/?period=custom&from=2023-01-01&to=2023-12-31")

    # then every call of 2023 counts, its outcome an imported one, and the hold rate is the
    # export's apprehension rate
    board = response.context["board"]
    assert (board.now.counts.calls, board.now.counts.imported_outcomes) == (
        calls_2023,
        calls_2023,
    )
    held = {tile.kpi.key: tile for tile in board.tiles}["involuntary_holds"]
    assert (held.numerator, held.denominator, held.imported) == (
        held_2023,
        calls_2023,
        calls_2023,
    )
    page = response.content.decode()
    assert f"{calls_2023} of the {calls_2023} are imported outcomes" in page
    # each call is in its month and on the heat map, and in no week
    trend = board.charts["trend"]
    assert sum(row["calls"] for row in trend.rows) == calls_2023
    assert len(trend.rows) == 12
    assert sum(map(sum, board.charts["hours"].drawing["grid"])) == calls_2023
    assert board.charts["hours"].left_out == 0
    dispositions = {row["disposition"]: row for row in board.charts["dispositions"].rows}
    assert dispositions["emergency hold"]["imported"] == held_2023
    assert dispositions["other (imported: none of these)"]["imported"] == calls_2023 - held_2023
    # and the documented encounters alone are none of these
    alone = client.get(
        "/outcomes/?period=custom&from=2023-01-01&to=2023-12-31&outcome_source=encounter"
    )
    assert alone.context["board"].now.counts.calls == 0
