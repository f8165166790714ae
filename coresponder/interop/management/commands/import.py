"""`coresponder import calls FILE.csv ...`: past calls from CAD; `import hsds PATH`: a directory;
`import fhir FILE|DIR --user NAME`: EHR bundles as persons' health summaries."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coresponder.accounts.management.programs import program_named
from coresponder.accounts.models import User
from coresponder.core.exceptions import DomainError
from coresponder.interop.actions import import_fhir_bundle
from coresponder.interop.classify import MappingError
from coresponder.interop.csv_import import ImportRefused, import_calls, load_mapping
from coresponder.interop.fhir import importer
from coresponder.interop.management.agencies import agency_named
from coresponder.referrals.actions import PackageRefused, import_hsds_package

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
        "2.0 converted to 3). `import fhir`: EHR bundles (FHIR R4) as health summaries."
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

        fhir = sub.add_parser(
            "fhir",
            help="Import EHR bundles (FHIR R4) as persons' health summaries.",
            description="Import FHIR R4 bundles (transaction or collection) from an EHR: a "
            "file, or every .json file of a folder. Each Patient is matched to the person "
            "index (a new person only when no one is a likely match; a doubtful match refuses "
            "the bundle for review); its Conditions, MedicationRequests and Statements, "
            "AllergyIntolerances, CarePlans and latest Encounters become the person's health "
            "summary, clinical or Part 2. Each bundle is all or nothing; importing it again "
            "changes nothing.",
        )
        fhir.add_argument("path", help="A bundle (.json) or a folder of bundles.")
        fhir.add_argument(
            "--user",
            required=True,
            help="Who imports: the username of a clinician, case manager or supervisor of a "
            "health agency (the records are held by their agency).",
        )
        fhir.add_argument(
            "--source",
            help="The EHR's name, which with each resource's id makes the import "
            "idempotent (default: the user's agency's name).",
        )
        fhir.add_argument(
            "--part2-source",
            action="store_true",
            help="The EHR is a Part 2 program's: everything it sends is kept as Part 2.",
        )
        fhir.add_argument(
            "--link",
            action="append",
            default=[],
            metavar="PATIENT_ID=PERSON_ID",
            help="A reviewer's choice: the person a patient the matcher could not decide is "
            "(PATIENT_ID=new: none of the candidates, a new person).",
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

    def _fhir(self, *, path, user, source, part2_source, link, **options):
        importer_user = User.objects.filter(username=user, is_active=True).first()
        if importer_user is None:
            raise CommandError(f"No active user {user!r}. Nothing was imported.")
        links = {}
        for pair in link:
            patient_id, _sep, person_id = pair.partition("=")
            if not person_id:
                raise CommandError(f"--link {pair!r}: give PATIENT_ID=PERSON_ID.")
            links[patient_id.strip()] = person_id.strip()
        where = Path(path)
        if where.is_dir():
            files = sorted(where.glob("*.json"))
        elif where.exists():
            files = [where]
        else:
            raise CommandError(f"{where} does not exist. Nothing was imported.")
        if not files:
            raise CommandError(f"{where} holds no .json file. Nothing was imported.")
        source = source or importer_user.agency.name
        refused = 0
        totals = {"read": 0, "persons": 0}
        for file in files:
            refused += not self._fhir_file(
                file,
                user=importer_user,
                source=source,
                part2_source=part2_source,
                links=links,
                totals=totals,
            )
        if len(files) > 1:
            self.stdout.write(
                f"{len(files) - refused} of {len(files)} bundles imported; "
                f"{totals['read']:,} resources read, {totals['persons']} persons."
            )
        if refused:
            raise CommandError(f"{refused} bundle(s) refused: nothing of them was imported.")

    def _fhir_file(self, file, *, user, source, part2_source, links, totals) -> bool:
        out = self.stdout
        if file.stat().st_size > importer.MAX_BUNDLE_BYTES:
            self.stderr.write(
                f"{file.name}: refused: {file.stat().st_size:,} bytes, over the "
                f"{importer.MAX_BUNDLE_BYTES:,} taken. Nothing of it was imported."
            )
            return False
        try:
            read = importer.read_bundle(
                file.read_bytes(), part2_source=part2_source, today=timezone.localdate()
            )
            report = import_fhir_bundle(read, source=source, acting_user=user, links=links)
        except DomainError as error:
            self.stderr.write(f"{file.name}: refused: {error.message}")
            for refusal in getattr(error, "refusals", []):
                self.stderr.write(f"  {refusal}")
            if not getattr(error, "refusals", None):
                for name, reasons in error.fields.items():
                    self.stderr.write(f"  {name}: {'; '.join(reasons)}")
            return False
        totals["read"] += report.resources
        totals["persons"] += len(report.persons_matched) + len(report.persons_created)
        out.write(f"{file.name}: {report.bundle_type} bundle from {source}, {report.seconds:.2f} s")
        for patient, person, how in report.persons_matched:
            out.write(f"  {patient}: matched person {person} (by {how})")
        for patient, person in report.persons_created:
            out.write(f"  {patient}: new person {person}")
        out.write(
            f"  {'resource':<22}{'read':>7}{'kept':>7}{'created':>9}{'updated':>9}"
            f"{'unchanged':>11}{'skipped':>9}"
        )
        for kind in sorted(report.read):
            out.write(
                f"  {kind:<22}{report.read[kind]:>7}{report.kept[kind]:>7}"
                f"{report.created[kind]:>9}{report.updated[kind]:>9}"
                f"{report.unchanged[kind]:>11}{report.skipped[kind]:>9}"
            )
        return True

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
