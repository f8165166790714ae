"""Where the KPI queries run: the operational database, the DuckDB analytics store, Spark.

Every query is written once, in SQL kept to what SQLite, PostgreSQL, DuckDB and Spark SQL
all read the same way, against a table called `{facts}` with named parameters
`:name`. An engine only says what the facts table is called there and how it passes
parameters; the arithmetic stays inside the engine, never in Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

PARAMETER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Engine(Protocol):
    name: str

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple]: ...


def _plain(value):
    # PostgreSQL sums big integers into numeric; DuckDB's sums are Python ints already.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _plain_rows(rows: Sequence[Sequence]) -> list[tuple]:
    return [tuple(_plain(value) for value in row) for row in rows]


class OperationalEngine:
    """The program's own database, through Django's connection (SQLite or PostgreSQL)."""

    def __init__(self, using: str = "default") -> None:
        from django.db import connections

        self.connection = connections[using]
        self.name = self.connection.vendor  # "sqlite" or "postgresql"

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple]:
        ordered: list[Any] = []

        def positional(match: re.Match) -> str:
            ordered.append(params[match.group(1)])
            return "%s"

        text = PARAMETER.sub(positional, sql.replace("%", "%%")).format(facts="analytics_call_fact")
        with self.connection.cursor() as cursor:
            cursor.execute(text, ordered)
            return _plain_rows(cursor.fetchall())


class DuckDBEngine:
    """An embedded DuckDB database holding the facts as the table `call_fact`."""

    name = "duckdb"

    def __init__(self, connection, table: str = "call_fact") -> None:
        self.connection = connection
        self.table = table

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple]:
        used = set(PARAMETER.findall(sql))
        text = PARAMETER.sub(lambda match: "$" + match.group(1), sql).format(facts=self.table)
        return _plain_rows(
            self.connection.execute(text, {key: params[key] for key in used}).fetchall()
        )


class SparkEngine:
    """Spark SQL over a view of the facts (a state hub reads de-identified Parquet)."""

    name = "spark"

    def __init__(self, session, view: str = "call_fact") -> None:
        self.session = session
        self.view = view

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple]:
        used = set(PARAMETER.findall(sql))
        text = sql.format(facts=self.view)
        result = self.session.sql(text, args={key: params[key] for key in used}).collect()
        return _plain_rows([tuple(row) for row in result])
