"""`coresponder instrument check FILE.json`: is this definition usable, and what does it ask?

`coresponder instrument add FILE.json` checks it and offers it on encounters.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.encounters.instruments import InstrumentError, load, shipped


class Command(BaseCommand):
    help = "Check an assessment instrument's definition, or list the shipped instruments."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        check = commands.add_parser("check", help="Check a definition file and show it.")
        check.add_argument("path", type=Path)
        add = commands.add_parser("add", help="Check a definition file and offer it.")
        add.add_argument("path", type=Path)
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
        if command == "add":
            self._add(options["path"])
        for question in instrument.questions:
            gate = f"  (asked if {dict(question.ask_if)})" if question.ask_if else ""
            self.stdout.write(
                f"  {question.number or '-'} [{question.answer}] {question.text}{gate}"
            )
        for band in instrument.bands:
            self.stdout.write(f"  band {band.level}: {band.label} — {band.says}")

    def _add(self, path: Path) -> None:
        import json

        from coresponder.core.exceptions import DomainError
        from coresponder.encounters.actions import add_instrument

        try:
            added = add_instrument(json.loads(path.read_text(encoding="utf-8")), acting_user=None)
        except DomainError as error:
            raise CommandError(f"Refused: {error.message}") from None
        self.stdout.write(self.style.SUCCESS(f"Added {added}; offered on encounters."))
