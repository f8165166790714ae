"""A state hub's view of de-identified extracts: the call facts again, as far as an
extract keeps them, so that the KPI library runs unchanged on Spark (or DuckDB) over the
Parquet files programs send.

An extract keeps the year and ISO week of a call, not its day or hour: here every call
spans its week, Monday to Monday, so a hub's periods run Monday to Monday. A call without
its week (an extract cut to years, or an imported call known only to the month or the
year) spans its year, from the first Monday of it to the first of the next, and is in no
week, month or hour of a chart, as `facts.Moment` keeps a call known only to the year.
Everything a KPI counts beyond the date (dispositions, referrals, durations, the gap to
the person's next call) is in the extract as it was in the facts, and a period of whole
weeks gives the same figures as the program's own database (a test checks that, on
DuckDB and on Spark).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from .kpis import EPOCH

# The facts' columns a hub view rebuilds, each from the extract's columns: the same names
# where the extract kept them.
KEPT = (
    "program_id",
    "agency_id",
    "team_id",
    "source",
    "concern",
    "response",
    "age_band",
    "sex",
    "veteran",
    "zip3",
    "has_encounter",
    "complete",
    "disposition",
    "assessed",
    "services",
    "any_force",
    "referrals_sent",
    "referrals_accepted",
    "referrals_attended",
    "response_seconds",
    "on_scene_seconds",
    "officer_seconds",
    "next_call_seconds",
    "needs_follow_up",
    "follow_up_seconds",
)


def iso_weeks(years: range) -> pa.Table:
    """Each ISO week of these years: its Monday as a day number, that Monday's month, and
    the first Monday of the year and of the next (the span of a call without its week)."""
    rows: dict[str, list[int]] = {"iso_year": [], "iso_week": [], "monday": [], "month": []}
    rows |= {"year_first": [], "year_end": []}
    for year in years:
        first = date.fromisocalendar(year, 1, 1)
        end = (date.fromisocalendar(year + 1, 1, 1) - EPOCH).days
        monday = first
        while monday.isocalendar()[0] == year:
            rows["iso_year"].append(year)
            rows["iso_week"].append(monday.isocalendar()[1])
            rows["monday"].append((monday - EPOCH).days)
            rows["month"].append(monday.year * 100 + monday.month)
            rows["year_first"].append((first - EPOCH).days)
            rows["year_end"].append(end)
            monday += timedelta(days=7)
    return pa.table({name: pa.array(values, pa.int32()) for name, values in rows.items()})


def facts_view_sql(*, has_week: bool, has_outcome_source: bool = True) -> str:
    """The facts, from the tables `extract_calls` and `iso_weeks`, in common SQL. An
    extract made before imported outcomes has no outcome_source: its outcomes are its
    complete encounters."""
    week = "e.week_of_year" if has_week else "CAST(NULL AS INTEGER)"
    kept = ", ".join(f"e.{column}" for column in KEPT)
    source, covers = (
        ("e.outcome_source", "e.outcome_covers")
        if has_outcome_source
        else (
            "CASE WHEN e.complete = 1 THEN 'encounter' ELSE '' END",
            "CASE WHEN e.complete = 1 THEN '*' ELSE '' END",
        )
    )
    return (
        f"SELECT CAST(e.row AS VARCHAR(20)) AS call_id, e.person AS person_key, {kept},"
        f" {source} AS outcome_source, {covers} AS outcome_covers,"
        " CAST(COALESCE(w.monday, y.year_first) AS BIGINT) * 86400 AS received_epoch,"
        " COALESCE(w.monday, y.year_first) AS day,"
        " COALESCE(w.monday + 7, y.year_end) AS day_end,"
        " w.monday AS week, w.month AS month, e.year AS year,"
        " CAST(NULL AS INTEGER) AS hour_of_week"
        " FROM extract_calls e"
        " JOIN iso_weeks y ON y.iso_year = e.year AND y.iso_week = 1"
        f" LEFT JOIN iso_weeks w ON w.iso_year = e.year AND w.iso_week = {week}"
    )


def _years_and_week(columns: list[str], years: list[int]) -> tuple[range, bool]:
    span = range(min(years), max(years) + 1) if years else range(0)
    return span, "week_of_year" in columns


def duckdb_view(connection, parquet: Path | str, view: str = "call_fact") -> None:
    """Make `view` in a DuckDB connection: the facts of one extract's calls.parquet."""
    connection.execute(
        f"CREATE OR REPLACE VIEW extract_calls AS SELECT * FROM read_parquet('{parquet}')"
    )
    columns = [row[0] for row in connection.execute("DESCRIBE extract_calls").fetchall()]
    found = connection.execute("SELECT DISTINCT year FROM extract_calls").fetchall()
    years = [row[0] for row in found]
    span, has_week = _years_and_week(columns, years)
    connection.register("iso_weeks", iso_weeks(span))
    sql = facts_view_sql(has_week=has_week, has_outcome_source="outcome_source" in columns)
    connection.execute(f"CREATE OR REPLACE VIEW {view} AS {sql}")


def spark_view(session, parquet: Path | str, view: str = "call_fact") -> None:
    """The same view in a Spark session (a state hub's cluster, or local mode)."""
    calls = session.read.parquet(str(parquet))
    calls.createOrReplaceTempView("extract_calls")
    years = [row[0] for row in calls.select("year").distinct().collect()]
    span, has_week = _years_and_week(calls.columns, years)
    weeks = iso_weeks(span).to_pylist()
    schema = "iso_year INT, iso_week INT, monday INT, month INT, year_first INT, year_end INT"
    session.createDataFrame(
        [tuple(week.values()) for week in weeks], schema=schema
    ).createOrReplaceTempView("iso_weeks")
    sql = facts_view_sql(has_week=has_week, has_outcome_source="outcome_source" in calls.columns)
    session.sql(sql).createOrReplaceTempView(view)
