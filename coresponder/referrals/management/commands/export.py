"""`coresponder export hsds PATH`: the resource directory as an Open Referral HSDS 3 package."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.referrals.actions import ExportRefused, export_hsds_package
from coresponder.referrals.management.programs import program_named


class Command(BaseCommand):
    help = "Export data for other systems. `export hsds`: the resource directory as HSDS 3."

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

    def handle(self, *args, what, path, program, **options):
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
