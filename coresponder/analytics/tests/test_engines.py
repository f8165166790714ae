"""One definition, every engine: the operational database, DuckDB over Parquet and Spark
(local mode) give the same figures for the same facts."""

from __future__ import annotations

from dataclasses import asdict

import pyarrow.parquet as pq
import pytest

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


@pytest.mark.slow
def test_spark_matches_the_operational_database(operational, parquet, spark):
    spark.read.parquet(str(parquet)).createOrReplaceTempView("call_fact")
    # Spark takes about a second a query: one period in full, and one filter's KPIs.
    engine = SparkEngine(spark)
    assert everything(engine, FILTERS[:1]) == everything(operational, FILTERS[:1])
    assert kpis.figures(engine, FILTERS[1]) == kpis.figures(operational, FILTERS[1])
