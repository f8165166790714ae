"""One Spark session (a JVM, about 15 s to start) for every Spark test of a run."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17; no `java` on PATH")
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
    yield session
    session.stop()
