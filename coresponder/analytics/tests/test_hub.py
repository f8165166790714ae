"""A state hub runs the KPI library on de-identified extracts and gets the program's own
figures: the extract keeps everything a KPI counts, and weeks stand in for days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from coresponder.analytics import hub, kpis
from coresponder.analytics.deidentified import WEEK, YEAR, write_extract
from coresponder.analytics.engines import DuckDBEngine, OperationalEngine, SparkEngine
from coresponder.analytics.facts import Moment
from coresponder.analytics.models import CallFact
from coresponder.analytics.store import connect

from . import dataset

pytestmark = pytest.mark.django_db

# January 2026 in whole ISO weeks: Monday 29 December 2025 to Monday 2 February 2026.
WEEKS = (date(2025, 12, 29), date(2026, 2, 2))
YEAR_2026 = (date(2026, 1, 1), date(2027, 1, 1))
ISO_2026 = (date(2025, 12, 29), date(2027, 1, 4))


def ours(program) -> None:
    CallFact.objects.bulk_create(
        CallFact(**(row | {"program_id": program.pk}))
        for row in dataset.facts()
        if row["program_id"] == dataset.PROGRAM
    )


def january_extract(program, tmp_path, dates=WEEK):
    made = write_extract(
        tmp_path / f"extract-{dates}",
        program=program,
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
        dates=dates,
        formats=("parquet",),
        bring_up_to_date=False,
    )
    return made.folder / "calls.parquet"


def same(hub_figures: kpis.Figures, own: kpis.Figures) -> None:
    assert hub_figures.counts == own.counts
    assert {key: value.value for key, value in hub_figures.values.items()} == {
        key: value.value for key, value in own.values.items()
    }


def test_the_hub_s_figures_over_an_extract_are_the_program_s(program, tmp_path):
    ours(program)
    own = kpis.figures(OperationalEngine(), kpis.Filters(program.pk, *dataset.JANUARY))
    connection = connect()
    hub.duckdb_view(connection, january_extract(program, tmp_path), view="hub_facts")
    engine = DuckDBEngine(connection, "hub_facts")
    same(kpis.figures(engine, kpis.Filters(program.pk, *WEEKS)), own)
    # Filters other than dates narrow the same way.
    by_line = kpis.Filters(program.pk, *dataset.JANUARY, source="988")
    same(
        kpis.figures(engine, replace(by_line, start=WEEKS[0], end=WEEKS[1])),
        kpis.figures(OperationalEngine(), by_line),
    )


def test_an_extract_cut_to_years_still_answers_for_its_year(program, tmp_path):
    ours(program)
    own = kpis.figures(OperationalEngine(), kpis.Filters(program.pk, *dataset.JANUARY))
    connection = connect()
    hub.duckdb_view(connection, january_extract(program, tmp_path, dates=YEAR), view="hub")
    # Every call stands on the first Monday of its ISO year: 29 December 2025 for 2026.
    year = kpis.Filters(program.pk, date(2025, 12, 29), date(2027, 1, 4))
    same(kpis.figures(DuckDBEngine(connection, "hub"), year), own)


def test_a_call_known_only_to_its_year_spans_the_year_at_the_hub_too(program, tmp_path):
    # given January's calls and an imported arrest known only to 2026
    ours(program)
    known_to_2026 = Moment.of(datetime(2026, 1, 1, tzinfo=UTC), dataset.ZONE, precision="year")
    CallFact.objects.create(
        **(dataset._fact("y", known_to_2026, disposition="arrest") | {"program_id": program.pk})
    )
    made = write_extract(
        tmp_path / "extract",
        program=program,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        formats=("parquet",),
        bring_up_to_date=False,
    )
    connection = connect()
    hub.duckdb_view(connection, made.folder / "calls.parquet", view="hub")
    engine = DuckDBEngine(connection, "hub")

    # then it counts in the year, as in the program's own figures, and in no week or month
    own = kpis.figures(OperationalEngine(), kpis.Filters(program.pk, *YEAR_2026))
    same(kpis.figures(engine, kpis.Filters(program.pk, *ISO_2026)), own)
    assert own.counts.arrests == 2
    in_weeks = kpis.figures(engine, kpis.Filters(program.pk, *WEEKS)).counts
    assert in_weeks.arrests == 1
    assert kpis.left_out(engine, kpis.Filters(program.pk, *ISO_2026), "month") == 1
    assert kpis.hour_of_week(engine, kpis.Filters(program.pk, *ISO_2026)) == [[0] * 24] * 7


def test_iso_weeks_start_on_mondays_and_cover_the_year():
    weeks = hub.iso_weeks(range(2026, 2027)).to_pylist()
    assert len(weeks) == 53  # 2026 has 53 ISO weeks
    assert weeks[0] == {
        "iso_year": 2026,
        "iso_week": 1,
        "monday": 20451,  # 29 December 2025
        "month": 202512,
        "year_first": 20451,
        "year_end": 20822,  # 4 January 2027, the Monday of week 1 of 2027
    }
    assert all((week["monday"] - weeks[0]["monday"]) % 7 == 0 for week in weeks)


@pytest.mark.slow
def test_spark_over_an_extract_gives_the_program_s_figures(program, tmp_path, spark):
    ours(program)
    own = kpis.figures(OperationalEngine(), kpis.Filters(program.pk, *dataset.JANUARY))
    hub.spark_view(spark, january_extract(program, tmp_path), view="hub_facts")
    same(kpis.figures(SparkEngine(spark, "hub_facts"), kpis.Filters(program.pk, *WEEKS)), own)
