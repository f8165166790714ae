"""`coresponder import calls FILE.csv --mapping MAPPING --agency AGENCY`: past calls from CAD."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.interop.classify import MappingError
from coresponder.interop.csv_import import ImportRefused, import_calls, load_mapping
from coresponder.interop.management.agencies import agency_named

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
    help = "Import data from other systems. `import calls`: past calls from a CAD export."

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
            out.write(
                f"  calls received {report.received_from:%Y-%m-%d %H:%M} to "
                f"{report.received_to:%Y-%m-%d %H:%M} UTC"
            )
        if report.rejected_total:
            out.write(f"  rejected rows: {report.rejects_path}")
