"""The state's monthly report (Colorado): one CSV a month of the measures the state's
co-responder reporting collects, from the KPI library's monthly counts.

Only counts leave: no row is about one call or one person. Each figure is defined once,
in `kpis.MONTHLY_SQL`; this module only names the state's columns and lays them out.
`docs/state-export.md` maps each column to its definition. The column names follow the
measures the program was asked for and should be checked against the state's current
template before a first submission.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from coresponder.accounts.models import Program
from coresponder.core.spreadsheet import safe_csv_writer

from . import facts
from .deidentified import check_period, check_target, sha256_of, write_atomically
from .engines import Engine, OperationalEngine
from .kpis import Filters, monthly

PREFIX = "colorado"


@dataclass(frozen=True)
class StateColumn:
    name: str
    meaning: str
    source: str  # the monthly count (kpis.MONTHLY_SQL) it comes from


COLUMNS: list[StateColumn] = [
    StateColumn("reporting_month", "The month reported, YYYY-MM.", "month"),
    StateColumn(
        "period_start", "First day of the month covered (later when the export began later).", ""
    ),
    StateColumn(
        "period_end", "Last day of the month covered (earlier when the export ended earlier).", ""
    ),
    StateColumn("program", "The program's name.", ""),
    StateColumn("contacts", "Calls received (every call, with or without an encounter).", "calls"),
    StateColumn("encounters", "Complete encounters (a disposition recorded).", "encounters"),
    StateColumn("arrests", "Complete encounters ending in a custodial arrest.", "arrests"),
    StateColumn(
        "no_arrest", "Complete encounters not ending in an arrest.", "encounters − arrests"
    ),
    StateColumn(
        "services_provided",
        "Complete encounters where an intervention, an assessment or a referral was given.",
        "services",
    ),
    StateColumn(
        "emergency_holds",
        "Complete encounters ending in an involuntary (emergency mental-health) hold.",
        "holds",
    ),
    StateColumn(
        "ed_diversions",
        "Complete encounters ending neither in an involuntary hold nor in an EMS transport "
        "to hospital.",
        "ed_diverted",
    ),
    StateColumn(
        "new_enrollments",
        "Calls whose encounter led to a referral the partner accepted (or that went further "
        "in the loop): people newly enrolled in services.",
        "enrolled",
    ),
    StateColumn(
        "officer_hours",
        "Officer hours on the calls: dispatch to officer cleared, summed, in hours to one decimal.",
        "officer_seconds / 3600",
    ),
]
HEADER = [column.name for column in COLUMNS]


class StateExportRefused(ValueError):
    """A state export that cannot be made as asked."""


@dataclass
class Exported:
    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # name → sha256
    months: list[dict] = field(default_factory=list)


def months_between(start: date, end: date) -> list[tuple[date, date]]:
    """Each calendar month touched by start … end, as its first and last day in the period."""
    found, first = [], start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return found


def rows(
    program: Program, start: date, end: date, engine: Engine | None = None
) -> list[list[object]]:
    """The state's rows of start … end (both included): one a month, zeros where no call."""
    engine = engine or OperationalEngine()
    counts = {
        row["month"]: row
        for row in monthly(engine, Filters(program.pk, start, end + timedelta(days=1)))
    }
    found = []
    for first, last in months_between(start, end):
        month = counts.get(first.year * 100 + first.month, {})
        encounters, arrests = month.get("encounters", 0), month.get("arrests", 0)
        found.append(
            [
                f"{first.year:04d}-{first.month:02d}",
                first.isoformat(),
                last.isoformat(),
                program.name,
                month.get("calls", 0),
                encounters,
                arrests,
                encounters - arrests,
                month.get("services", 0),
                month.get("holds", 0),
                month.get("ed_diverted", 0),
                month.get("enrolled", 0),
                f"{month.get('officer_seconds', 0) / 3600:.1f}",
            ]
        )
    return found


def file_name(reporting_month: str) -> str:
    return f"{PREFIX}-{reporting_month}.csv"


def write_state_export(
    target: Path | str,
    *,
    program: Program,
    start: date,
    end: date,
    engine: Engine | None = None,
    bring_up_to_date: bool = True,
) -> Exported:
    """Write `colorado-YYYY-MM.csv` for each month of start … end, and a manifest, to the
    new or empty folder `target`, whole or not at all."""
    try:
        check_period(start, end)
        check_target(Path(target))
    except ValueError as error:
        raise StateExportRefused(str(error)) from None
    if bring_up_to_date and engine is None:
        facts.bring_up_to_date(program)
    found = rows(program, start, end, engine)

    def fill(folder: Path) -> Exported:
        exported = Exported(folder)
        for row in found:
            name = file_name(str(row[0]))
            with (folder / name).open("w", newline="", encoding="utf-8") as handle:
                writer = safe_csv_writer(handle)
                writer.writerow(HEADER)
                writer.writerow(row)
            exported.files[name] = sha256_of(folder / name)
            exported.months.append(dict(zip(HEADER, row, strict=True)))
        manifest = {
            "kind": "coresponder.state_export",
            "state": "Colorado",
            "program": {"id": program.pk, "name": program.name},
            "period": {"from": start.isoformat(), "to": end.isoformat(), "to_included": True},
            "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "columns": {column.name: column.meaning for column in COLUMNS},
            "sha256": exported.files,
        }
        (folder / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return exported

    exported = write_atomically(Path(target), fill)
    exported.folder = Path(target)
    return exported
