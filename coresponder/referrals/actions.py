"""Writes to the resource directory: importing and exporting HSDS 3 packages.

An import is all or nothing. `hsds.read_package` checks every file and row first; if any
file cannot be read or any row breaks a rule, the import is refused with every problem
(file, line, reason) and nothing is written. A directory is a web of ids: importing the
rows that passed without the ones that failed would leave services without their
organisation or hours, so the package is fixed and imported again instead. Warnings (an
optional link to a row that is not there, a latitude out of range) are reported and do not
stop the import.

A record's identity is its HSDS id within the program: importing the same package again
updates each row in place, never duplicates it. Rows the package does not name are kept.
"""

from __future__ import annotations

import csv
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coresponder.core.exceptions import DomainError
from coresponder.privacy.audit import Actor

from . import events, hsds
from .models import MODELS

Progress = Callable[[int, int], None]
BATCH = 500


class PackageRefused(DomainError):
    """The package cannot be imported as it is; nothing was written."""

    code = "hsds_package_refused"
    status = 422

    def __init__(self, message: str, *, problems: list[hsds.Problem]) -> None:
        super().__init__(message)
        self.problems = problems

    @property
    def errors(self) -> list[hsds.Problem]:
        return [problem for problem in self.problems if problem.severity == hsds.ERROR]


class ExportRefused(DomainError):
    code = "hsds_export_refused"
    status = 422


@dataclass
class ImportReport:
    source: Path
    form: str
    created: Counter = field(default_factory=Counter)  # table: rows
    updated: Counter = field(default_factory=Counter)
    warnings: list[hsds.Problem] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


@dataclass
class ExportReport:
    target: Path
    rows: Counter = field(default_factory=Counter)  # table: rows
    files: list[str] = field(default_factory=list)


def _actor(acting_user, name: str) -> Actor:
    if acting_user is not None:
        return Actor.of_user(acting_user)
    return Actor.system(name)


def known_ids(program) -> dict[str, set[str]]:
    """The HSDS ids the program's directory holds, by table."""
    return {
        table.name: set(
            MODELS[table.name].objects.filter(program=program).values_list("hsds_id", flat=True)
        )
        for table in hsds.TABLES
    }


