"""The KPI library at scale: PostgreSQL, the DuckDB analytics store and Spark.

Run, with a PostgreSQL database of its own (it empties `analytics_call_fact` there):

    createdb -h 127.0.0.1 -U postgres coresponder_bench_analytics
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coresponder_bench_analytics \
      .venv/bin/python bench/analytics.py --rows 1000000 [--folder /tmp/bench-analytics]

1. Generates N call facts in DuckDB with SQL (seeded, one thread): three years of calls
   (a year is a third), one program, dispositions in realistic shares, about 12% of calls
   with no person, a quarter of the calls by repeat callers, referrals sent, accepted
   and attended, NULL times where no team arrived. Writes them to Parquet, COPYs them into
   PostgreSQL (indexes dropped and rebuilt around the COPY, then ANALYZE) and loads the
   same Parquet into a DuckDB store (`store.Store`, `store.insert`).
2. Times, on PostgreSQL (`OperationalEngine`) and on the store (`DuckDBEngine`), the median
   of several runs after a warm-up: all KPIs of the last year (`kpis.figures`), the same
   with filters (source 988, age 25-34), and the dashboard's server work as
   `dashboard_views.dashboard_for` does it (figures of the period and of the previous
   one, and every chart of `CHART_NAMES`). Each is divided by the floor: one hand-written
   DuckDB query that scans the same rows and sums a few columns, timed in the same run.
   The three queries of `figures` are also timed one by one, with variations of the two
   window queries that give the same answers (checked); EXPLAIN ANALYZE of those two goes
   to explain-*.txt.
3. Incremental refresh: a day's new calls (N/1095) and updates to N/100 facts of the last
   90 days are written to PostgreSQL with a fresh `refreshed_at`; `Store.refresh()` is
   timed (read through Django, Parquet snapshot, swap).
4. The de-identified extract's rows per second, when `analytics.deidentified` exists.
5. Spark (local[2]), last: session start, then `kpis.figures` over the Parquet as loaded
   (before the refresh) via SparkEngine. `--no-spark` skips it.

Every engine's answers are compared with the others' (figures and dashboard charts);
a mismatch stops the run. Progress goes to stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from django_setup import set_up_django
from measure import progress

DAYS = 1095  # three years of calls
LAST_DAY = date(2026, 10, 31)  # the last day with calls
PROGRAM = 1
BATCH_ROWS = 200_000
BUDGET = [90.0]  # seconds of repeats per measure, after the warm-up (--budget)
OLD_REFRESH = "2026-11-01 00:00:00+00"
OLD_REFRESH_AT = datetime(2026, 11, 1, tzinfo=UTC)

SOURCES = [("911", 0.55), ("988", 0.15), ("non_emergency", 0.15), ("officer_initiated", 0.08)]
SOURCES += [("cad", 0.05), ("walk_in", 0.02)]
RESPONSES = [("co_responder", 0.50), ("mobile_crisis", 0.20), ("police_only", 0.15)]
RESPONSES += [("phone_resolution", 0.10), ("ems", 0.05)]
DISPOSITIONS = [("resolved_on_scene", 0.35), ("referred_voluntary", 0.20)]
DISPOSITIONS += [("transported_voluntary", 0.13), ("emergency_hold", 0.10)]
DISPOSITIONS += [("refused_services", 0.08), ("medical_transport", 0.05)]
DISPOSITIONS += [("unable_to_locate", 0.05), ("citation", 0.02), ("arrest", 0.02)]
CONCERNS = [("suicidal", 0.25), ("psychosis", 0.15), ("substance", 0.15), ("welfare", 0.20)]
CONCERNS += [("agitation", 0.10), ("", 0.15)]
AGE_BANDS = [("", 0.10), ("0-17", 0.06), ("18-24", 0.14), ("25-34", 0.22), ("35-44", 0.18)]
AGE_BANDS += [("45-54", 0.13), ("55-64", 0.10), ("65-89", 0.065), ("90+", 0.005)]
SEXES = [("male", 0.55), ("female", 0.42), ("unknown", 0.025), ("intersex", 0.005)]
VETERANS = [("not_veteran", 0.80), ("veteran", 0.07), ("unknown", 0.13)]


def pick(column: str, shares: list[tuple[str, float]]) -> str:
    """A CASE choosing a value by a uniform random column, in the given shares."""
    whens, edge = [], 0.0
    for value, share in shares[:-1]:
        edge += share
        whens.append(f"WHEN {column} < {edge:.4f} THEN '{value}'")
    return f"CASE {' '.join(whens)} ELSE '{shares[-1][0]}' END"


def facts_sql(rows: int, first_day: int, days: int, first_id: int, refreshed: str) -> str:
    """N call facts as one DuckDB query, in the facts' column order, oldest first."""
    pool = max(1, rows // 25)  # repeat callers: a quarter of the calls, ~6 calls each
    return f"""
WITH drawn AS (
    SELECT i, {first_day} + CAST(floor(random() * {days}) AS INTEGER) AS day,
           (16 + CAST(round((random() + random() + random() - 1.5) * 9) AS INTEGER) + 48) % 24
             AS hr,
           CAST(floor(random() * 3600) AS INTEGER) AS sec,
           random() AS r_source, random() AS r_response, random() AS r_concern,
           random() AS r_person, random() AS r_pool, random() AS r_age, random() AS r_sex,
           random() AS r_vet, random() AS r_zip, random() AS r_encounter, random() AS r_complete,
           random() AS r_disposition, random() AS r_assessed, random() AS r_force,
           random() AS r_sent, random() AS r_accepted, random() AS r_attended,
           random() AS r_response_time, random() AS r_scene, random() AS r_officer,
           random() AS r_follow, random() AS r_follow_time, random() AS r_team
    FROM range({rows}) t(i)
), shaped AS (
    SELECT *, {pick("r_response", RESPONSES)} AS response,
           r_encounter < 0.85 AS has_enc,
           r_encounter < 0.85 AND r_complete < 0.95 AS done,
           CASE WHEN r_sent < 0.55 THEN 0 WHEN r_sent < 0.85 THEN 1
                WHEN r_sent < 0.97 THEN 2 ELSE 3 END AS sent
    FROM drawn
), timed AS (
    SELECT *,
           CASE WHEN response = 'phone_resolution' OR NOT has_enc OR r_response_time < 0.06
                THEN NULL
                ELSE 120 + CAST(floor(-ln(1 - random()) * 1000) AS INTEGER) END AS resp,
           CASE WHEN done THEN CAST(floor(r_accepted * (sent + 1)) AS INTEGER) ELSE 0 END AS acc
    FROM shaped
), made AS (
SELECT
    lower(printf('00000000-0000-4000-8000-%012x', {first_id}
        + row_number() OVER (ORDER BY day, hr, sec, i))) AS call_id,
    CAST({PROGRAM} AS BIGINT) AS program_id,
    CAST(1 + floor(r_team * 4) AS BIGINT) AS agency_id,
    CASE WHEN resp IS NULL THEN NULL ELSE CAST(1 + floor(r_team * 40) AS BIGINT) END AS team_id,
    {pick("r_source", SOURCES)} AS source,
    {pick("r_concern", CONCERNS)} AS concern,
    response,
    CASE WHEN r_person < 0.12 THEN NULL
         WHEN r_person < 0.37 THEN printf('00000000-0000-4000-b000-%012x',
              CAST(floor(r_pool * {pool}) AS BIGINT))
         ELSE printf('00000000-0000-4000-a000-%012x', {first_id} + i) END AS person_key,
    {pick("r_age", AGE_BANDS)} AS age_band,
    {pick("r_sex", SEXES)} AS sex,
    {pick("r_vet", VETERANS)} AS veteran,
    CASE WHEN r_zip < 0.08 THEN '' ELSE CAST(900 + CAST(floor(r_zip * 60) AS INTEGER) AS VARCHAR)
         END AS zip3,
    CAST(day AS BIGINT) * 86400 + hr * 3600 + sec AS received_epoch,
    CAST(day AS INTEGER) AS day,
    CAST(day + 1 AS INTEGER) AS day_end,
    CAST(day - (day + 3) % 7 AS INTEGER) AS week,
    CAST(year(DATE '1970-01-01' + day) * 100 + month(DATE '1970-01-01' + day) AS INTEGER)
        AS month,
    CAST(year(DATE '1970-01-01' + day) AS INTEGER) AS year,
    CAST(((day + 3) % 7) * 24 + hr AS INTEGER) AS hour_of_week,
    CAST(has_enc AS INTEGER) AS has_encounter,
    CAST(done AS INTEGER) AS complete,
    CASE WHEN done THEN {pick("r_disposition", DISPOSITIONS)} ELSE '' END AS disposition,
    CASE WHEN done THEN 'encounter' ELSE '' END AS outcome_source,
    CAST(done AND r_assessed < 0.7 AS INTEGER) AS assessed,
    CAST(done AND (r_assessed < 0.8 OR sent > 0) AS INTEGER) AS services,
    CAST(done AND r_force < 0.04 AS INTEGER) AS any_force,
    CAST(CASE WHEN done THEN sent ELSE 0 END AS INTEGER) AS referrals_sent,
    CAST(acc AS INTEGER) AS referrals_accepted,
    CAST(floor(r_attended * (acc + 1)) AS INTEGER) AS referrals_attended,
    CAST(resp AS INTEGER) AS response_seconds,
    CASE WHEN resp IS NULL OR r_scene < 0.08 THEN NULL
         ELSE CAST(300 + floor(-ln(1 - r_scene) * 2400) AS INTEGER) END AS on_scene_seconds,
    CASE WHEN resp IS NULL OR response = 'mobile_crisis' OR r_scene < 0.08 THEN NULL
         ELSE CAST(resp + 300 + floor(-ln(1 - r_scene) * 2400) + r_officer * 900 AS INTEGER)
         END AS officer_seconds,
    CAST(done AND r_follow < 0.3 AS INTEGER) AS needs_follow_up,
    CASE WHEN done AND r_follow < 0.3 AND r_follow_time < 0.9
         THEN CAST(floor(-ln(1 - r_follow_time) * 100000) AS INTEGER) END AS follow_up_seconds,
    TIMESTAMPTZ '{refreshed}' AS refreshed_at
FROM timed
)
SELECT *,
       CASE WHEN person_key IS NOT NULL
            THEN LEAD(received_epoch) OVER (PARTITION BY person_key ORDER BY received_epoch)
                 - received_epoch END AS next_call_seconds
FROM made
ORDER BY received_epoch, call_id
"""


# -- Loading --------------------------------------------------------------------------------


def generate(duck, rows: int, parquet: Path) -> None:
    from coresponder.analytics.kpis import day_number

    duck.execute("SET threads = 1")  # random() is reproducible only on one thread
    duck.execute("SELECT setseed(0.42)").fetchall()
    last = day_number(LAST_DAY)
    sql = facts_sql(rows, last - DAYS + 1, DAYS, 0, OLD_REFRESH)
    duck.execute(f"COPY ({sql}) TO '{parquet}' (FORMAT parquet, ROW_GROUP_SIZE 122880)")
    duck.execute("RESET threads")


def copy_into_postgres(duck, source_sql: str, *, label: str) -> int:
    """Stream rows from DuckDB into `analytics_call_fact` with COPY (CSV, batches)."""
    import pyarrow.csv as pacsv
    from django.db import connection

    from coresponder.analytics.store import COLUMNS

    reader = duck.sql(source_sql).to_arrow_reader(BATCH_ROWS)
    options = pacsv.WriteOptions(include_header=False)  # strings quoted, NULL unquoted
    done = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        command = f"COPY analytics_call_fact ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)"
        with raw.copy(command) as copy:
            for batch in reader:
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getvalue())
                done += batch.num_rows
                print(f"\r  {label}: {done:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr, flush=True)
    return done


def load_postgres(duck, parquet: Path) -> float:
    from django.db import connection, transaction

    from coresponder.analytics.store import COLUMNS

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE analytics_call_fact")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'analytics_call_fact' AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cursor.fetchall()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        copy_into_postgres(
            duck,
            f"SELECT {', '.join(COLUMNS)} FROM read_parquet('{parquet}')",
            label="COPY into PostgreSQL",
        )
        progress("  rebuilding indexes")
        with connection.cursor() as cursor:
            for _, definition in indexes:
                cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE analytics_call_fact")
    return time.perf_counter() - started


