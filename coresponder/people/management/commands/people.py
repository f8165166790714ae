"""`coresponder people train`: learn the program's match model from its persons.

Run it after a large import and from time to time as the index grows (e.g. monthly); each
run stores a new version, and person search uses the newest from then on.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coresponder.accounts.management.programs import program_named
from coresponder.people import actions
from coresponder.people.training import TooFewPersons


class Command(BaseCommand):
    help = "The person index: `train` learns the match model from the program's persons."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        train = sub.add_parser(
            "train",
            help="Learn the match model from the program's persons and store a new version.",
            description="Reads every person of the program, learns how often each field "
            "agrees for one person and for two (Splink, expectation-maximisation on DuckDB, "
            "in memory) and stores the numbers as the next version of the model. Person "
            "search scores with the newest version from then on.",
        )
        train.add_argument("--program", help="The program (optional when there is one).")

    def handle(self, *args, what, program=None, **options):
        found = program_named(program)
        self.stdout.write(f"Training the match model of {found}")
        try:
            model = actions.train_linkage_model(
                found,
                now=timezone.now(),
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except TooFewPersons as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Stored version {model.version}, learned from {model.persons} persons.")
