from django.core.management.base import BaseCommand, CommandError

from coresponder.core.audit import verify_chain


class Command(BaseCommand):
    help = "Work with the audit log. `audit verify` finds entries changed, removed or inserted."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Walk the hash chain and report the first broken entry.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            report = verify_chain()
            if not report.ok:
                raise CommandError(
                    f"Audit chain broken at entry #{report.first_bad_seq}: {report.problem}."
                )
            self.stdout.write(
                f"Audit chain intact: {report.entries} entries. Head hash {report.last_hash}"
            )