def load_store(folder: Path, parquet: Path, rows: int):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from coresponder.analytics.store import SCHEMA, Store, insert

    started = time.perf_counter()
    store = Store(folder)
    done = 0
    for batch in pq.ParquetFile(parquet).iter_batches(BATCH_ROWS):
        insert(store.connection, pa.Table.from_batches([batch]).select(SCHEMA.names).cast(SCHEMA))
        done += batch.num_rows
        print(f"\r  DuckDB store: {done:,} / {rows:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr, flush=True)
    # The bulk load counts as the store's first snapshot, up to the facts' refreshed_at.
    os.link(parquet, store.snapshots / "000001.parquet")
    store.connection.execute(
        "INSERT INTO store_refresh VALUES ('000001.parquet', ?, ?, ?)",
        [rows, OLD_REFRESH_AT, datetime.now(UTC)],
    )
    store.connection.execute("CHECKPOINT")
    return store, time.perf_counter() - started


# -- Timing ---------------------------------------------------------------------------------


def timed(function, repeats: int, budget: float | None = None) -> tuple[float, object]:
    """Median seconds of `repeats` runs after one warm-up (fewer when over the budget; a
    warm-up longer than the budget is itself the one run). The median CPU seconds of this
    process (DuckDB's threads run inside it) are left in LAST_CPU."""
    budget = BUDGET[0] if budget is None else budget
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    times = [time.perf_counter() - started]
    cpus = [time.process_time() - cpu]
    if times[0] < budget:
        times, cpus = [], []
    spent = time.perf_counter()
    while len(times) < repeats and (len(times) < 1 or time.perf_counter() - spent < budget):
        started, cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    LAST_CPU[0] = statistics.median(cpus)
    return statistics.median(times), result


LAST_CPU = [0.0]


def figures_key(found) -> dict:
    values = {key: (v.numerator, v.denominator, v.value) for key, v in found.values.items()}
    return {"values": values, "counts": found.counts}


def dashboard(engine, filters) -> dict:
    """The dashboard page's server work, as `dashboard_views.dashboard_for` does it: the
    figures of the period and of the one before, and every chart (a year: by month)."""
    from coresponder.analytics import dashboard_views as views
    from coresponder.analytics import kpis, outcome_charts

    length = filters.end - filters.start
    period = views.Period(
        "custom", filters.start, filters.end, filters.start - length, filters.start, "month"
    )
    now = kpis.figures(engine, filters)
    before = kpis.figures(engine, views.previous_of(filters, period))
    charts = {
        name: outcome_charts.chart_for(name, engine, filters, by=period.by, now=now).csv_rows()
        for name in outcome_charts.CHART_NAMES
    }
    return {"now": figures_key(now), "before": figures_key(before), "charts": charts}


FLOOR_SQL = (
    "SELECT COUNT(*), SUM(complete), SUM(CASE WHEN disposition = 'arrest' THEN 1 ELSE 0 END),"
    " SUM(referrals_sent), SUM(referrals_attended), MAX(response_seconds)"
    " FROM call_fact WHERE {where}"
)


def floor_query(duck_engine, filters):
    sql = FLOOR_SQL.replace("{where}", filters.where())
    return lambda: duck_engine.rows(sql, filters.params())


def figure_parts(filters) -> dict[str, str]:
    """The three SQL queries of `kpis.figures`, as it makes them."""
    from coresponder.analytics import kpis

    where = filters.where()
    select = ", ".join(f"SUM({expression})" for _, expression in kpis._sum_columns())
    people = kpis.PEOPLE_SQL.format(
        d30=30 * kpis.DAY_SECONDS, d90=90 * kpis.DAY_SECONDS, where=where
    )
    percentiles = kpis._percentile_columns().replace("{timed}", kpis._timed(filters))
    return {
        "sums": f"SELECT {select} FROM {{facts}} WHERE {where}",
        "people": people,
        "percentiles": percentiles,
    }


DUCK_ONLY = {
    # Not portable (DuckDB's own aggregate), for comparison: the same nearest-rank values.
    "percentiles, quantile_disc": (
        "SELECT metric, quantile_disc(v, 0.5), quantile_disc(v, 0.9), COUNT(*) FROM ({timed}) t"
        " GROUP BY metric"
    ),
}
TYPED = "call_fact_uuid"  # the store's facts with person_key as DuckDB's 128-bit UUID


# -- Steps ----------------------------------------------------------------------------------


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, engine, measure, seconds, floor, target=None) -> None:
        met = "" if target is None else ("yes" if seconds < target else "NO")
        target_text = "" if target is None else f"< {target * 1000:,.0f} ms"
        cpu = f"{LAST_CPU[0] * 1000:,.1f}" if engine == "DuckDB" else ""
        self.rows.append((engine, measure, seconds * 1000, seconds / floor, target_text, met, cpu))

    def print(self) -> None:
        print(
            f"{'engine':<10} {'measure':<34} {'ms':>10} {'x floor':>9}  {'target':<12} {'met?':<5}"
            f" {'cpu ms':>9}"
        )
        for engine, measure, ms, ratio, target, met, cpu in self.rows:
            print(
                f"{engine:<10} {measure:<34} {ms:>10,.1f} {ratio:>9.1f}  {target:<12} {met:<5}"
                f" {cpu:>9}"
            )


