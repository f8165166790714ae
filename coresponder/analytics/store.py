"""The DuckDB analytics store: the call facts copied out of the operational database.

A large program's dashboard reads here, not the operational tables. Each refresh takes
the facts rebuilt since the last one, writes them as a Parquet snapshot (kept, so the
store can be rebuilt from its snapshots alone), and swaps them in: rows of the same call
are deleted and the snapshot's rows inserted, in one DuckDB transaction. DuckDB reads
Parquet with what is built into it; no extension is ever downloaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import models

from .engines import DuckDBEngine
from .models import CallFact

TABLE = "call_fact"
CHUNK = 50_000
LOCK_WAIT_SECONDS = 15


def _arrow_type(field: models.Field) -> pa.DataType:
    if isinstance(field, models.UUIDField | models.CharField):
        return pa.string()
    if isinstance(field, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(field, models.BigIntegerField):
        return pa.int64()
    return pa.int32()


FIELDS = list(CallFact._meta.concrete_fields)
COLUMNS = [field.column for field in FIELDS]
SCHEMA = pa.schema(
    [pa.field(field.column, _arrow_type(field), nullable=field.null) for field in FIELDS]
)
_DUCK = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


# Columns whose values arrive as uuid.UUID and are kept as text.
UUID_COLUMNS = frozenset(field.column for field in FIELDS if isinstance(field, models.UUIDField))


def arrow_table(rows: Sequence[Sequence], schema: pa.Schema = SCHEMA) -> pa.Table:
    """Rows in the facts' column order as an Arrow table (UUIDs become text)."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    arrays = []
    for values, column in zip(columns, schema, strict=True):
        if column.name in UUID_COLUMNS:
            # Only these need a Python pass; every other column goes to Arrow as it is.
            values = [None if value is None else str(value) for value in values]  # noqa: PLW2901
        arrays.append(pa.array(values, type=column.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def connect(path: str | Path | None = None, *, read_only: bool = False):
    """A DuckDB connection that never reaches for the internet, with the facts table.

    One process may write a DuckDB file, or several may read it, not both at once: the
    web pages open it read-only for a request and the refresh opens it for writing for a
    few seconds, so each waits briefly for the other rather than failing."""
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            connection = duckdb.connect(
                str(path) if path else ":memory:", read_only=read_only, config=config
            )
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    if read_only:
        return connection
    columns = ", ".join(
        f"{field.name} {_DUCK[field.type]}{'' if field.nullable else ' NOT NULL'}"
        for field in SCHEMA
    )
    connection.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns})")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS store_refresh ("
        " snapshot VARCHAR, rows BIGINT, up_to TIMESTAMPTZ, finished_at TIMESTAMPTZ)"
    )
    return connection


def insert(connection: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Append an Arrow table of facts to the store's table."""
    connection.register("incoming_facts", table)
    try:
        connection.execute(f"INSERT INTO {TABLE} SELECT * FROM incoming_facts")
    finally:
        connection.unregister("incoming_facts")


@dataclass(frozen=True)
class Refreshed:
    rows: int
    snapshot: Path | None
    up_to: datetime | None
    seconds: float


class Store:
    """The store's folder: `facts.duckdb` and `snapshots/NNNNNN.parquet`."""

    def __init__(self, folder: str | Path, *, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.snapshots = self.folder / "snapshots"
        if read_only:
            if not (self.folder / "facts.duckdb").exists():
                raise FileNotFoundError(
                    f"No analytics store at {self.folder}: run `coresponder analytics refresh`."
                )
        else:
            self.snapshots.mkdir(parents=True, exist_ok=True)
        self.connection = connect(self.folder / "facts.duckdb", read_only=read_only)
        if not read_only and self._made_by_an_older_version():
            self._start_again()

    def _made_by_an_older_version(self) -> bool:
        found = self.connection.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns"
            " WHERE table_name = ? ORDER BY ordinal_position",
            [TABLE],
        ).fetchall()
        wanted = [(field.name, "YES" if field.nullable else "NO") for field in SCHEMA]
        return found != wanted

    def _start_again(self) -> None:
        """The facts' columns changed since the store was made (an upgrade): the table is
        made anew and the next refresh takes every fact; the old snapshots, of the old
        shape, are moved aside to `snapshots/superseded/`."""
        connection = self.connection
        connection.execute(f"DROP TABLE {TABLE}")
        connection.execute("DELETE FROM store_refresh")
        connection.close()
        aside = self.snapshots / "superseded"
        aside.mkdir(exist_ok=True)
        for old in self.snapshots.glob("*.parquet"):
            old.rename(aside / old.name)
        self.connection = connect(self.folder / "facts.duckdb")

    def engine(self) -> DuckDBEngine:
        return DuckDBEngine(self.connection, TABLE)

    def close(self) -> None:
        self.connection.close()

    def up_to(self) -> datetime | None:
        (value,) = self.connection.execute("SELECT MAX(up_to) FROM store_refresh").fetchone()
        return value

    def refresh(
        self,
        rows: Iterable[Sequence] | None = None,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Refreshed:
        """Take the facts rebuilt since the last refresh (or the given rows) into the store."""
        started = time.perf_counter()
        if rows is None:
            rows = changed_facts(self.up_to())
        number = len(list(self.snapshots.glob("*.parquet"))) + 1
        snapshot = self.snapshots / f"{number:06d}.parquet"
        taken, up_to = 0, None
        writer = None
        try:
            for chunk in _chunked(rows, CHUNK):
                table = arrow_table(chunk)
                if writer is None:
                    writer = pq.ParquetWriter(snapshot, SCHEMA)
                writer.write_table(table)
                taken += len(chunk)
                latest = pc.max(table.column("refreshed_at")).as_py()
                up_to = latest if up_to is None or (latest and latest > up_to) else up_to
                if progress:
                    progress(taken)
        finally:
            if writer is not None:
                writer.close()
        if not taken:
            return Refreshed(0, None, None, time.perf_counter() - started)
        self._swap_in(snapshot, taken, up_to)
        return Refreshed(taken, snapshot, up_to, time.perf_counter() - started)

    def _swap_in(self, snapshot: Path, taken: int, up_to: datetime | None) -> None:
        source = f"read_parquet('{snapshot.as_posix()}')"
        connection = self.connection
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute(
                f"DELETE FROM {TABLE} WHERE call_id IN (SELECT call_id FROM {source})"
            )
            connection.execute(f"INSERT INTO {TABLE} SELECT * FROM {source}")
            connection.execute(
                "INSERT INTO store_refresh VALUES (?, ?, ?, ?)",
                [snapshot.name, taken, up_to, datetime.now(UTC)],
            )
            connection.execute("COMMIT")
        except Exception:
            connection.execute("ROLLBACK")
            snapshot.unlink(missing_ok=True)
            raise


def changed_facts(since: datetime | None) -> Iterable[tuple]:
    facts = CallFact.objects.order_by()
    if since is not None:
        facts = facts.filter(refreshed_at__gt=since)
    return facts.values_list(*[field.attname for field in FIELDS]).iterator(chunk_size=CHUNK)


def _chunked(rows: Iterable[Sequence], size: int) -> Iterable[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
