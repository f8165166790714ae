"""`coresponder export …`: data for other systems.

- `export hsds PATH`: the resource directory as an Open Referral HSDS 3 package;
- `export deidentified PATH --from --to`: the de-identified extract (HIPAA Safe Harbor);
- `export state PATH --from --to`: the state's monthly report (Colorado), one CSV a month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.accounts.management.programs import program_named
from coresponder.analytics.actions import take_extract, take_state_export
from coresponder.analytics.deidentified import DATE_GRAINS, WEEK, ExtractRefused
from coresponder.analytics.state_export import StateExportRefused
from coresponder.core.audit import Actor
from coresponder.referrals.actions import ExportRefused, export_hsds_package

PROGRAM_HELP = "The program: id, short name or name (optional when there is one program)."


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


def _period(options) -> tuple[date, date]:
    start, end = _day(options["start"], "--from"), _day(options["end"], "--to")
    if end < start:
        raise CommandError(
            f"--to ({end.isoformat()}) is before --from ({start.isoformat()}): the period "
            "must end on or after the day it starts."
        )
    return start, end


def _formats(value: str) -> list[str]:
    formats = [part.strip().lower() for part in (value or "").split(",") if part.strip()]
    if not formats or set(formats) - {"parquet", "csv"}:
        raise CommandError(f"--format: {value!r}; give parquet, csv or parquet,csv.")
    return formats


def _period_arguments(parser) -> None:
    parser.add_argument("path", help="The folder to write (new or empty).")
    parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
    parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD (included).")
    parser.add_argument("--program", help=PROGRAM_HELP)


class Command(BaseCommand):
    help = (
        "Export data for other systems. `export hsds`: the resource directory as HSDS 3. "
        "`export deidentified`: the de-identified extract of a period. `export state`: the "
        "state's monthly report."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        hsds = sub.add_parser(
            "hsds",
            help="Write the resource directory as an Open Referral HSDS 3 tabular package.",
            description="Write the program's resource directory as an Open Referral HSDS 3 "
            "tabular package: datapackage.json and one CSV file per table, in the spec's "
            "column names. PATH must be a new or empty folder.",
        )
        hsds.add_argument("path", help="The folder to write (new or empty).")
        hsds.add_argument(
            "--program",
            help="The program whose directory to write: id, short name or name (optional "
            "when there is one program).",
        )
        deidentified = sub.add_parser(
            "deidentified",
            help="Write the de-identified extract (HIPAA Safe Harbor) of a period.",
            description="Write the calls received in the period, one row each, with HIPAA "
            "Safe Harbor applied: calls.parquet, calls.csv, data_dictionary.csv, README.txt "
            "and manifest.json. PATH must be a new or empty folder; it is written whole or "
            "not at all. See docs/deidentified-extract.md.",
        )
        _period_arguments(deidentified)
        deidentified.add_argument(
            "--format",
            default="parquet,csv",
            help="parquet, csv or parquet,csv (the default).",
        )
        deidentified.add_argument(
            "--dates",
            choices=DATE_GRAINS,
            default=WEEK,
            help="Keep call dates to the ISO week of the year (the default, as the "
            "evaluation asks) or to the year alone (Safe Harbor to the letter).",
        )
        state = sub.add_parser(
            "state",
            help="Write the state's monthly report (Colorado): one CSV per month.",
            description="Write colorado-YYYY-MM.csv for each month of the period, with the "
            "measures the state's co-responder reporting collects, and manifest.json. See "
            "docs/state-export.md.",
        )
        _period_arguments(state)

    def handle(self, *args, what, **options):
        if what == "deidentified":
            return self.deidentified(options)
        if what == "state":
            return self.state(options)
        return self.hsds(options)

    def hsds(self, options):
        path, program = options["path"], options["program"]
        found = program_named(program)
        try:
            report = export_hsds_package(Path(path), program=found)
        except ExportRefused as error:
            raise CommandError(error.message) from None
        out = self.stdout
        out.write(f"Exported: the directory of {found} to {report.target} (HSDS 3, tabular)")
        for table, rows in report.rows.items():
            out.write(f"  {table:<22}{rows:>9,}")
        out.write(f"  files: {len(report.files)}")

    def deidentified(self, options):
        start, end = _period(options)
        formats = _formats(options["format"])
        program = program_named(options["program"])
        target = Path(options["path"])
        err = self.stderr

        def progress(rows: int) -> None:
            err.write(f"extract: {rows:,} rows written")
            err.flush()

        try:
            made = take_extract(
                target,
                program=program,
                start=start,
                end=end,
                dates=options["dates"],
                formats=formats,
                progress=progress,
                actor=Actor.system("export command"),
                via="command",
            )
        except ExtractRefused as error:
            raise CommandError(str(error)) from None
        rate = made.rows / made.seconds if made.seconds else 0
        self.stdout.write(
            f"Exported: the de-identified extract of {program}, {start.isoformat()} to "
            f"{end.isoformat()}, to {target}"
        )
        self.stdout.write(f"  rows: {made.rows:,}  people: {made.people:,}")
        self.stdout.write(f"  files: {', '.join([*made.files, 'manifest.json'])}")
        self.stdout.write(f"  {made.seconds:.1f} s ({rate:,.0f} rows/s)")

    def state(self, options):
        start, end = _period(options)
        program = program_named(options["program"])
        target = Path(options["path"])
        try:
            exported = take_state_export(
                target,
                program=program,
                start=start,
                end=end,
                actor=Actor.system("export command"),
                via="command",
            )
        except StateExportRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Exported: the state's monthly report of {program}, {start.isoformat()} to "
            f"{end.isoformat()}, to {target}"
        )
        for month in exported.months:
            self.stdout.write(
                f"  {month['reporting_month']}  contacts {month['contacts']:>6}  "
                f"arrests {month['arrests']:>4}  holds {month['emergency_holds']:>4}"
            )
        self.stdout.write(f"  files: {len(exported.files) + 1}")
