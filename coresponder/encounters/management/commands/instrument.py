"""`coresponder instrument check FILE.json`: is this definition usable, and what does it ask?"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.encounters.instruments import InstrumentError, load, shipped


class Command(BaseCommand):
    help = "Check an assessment instrument's definition, or list the shipped instruments."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        check = commands.add_parser("check", help="Check a definition file and show it.")
        check.add_argument("path", type=Path)
        commands.add_parser("list", help="The instruments Coresponder ships.")

    def handle(self, *args, command, **options):
        if command == "list":
            for instrument in shipped().values():
                self.stdout.write(
                    f"{instrument.key} v{instrument.version}: {instrument.title} "
                    f"({len(instrument.questions)} questions, {len(instrument.bands)} bands)"
                )
            return
        try:
            instrument = load(options["path"])
        except InstrumentError as error:
            raise CommandError(f"Refused: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"{instrument.title}: usable."))
        for question in instrument.questions:
            gate = f"  (asked if {dict(question.ask_if)})" if question.ask_if else ""
            self.stdout.write(
                f"  {question.number or '-'} [{question.answer}] {question.text}{gate}"
            )
        for band in instrument.bands:
            self.stdout.write(f"  band {band.level}: {band.label} — {band.says}")