def measure_engines(pg, duck, filters, filtered, rows: int, repeats: int) -> dict:  # noqa: PLR0917
    from coresponder.analytics import kpis

    target = 0.3 if rows <= 1_000_000 else 1.5
    floor, _ = timed(floor_query(duck, filters), repeats * 3)
    floor_cpu = LAST_CPU[0]
    floor_filtered, _ = timed(floor_query(duck, filtered), repeats * 3)
    table, answers = Table(), {}
    print(
        f"\nfloor (DuckDB, one scan of the year's rows): {floor * 1000:.1f} ms"
        f" (cpu {floor_cpu * 1000:.1f} ms);"
    )
    print(f"floor with the filters: {floor_filtered * 1000:.1f} ms\n")
    for engine in (duck, pg):
        label = "DuckDB" if engine is duck else "PostgreSQL"
        progress(f"  {label}: figures for a year")
        seconds, found = timed(lambda e=engine: kpis.figures(e, filters), repeats)
        table.add(label, "figures, a year", seconds, floor, target if engine is duck else None)
        answers[(label, "figures")] = figures_key(found)
        progress(f"  {label}: figures with filters")
        seconds, found = timed(lambda e=engine: kpis.figures(e, filtered), repeats)
        table.add(label, "figures, a year, 988 + 25-34", seconds, floor_filtered)
        answers[(label, "filtered")] = figures_key(found)
        progress(f"  {label}: dashboard")
        seconds, found = timed(lambda e=engine: dashboard(e, filters), max(1, repeats // 2))
        table.add(label, "dashboard (2 periods + 7 charts)", seconds, floor)
        answers[(label, "dashboard")] = found
    table.print()
    for measure in ("figures", "filtered", "dashboard"):
        assert answers[("DuckDB", measure)] == answers[("PostgreSQL", measure)], measure
    print("\nPostgreSQL and DuckDB answers identical (figures, filtered, dashboard): yes")
    pg_ms = {m: r[2] for r in table.rows if r[0] == "PostgreSQL" for m in [r[1]]}
    for engine, measure, ms, *_ in table.rows:
        if engine == "DuckDB":
            print(f"PostgreSQL / DuckDB, {measure}: {pg_ms[measure] / ms:.1f}x")
    return {"floor": floor, "figures": answers[("DuckDB", "figures")]}


def measure_parts(pg, duck, filters, repeats: int, floor: float) -> None:
    from django.db import connection

    from coresponder.analytics import kpis
    from coresponder.analytics.engines import DuckDBEngine

    print("\nThe three queries of figures(), a year, one by one, and variations:")
    print(f"{'engine':<10} {'query':<40} {'ms':>10} {'x floor':>9}")
    params = filters.params()
    parts = figure_parts(filters)
    reference = sorted(duck.rows(parts["percentiles"], params))

    def line(label, name, seconds, note=""):
        print(f"{label:<10} {name:<40} {seconds * 1000:>10,.1f} {seconds / floor:>9.1f}  {note}")

    runs = max(1, repeats // 2)
    for label, engine in (("DuckDB", duck), ("PostgreSQL", pg)):
        for name, sql in parts.items():
            seconds, _ = timed(lambda e=engine, s=sql: e.rows(s, params), runs)
            line(label, name, seconds)
    for name, sql in DUCK_ONLY.items():
        text = sql.replace("{timed}", kpis._timed(filters))
        seconds, found = timed(lambda s=text: duck.rows(s, params), repeats)
        line(
            "DuckDB",
            name,
            seconds,
            "same answer: " + ("yes" if sorted(found) == reference else "NO"),
        )
    # The person as a UUID (16 bytes, compared as two integers) instead of 36 characters.
    duck.connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {TYPED} AS SELECT * REPLACE"
        " (CAST(person_key AS UUID) AS person_key) FROM call_fact"
        " WHERE program_id = $p AND day >= $f",
        {"p": filters.program_id, "f": params["day_from"] - 366},
    )
    typed = DuckDBEngine(duck.connection, TYPED)
    expected = duck.rows(parts["people"], params)
    seconds, found = timed(lambda: typed.rows(parts["people"], params), runs)
    line(
        "DuckDB",
        "people, person_key UUID",
        seconds,
        f"same answer: {'yes' if found == expected else 'NO'}",
    )
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")
    try:
        for name in ("people", "percentiles"):
            seconds, _ = timed(lambda s=parts[name]: pg.rows(s, params), runs)
            line("PostgreSQL", f"{name}, work_mem 64MB", seconds)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")


def explain(pg, duck, filters) -> None:
    """EXPLAIN ANALYZE of the two window queries on both engines, to files."""
    from django.db import connection

    from coresponder.analytics.engines import PARAMETER

    params = filters.params()
    out = Path(os.environ["BENCH_ANALYTICS_DIR"])
    for name in ("people", "percentiles"):
        sql = figure_parts(filters)[name]
        ordered: list = []

        def positional(match, ordered=ordered):
            ordered.append(params[match.group(1)])
            return "%s"

        text = PARAMETER.sub(positional, sql).format(facts="analytics_call_fact")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text, ordered)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        (out / f"explain-pg-{name}.txt").write_text(plan)
        used = set(PARAMETER.findall(sql))
        duck_text = PARAMETER.sub(lambda m: "$" + m.group(1), sql).format(facts="call_fact")
        found = duck.connection.execute(
            "EXPLAIN ANALYZE " + duck_text, {k: params[k] for k in used}
        ).fetchall()
        (out / f"explain-duckdb-{name}.txt").write_text("\n".join(str(r[-1]) for r in found))
    progress(f"  EXPLAIN ANALYZE plans written to {out}/explain-*.txt")


def incremental(duck_gen, store, rows: int) -> tuple[int, int, int, float, float, float]:
    """Write a day of new calls and updates to recent facts into PostgreSQL."""
    from django.db import connection, transaction

    from coresponder.analytics.kpis import day_number
    from coresponder.analytics.store import COLUMNS

    new = max(1, rows // DAYS)
    updated = max(1, rows // 100)
    now = datetime.now(UTC).isoformat()
    last = day_number(LAST_DAY)
    duck_gen.execute("SELECT setseed(0.7)").fetchall()
    sql = facts_sql(new, last + 1, 1, rows, now)
    with transaction.atomic():
        copy_into_postgres(duck_gen, f"SELECT {', '.join(COLUMNS)} FROM ({sql})", label="new calls")
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.3)")
            cursor.execute(
                "UPDATE analytics_call_fact SET refreshed_at = now(),"
                " referrals_attended = referrals_accepted,"
                " complete = has_encounter,"
                " disposition = CASE WHEN has_encounter = 1 AND disposition = ''"
                "   THEN 'resolved_on_scene' ELSE disposition END"
                " WHERE call_id IN (SELECT call_id FROM analytics_call_fact"
                "   WHERE program_id = %s AND day > %s AND day <= %s ORDER BY random() LIMIT %s)",
                [PROGRAM, last - 90, last, updated],
            )
            changed = cursor.rowcount
    # Where a refresh's time goes: reading the rows through Django, making Arrow of them.
    from coresponder.analytics.store import arrow_table, changed_facts

    started = time.perf_counter()
    read = list(changed_facts(store.up_to()))
    reading = time.perf_counter() - started
    started = time.perf_counter()
    arrow_table(read)
    arrowing = time.perf_counter() - started
    del read
    progress(f"  of which reading through Django {reading:.2f} s, Arrow {arrowing:.2f} s")
    started = time.perf_counter()
    done = store.refresh(progress=lambda n: print(f"\r  refresh: {n:,}", end="", file=sys.stderr))
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    assert done.rows == new + changed, (done.rows, new, changed)
    return done.rows, new, changed, seconds, reading, arrowing


def extract_rate(folder: Path, filters) -> str:
    """The de-identified extract of the year (Parquet and CSV), in rows per second."""
    try:
        from coresponder.analytics import deidentified
    except ImportError:
        return "missing: coresponder/analytics/deidentified.py does not exist"
    from coresponder.accounts.models import Program

    target = folder / "extract"
    shutil.rmtree(target, ignore_errors=True)
    program = Program(pk=PROGRAM, name="Bench program")  # the facts name only its id
    last = date.fromordinal(filters.end.toordinal() - 1)
    started = time.perf_counter()
    made = deidentified.write_extract(
        target,
        program=program,
        start=filters.start,
        end=last,
        bring_up_to_date=False,
        progress=lambda n: print(f"\r  extract: {n:,}", end="", file=sys.stderr, flush=True),
    )
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    return (
        f"{made.rows:,} rows ({made.people:,} people) in {seconds:.1f} s,"
        f" {made.rows / seconds:,.0f} rows/s (Parquet + CSV)"
    )


def spark_figures(parquet: Path, filters, expected, floor: float, repeats: int) -> None:
    from coresponder.analytics import kpis
    from coresponder.analytics.engines import SparkEngine

    started = time.perf_counter()
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("coresponder-bench-analytics")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    start_seconds = time.perf_counter() - started
    session.read.parquet(str(parquet)).createOrReplaceTempView("call_fact")
    engine = SparkEngine(session)
    seconds, found = timed(lambda: kpis.figures(engine, filters), repeats, budget=120)
    same = figures_key(found) == expected
    print(f"\nSpark local[2]: session start {start_seconds:.1f} s (not counted)")
    print(
        f"Spark figures, a year: {seconds * 1000:,.0f} ms, {seconds / floor:.1f}x floor;"
        f" identical to DuckDB: {'yes' if same else 'NO'}"
    )
    session.stop()
    assert same, "Spark's figures differ from DuckDB's"


def main() -> None:  # noqa: PLR0915 - one step after another
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=90.0, help="seconds per measure")
    parser.add_argument("--folder", default=str(Path(tempfile.gettempdir()) / "bench-analytics"))
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the bench's own.")
    os.environ["BENCH_ANALYTICS_DIR"] = args.folder
    BUDGET[0] = args.budget
    set_up_django()
    from coresponder.analytics import kpis
    from coresponder.analytics.engines import OperationalEngine
    from coresponder.analytics.store import connect

    total = time.perf_counter()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / f"facts-{args.rows}.parquet"
    store_folder = folder / f"store-{args.rows}"
    duck_gen = connect()
    shutil.rmtree(store_folder, ignore_errors=True)
    parquet.unlink(missing_ok=True)
    progress(f"Generating {args.rows:,} call facts in DuckDB → {parquet}")
    started = time.perf_counter()
    generate(duck_gen, args.rows, parquet)
    generated = time.perf_counter() - started
    progress(f"  {generated:.1f} s; loading PostgreSQL")
    pg_load = load_postgres(duck_gen, parquet)
    progress(f"  {pg_load:.1f} s; loading the DuckDB store")
    store, store_load = load_store(store_folder, parquet, args.rows)
    print(f"Analytics at {args.rows:,} call facts, three years, one program")
    print(
        f"generate + Parquet: {generated:.1f} s; PostgreSQL COPY + indexes + ANALYZE:"
        f" {pg_load:.1f} s ({args.rows / pg_load:,.0f} rows/s); DuckDB store:"
        f" {store_load:.1f} s"
    )
    pg, duck = OperationalEngine(), store.engine()
    end = date.fromordinal(LAST_DAY.toordinal() + 1)
    filters = kpis.Filters(PROGRAM, date(end.year - 1, end.month, end.day), end)
    filtered = kpis.Filters(PROGRAM, filters.start, end, source="988", age_band="25-34")
    (year_rows,) = duck.rows(
        "SELECT COUNT(*) FROM {facts} WHERE " + filters.where(), filters.params()
    )[0]
    print(f"a year: {filters.start} to {end} (exclusive), {year_rows:,} calls\n")
    result = measure_engines(pg, duck, filters, filtered, args.rows, args.repeats)
    measure_parts(pg, duck, filters, args.repeats, result["floor"])
    explain(pg, duck, filters)
    progress("Incremental refresh")
    taken, new, changed, seconds, reading, arrowing = incremental(duck_gen, store, args.rows)
    print(
        f"\nincremental refresh: {taken:,} rows ({new:,} new, {changed:,} updated) in"
        f" {seconds:.2f} s, {taken / seconds:,.0f} rows/s; target < 5 s:"
        f" {'yes' if seconds < 5 else 'NO'}"
    )
    print(
        f"  the same rows read through Django (changed_facts): {reading:.2f} s;"
        f" made into Arrow (arrow_table): {arrowing:.2f} s"
    )
    after = kpis.Filters(PROGRAM, filters.start, date.fromordinal(end.toordinal() + 1))
    assert figures_key(kpis.figures(pg, after)) == figures_key(kpis.figures(duck, after))
    (count,) = duck.rows("SELECT COUNT(*) FROM {facts}", {})[0]
    assert count == args.rows + new, (count, args.rows + new)
    print("after the refresh, PostgreSQL and the store agree: yes")
    progress("De-identified extract")
    print(f"de-identified extract, a year: {extract_rate(folder, filters)}")
    store.close()
    if not args.no_spark:  # last: it reads the Parquet as loaded, before the refresh
        progress("Spark")
        spark_figures(parquet, filters, result["figures"], result["floor"], args.repeats)
    print(f"total run time: {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()
