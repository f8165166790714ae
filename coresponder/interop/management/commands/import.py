"""`coresponder import calls FILE.csv ...`: past calls from CAD; `import hsds PATH`: a directory."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coresponder.interop.classify import MappingError
from coresponder.interop.csv_import import ImportRefused, import_calls, load_mapping
from coresponder.interop.management.agencies import agency_named
from coresponder.referrals.actions import PackageRefused, import_hsds_package
from coresponder.referrals.management.programs import program_named

BAR_WIDTH = 30


class ProgressBar:
    """A text bar on stderr: redrawn in place on a terminal, a line per tenth otherwise.

    `stream` is a command's `OutputWrapper` (it knows whether it writes to a terminal).
    """

    def __init__(self, stream, *, label: str) -> None:
        self.stream, self.label = stream, label
        self.tty = stream.isatty()
        self.started = time.perf_counter()
        self.last_drawn, self.last_tenth = 0.0, -1

    def __call__(self, done: int, total: int) -> None:
        fraction = min(done / total, 1.0) if total else 1.0
        now = time.perf_counter()
        if self.tty:
            if fraction < 1.0 and now - self.last_drawn < 0.1:
                return
            self.last_drawn = now
            filled = round(BAR_WIDTH * fraction)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            end = "\n" if fraction >= 1.0 else ""
            self.stream.write(
                f"\r{self.label} [{bar}] {fraction:4.0%}  line {done:,} of {total:,}"
                f"  {now - self.started:6.1f} s{end}",
                ending="",
            )
        else:
            tenth = int(fraction * 10)
            if tenth == self.last_tenth:
                return
            self.last_tenth = tenth
            self.stream.write(f"{self.label}: {fraction:4.0%} (line {done:,} of {total:,})")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import data from other systems. `import calls`: past calls from a CAD export. "
        "`import hsds`: a resource directory as an Open Referral HSDS package (3, or 1.1 and "
        "2.0 converted to 3)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        calls = sub.add_parser(
            "calls",
            help="Import past calls from a CAD export (CSV) as closed history.",
            description="Import past calls from a CAD export (CSV) as closed history. Rows "
            "that cannot stand go to the rejects file with their line number and reason; a "
            "file that cannot be read leaves nothing imported.",
        )
        calls.add_argument("file", help="The CSV file.")
        calls.add_argument(
            "--mapping",
            required=True,
            help="A shipped mapping's name (seattle-call-data, seattle-call-data-processed) "
            "or the path of a TOML mapping file.",
        )
        calls.add_argument(
            "--agency", required=True, help="The agency that took the calls: its id or name."
        )
        calls.add_argument(
            "--rejects",
            help="Where to write the rejected rows (default: FILE's name + .rejected.csv, "
            "in the current folder).",
        )
        calls.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and write the rejects file, but import nothing.",
        )

        hsds = sub.add_parser(
            "hsds",
            help="Import a resource directory from an Open Referral HSDS package (3, 2.0 or 1.1).",
            description="Import a resource directory from an Open Referral HSDS 3 package: a "
            "folder of CSV files (with or without datapackage.json), or the JSON form (a "
            "file, or a folder of files). A folder of HSDS 1.1 or 2.0 CSV files is recognised "
            "by its tables and columns and converted to HSDS 3; the summary then says what was "
            "carried, what was defaulted and what was dropped. A folder of no version we read, "
            "or mixing versions, is refused. Every file and row is checked first; any problem "
            "refuses the whole package, reported with file, line and reason, and nothing is "
            "imported. Importing again updates rows by their HSDS id.",
        )
        hsds.add_argument(
            "path", help="The package folder (HSDS 3, 2.0 or 1.1) or JSON file (HSDS 3)."
        )
        hsds.add_argument(
            "--program",
            help="The program whose directory it is: id, short name or name (optional when "
            "there is one program).",
        )
        hsds.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the package and count what it would change, but import nothing.",
        )

    def handle(self, *args, what, **options):
        return getattr(self, f"_{what}")(**options)

    def _calls(self, *, file, mapping, agency, rejects, dry_run, **options):
        path = Path(file)
        try:
            loaded = load_mapping(mapping)
        except MappingError as error:
            raise CommandError(
                f"The mapping cannot be used: {error} Nothing was imported."
            ) from None
        found = agency_named(agency)
        rejects_path = Path(rejects) if rejects else Path.cwd() / f"{path.stem}.rejected.csv"
        progress = ProgressBar(self.stderr, label=path.name)
        try:
            report = import_calls(
                path,
                mapping=loaded,
                agency=found,
                rejects_path=rejects_path,
                dry_run=dry_run,
                progress=progress,
            )
        except ImportRefused as error:
            raise CommandError(error.message) from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted. Nothing was imported.", returncode=130) from None
        self._summary(report, found)

    def _hsds(self, *, path, program, dry_run, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist. Nothing was imported.")
        found = program_named(program)
        try:
            report = import_hsds_package(
                source,
                program=found,
                reading=ProgressBar(self.stderr, label=f"{source.name}: reading"),
                writing=ProgressBar(self.stderr, label=f"{source.name}: writing"),
                dry_run=dry_run,
            )
        except PackageRefused as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem.severity}: {problem}")
            raise CommandError(error.message) from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted. Nothing was imported.", returncode=130) from None
        out = self.stdout
        heading = "Dry run, nothing imported" if report.dry_run else "Imported"
        form = report.form if report.conversion is None else f"{report.form}, converted to HSDS 3"
        out.write(f"{heading}: {report.source.name} (HSDS {report.version}, {form}) into {found}")
        out.write(f"  {'table':<22}{'created':>9}{'updated':>9}")
        for table in sorted(set(report.created) | set(report.updated)):
            created, updated = report.created[table], report.updated[table]
            out.write(f"  {table:<22}{created:>9,}{updated:>9,}")
        out.write(f"  time      {report.seconds:>9.1f} s")
        for skipped in report.skipped_files:
            out.write(f"  skipped: {skipped}")
        for warning in report.warnings:
            out.write(f"  warning: {warning}")
        if report.conversion is not None:
            out.write(f"  converted from HSDS {report.version}:")
            for line in report.conversion.lines():
                out.write(f"    {line}")

    def _summary(self, report, agency) -> None:
        out = self.stdout
        heading = "Dry run, nothing imported" if report.dry_run else "Imported"
        out.write(
            f"{heading}: {report.file.name} with mapping {report.mapping}, "
            f"into {agency.program} as {agency.name}"
        )
        out.write(f"  read      {report.read:>9,}")
        out.write(f"  imported  {report.imported:>9,}" + (" (would be)" if report.dry_run else ""))
        out.write(f"  rejected  {report.rejected_total:>9,}")
        for reason, count in report.rejected.most_common():
            out.write(f"    {count:>9,}  {reason}")
        out.write(f"  time      {report.seconds:>9.1f} s ({report.rows_per_second:,.0f} rows/s)")
        if report.imported:
            zone = agency.program.zone  # read by a person: on the program's clock, named
            first = timezone.localtime(report.received_from, zone)
            last = timezone.localtime(report.received_to, zone)
            out.write(f"  calls received {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} ({zone})")
        if report.rejected_total:
            out.write(f"  rejected rows: {report.rejects_path}")