def import_hsds_package(
    source: Path,
    *,
    program,
    acting_user=None,
    reading: Progress | None = None,
    writing: Progress | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Imports an HSDS 3 package (tabular or JSON) into the program's directory.

    With `dry_run`, checks the package and counts what it would create and update, and
    writes nothing.
    """
    started = time.perf_counter()
    known = known_ids(program)
    package = hsds.read_package(Path(source), known=known, progress=reading)
    if package.errors:
        count = len(package.errors)
        raise PackageRefused(
            f"The package was refused with {count} problem{'s' if count != 1 else ''}. "
            "Nothing was imported.",
            problems=package.problems,
        )
    report = ImportReport(
        Path(source),
        package.form,
        warnings=package.warnings,
        skipped_files=package.skipped_files,
        dry_run=dry_run,
    )
    if dry_run:
        for table, rows in package.rows.items():
            report.updated[table] = sum(1 for row in rows if row.id in known[table])
            report.created[table] = len(rows) - report.updated[table]
        report.seconds = time.perf_counter() - started
        return report
    total, done = package.row_count, 0
    with transaction.atomic():
        pk_of = {
            table.name: dict(
                MODELS[table.name].objects.filter(program=program).values_list("hsds_id", "pk")
            )
            for table in hsds.TABLES
        }
        for table in hsds.TABLES:
            rows = package.rows.get(table.name, [])
            if not rows:
                continue
            _write_table(table, rows, program=program, pk_of=pk_of, report=report)
            done += len(rows)
            if writing:
                writing(done, total)
        events.directory_imported(
            program=program,
            actor=_actor(acting_user, "import"),
            detail={
                "source": report.source.name,
                "form": report.form,
                "created": sum(report.created.values()),
                "updated": sum(report.updated.values()),
                "warnings": len(report.warnings),
            },
        )
    report.seconds = time.perf_counter() - started
    return report


def _write_table(table: hsds.Table, rows, *, program, pk_of, report: ImportReport) -> None:
    """Inserts the table's new rows and updates the known ones, by (program, HSDS id).

    One upsert per batch (INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL): a row
    already in the directory keeps its key and creation time, and takes every other value.
    """
    model = MODELS[table.name]
    meta = model._meta
    known = pk_of[table.name]
    columns = [column for column in table.columns if column.name != "id"]
    own = [column for column in columns if column.ref == table.name]
    records = []
    for row in rows:
        record = model(program=program, hsds_id=row.id)
        for column in columns:
            value = row.values[column.name]
            if column.ref:
                if column.ref != table.name:
                    setattr(record, f"{column.field}_id", pk_of[column.ref].get(value))
                continue
            if value is None and not meta.get_field(column.field).null:
                value = meta.get_field(column.field).get_default()
            setattr(record, column.field, value)
        records.append(record)
    new = [record for record in records if record.hsds_id not in known]
    fields = [column.field for column in columns if column.ref != table.name]
    _upsert(model, records, [*fields, "updated_at"])
    known.update({record.hsds_id: record.pk for record in new})
    if own:  # links within the table (a parent organisation), once every row has its key
        by_id = {row.id: row for row in rows}
        for record in records:
            record.pk = uuid.uuid4()  # a key no row has: the upsert updates by HSDS id
            for column in own:
                setattr(
                    record,
                    f"{column.field}_id",
                    known.get(by_id[record.hsds_id].values[column.name]),
                )
        _upsert(model, records, [column.field for column in own])
    report.created[table.name] += len(new)
    report.updated[table.name] += len(records) - len(new)


def _upsert(model, records, fields: list[str]) -> None:
    model.objects.bulk_create(
        records,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["program", "hsds_id"],
        update_fields=fields,
    )


def export_hsds_package(target: Path, *, program, acting_user=None) -> ExportReport:
    """Writes the program's directory as an HSDS 3 tabular package: datapackage.json + CSVs."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportRefused(
            f"{target} exists and is not an empty folder; give a new or empty folder."
        )
    target.mkdir(parents=True, exist_ok=True)
    report = ExportReport(target)
    resources = []
    for table in hsds.TABLES:
        headers = hsds.column_headers(table)
        rows = table_rows(table, program=program)
        with (target / table.file).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([hsds.format_value(row[name]) for name in headers])
        report.rows[table.name] = len(rows)
        report.files.append(table.file)
        resources.append(
            {
                "name": table.name,
                "path": table.file,
                "profile": "tabular-data-resource",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": column.name, "type": FRICTIONLESS_TYPES.get(column.type, "string")}
                        for column in table.columns
                    ],
                    "primaryKey": "id",
                },
            }
        )
    descriptor = {
        "name": "coresponder-directory",
        "title": f"{program.name}: resource directory (HSDS 3)",
        "profile": "tabular-data-package",
        "created": timezone.now().isoformat().replace("+00:00", "Z"),
        "resources": resources,
    }
    (target / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report.files.append("datapackage.json")
    with transaction.atomic():
        events.directory_exported(
            program=program,
            actor=_actor(acting_user, "export"),
            detail={"target": target.name, "rows": sum(report.rows.values())},
        )
    return report


FRICTIONLESS_TYPES = {
    "number": "number",
    "latitude": "number",
    "longitude": "number",
    "integer": "integer",
    "year": "year",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
}


def table_rows(table: hsds.Table, *, program) -> list[dict[str, object]]:
    """The program's rows of one HSDS table, by column name, references as HSDS ids."""
    model = MODELS[table.name]
    plain = {
        column.name: column.field
        for column in table.columns
        if column.name != "id" and not column.ref
    }
    linked = {
        f"ref_{column.name}": F(f"{column.field}__hsds_id")
        for column in table.columns
        if column.ref
    }
    rows = []
    for values in (
        model.objects.filter(program=program)
        .order_by("hsds_id")
        .values("hsds_id", *plain.values(), **linked)
    ):
        row: dict[str, object] = {"id": values["hsds_id"]}
        for column in table.columns[1:]:
            key = f"ref_{column.name}" if column.ref else plain[column.name]
            row[column.name] = values[key]
        rows.append(row)
    return rows
