"""One definition, every engine: the operational database, DuckDB over Parquet and Spark
(local mode) give the same figures for the same facts."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict

import pyarrow.parquet as pq
import pytest
from django.db import connection

from coresponder.analytics import kpis
from coresponder.analytics.engines import DuckDBEngine, OperationalEngine, SparkEngine
from coresponder.analytics.models import CallFact
from coresponder.analytics.store import TABLE, arrow_table, connect

from . import dataset

FILTERS = [
    kpis.Filters(dataset.PROGRAM, *dataset.JANUARY),
    kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, source="988"),
    kpis.Filters(dataset.PROGRAM, *dataset.JANUARY).previous(),
]


def everything(engine, filters_list=FILTERS) -> list:
    answers = []
    for filters in filters_list:
        figures = kpis.figures(engine, filters)
        answers.append(
            {
                "values": {
                    key: (value.numerator, value.denominator, value.value)
                    for key, value in figures.values.items()
                },
                "counts": asdict(figures.counts),
                "trend": kpis.trend(engine, filters, by="week"),
                "mix": kpis.disposition_mix(engine, filters),
                "hours": kpis.hour_of_week(engine, filters),
                "times": kpis.time_distribution(engine, filters),
                "monthly": kpis.monthly(engine, filters),
            }
        )
    return answers


@pytest.fixture
def parquet(tmp_path):
    path = tmp_path / "facts.parquet"
    pq.write_table(arrow_table(dataset.as_rows(dataset.facts())), path)
    return path


@pytest.fixture
def operational(db):
    CallFact.objects.bulk_create(CallFact(**row) for row in dataset.facts())
    return OperationalEngine()


def duckdb_over(parquet) -> DuckDBEngine:
    store = connect()
    store.execute(f"INSERT INTO {TABLE} SELECT * FROM read_parquet('{parquet}')")
    return DuckDBEngine(store)


def test_duckdb_over_parquet_matches_the_operational_database(operational, parquet):
    assert everything(duckdb_over(parquet)) == everything(operational)


def _java() -> str | None:
    return shutil.which("java")


@pytest.mark.skipif(_java() is None, reason="Spark needs Java 17; no `java` on PATH")
def test_spark_matches_the_operational_database(operational, parquet):
    if connection.vendor != "sqlite" and not os.environ.get("COR_SPARK_EVERY_DATABASE"):
        pytest.skip(
            "Spark starts a JVM (about 15 s): it is compared on the SQLite run, and this run "
            "compares PostgreSQL with DuckDB against the same hand-worked answers"
        )
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("coresponder-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    try:
        session.read.parquet(str(parquet)).createOrReplaceTempView("call_fact")
        # Spark takes about a second a query: one period in full, and one filter's KPIs.
        spark, ours = SparkEngine(session), operational
        assert everything(spark, FILTERS[:1]) == everything(ours, FILTERS[:1])
        assert kpis.figures(spark, FILTERS[1]) == kpis.figures(ours, FILTERS[1])
    finally:
        session.stop()
