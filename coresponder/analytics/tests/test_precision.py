"""Calls known only to the hour, day, month or year: the facts keep no more than is known,
a period counts a call only when the call's whole span lies inside it, and each chart
leaves out the calls it cannot place and says how many (operational database and DuckDB).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from coresponder.analytics import kpis
from coresponder.analytics.engines import DuckDBEngine, OperationalEngine
from coresponder.analytics.facts import Moment, moment_date
from coresponder.analytics.models import CallFact
from coresponder.analytics.store import arrow_table, connect, insert

from . import dataset

DENVER = ZoneInfo("America/Denver")
YEAR_2026 = kpis.Filters(dataset.PROGRAM, date(2026, 1, 1), date(2027, 1, 1))
JANUARY = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY)


def test_a_moment_known_to_the_year_has_no_month_week_or_hour():
    # 2019, stored at its start: 1 January 00:00 in Denver
    moment = Moment.of(datetime(2019, 1, 1, 7, tzinfo=UTC), DENVER, precision="year")

    assert moment_date(moment) == date(2019, 1, 1)
    assert kpis.from_day_number(moment.day_end) == date(2020, 1, 1)
    assert (moment.year, moment.month, moment.week, moment.hour_of_week) == (
        2019,
        None,
        None,
        None,
    )


def test_a_moment_known_to_the_month_keeps_the_weekday_and_hour_it_was_given():
    # March 2021, a Tuesday at 14:00: the day is not known
    moment = Moment.of(
        datetime(2021, 3, 1, 7, tzinfo=UTC), DENVER, precision="month", weekday=1, hour=14
    )

    assert (moment_date(moment), kpis.from_day_number(moment.day_end)) == (
        date(2021, 3, 1),
        date(2021, 4, 1),
    )
    assert (moment.month, moment.week, moment.hour_of_week) == (202103, None, 1 * 24 + 14)


@pytest.mark.parametrize(
    ("precision", "week", "hour_of_week"),
    [("minute", True, 3 * 24 + 22), ("hour", True, 3 * 24 + 22), ("day", True, None)],
)
def test_a_moment_known_to_the_day_or_finer_has_its_week(precision, week, hour_of_week):
    # Thursday 4 June 2020, 22:15 in Denver
    when = datetime(2020, 6, 5, 4, 15, tzinfo=UTC)

    moment = Moment.of(when, DENVER, precision=precision)

    assert moment_date(moment) == date(2020, 6, 4)
    assert moment.day_end == moment.day + 1
    assert moment.week == moment.day - 3
    assert moment.month == 202006
    assert moment.hour_of_week == hour_of_week


def coarse_facts() -> list[dict]:
    """January's facts, and in 2026: three arrests known only to the year, two calls known
    to March with their weekday and hour, one known to the day (12 January)."""
    year = Moment.of(datetime(2026, 1, 1, tzinfo=UTC), dataset.ZONE, precision="year")
    march = Moment.of(
        datetime(2026, 3, 1, tzinfo=UTC), dataset.ZONE, precision="month", weekday=4, hour=2
    )
    day = Moment.of(datetime(2026, 1, 12, tzinfo=UTC), dataset.ZONE, precision="day")
    rows = [dataset._fact(f"y{n}", year, disposition="arrest", has_encounter=0) for n in range(3)]
    rows += [dataset._fact(f"m{n}", march) for n in range(2)]
    rows.append(dataset._fact("d1", day))
    return dataset.facts() + rows


@pytest.fixture(params=["operational", "duckdb"])
def engine(request, db):
    if request.param == "operational":
        CallFact.objects.bulk_create(CallFact(**row) for row in coarse_facts())
        return OperationalEngine()
    connection = connect()
    insert(connection, arrow_table(dataset.as_rows(coarse_facts())))
    return DuckDBEngine(connection)


def test_a_period_counts_a_call_only_when_its_whole_span_is_inside(engine):
    # January: c1–c9 as before, and d1 (12 January); not the year's or March's calls
    assert kpis.figures(engine, JANUARY).counts.calls == 9 + 1
    # The year: every call of 2026 of the program (c1–c10, the three, the two, d1)
    assert kpis.figures(engine, YEAR_2026).counts.calls == 10 + 3 + 2 + 1
    assert kpis.figures(engine, YEAR_2026).counts.arrests == 1 + 3


def test_a_period_says_how_many_calls_it_cannot_place(engine):
    # January overlaps the year's three calls, which may or may not be in it; March's two
    # and 12 January's are placed (out of it, and in it)
    assert kpis.unplaced(engine, JANUARY) == 3
    assert kpis.unplaced(engine, YEAR_2026) == 0


def test_the_trend_by_month_has_no_false_january(engine):
    rows = {row["period"]: row["calls"] for row in kpis.trend(engine, YEAR_2026, by="month")}

    # January: c1–c9 and d1; February: c10; March: the two known to March
    assert rows == {202601: 10, 202602: 1, 202603: 2}
    assert kpis.left_out(engine, YEAR_2026, "month") == 3


def test_the_trend_by_week_leaves_out_what_is_not_known_to_the_day(engine):
    rows = kpis.trend(engine, YEAR_2026, by="week")

    assert sum(row["calls"] for row in rows) == 10 + 1
    assert kpis.left_out(engine, YEAR_2026, "week") == 3 + 2


def test_the_heat_map_places_a_weekday_and_hour_without_a_day_and_nothing_coarser(engine):
    grid = kpis.hour_of_week(engine, YEAR_2026)

    assert sum(map(sum, grid)) == 10 + 2
    assert grid[4][2] == 2  # the two March calls: a Friday at 02:00
    assert grid[0][0] == 0  # nothing lands on Monday 00:00 for want of a time
    assert kpis.left_out(engine, YEAR_2026, "hour_of_week") == 3 + 1


def test_the_monthly_counts_leave_out_calls_known_only_to_the_year(engine):
    months = {row["month"]: row["calls"] for row in kpis.monthly(engine, YEAR_2026)}

    assert months == {202601: 10, 202602: 1, 202603: 2}
