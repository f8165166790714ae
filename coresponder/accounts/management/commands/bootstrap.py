"""`coresponder bootstrap`: the first program, agency and administrator of an installation.

Runs unattended: the administrator's password comes from `COR_ADMIN_PASSWORD` when it is
set (a provisioning tool, a secret file read into it), otherwise from a prompt, asked
twice. The program's time zone is required and checked: every time a person reads or types
is on its clock (docs/settings.md).
"""

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from coresponder.accounts import actions
from coresponder.accounts.models import Agency, Program, Role
from coresponder.core.exceptions import DomainError
from coresponder.core.local_time import zone_named

PASSWORD_VARIABLE = "COR_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a password


class Command(BaseCommand):
    help = "Create a program, its first agency and its first administrator on an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="The program's full name.")
        parser.add_argument(
            "--time-zone",
            required=True,
            help="The program's time zone, an IANA name such as America/Denver.",
        )
        parser.add_argument("--agency", required=True, help="The administrator's agency.")
        parser.add_argument("--kind", required=True, choices=Agency.Kind.values)
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, program, time_zone, agency, kind, username, full_name, email, **_):
        if Program.objects.exists():
            raise CommandError("A program already exists; add agencies and users in the admin.")
        try:
            zone = zone_named(time_zone.strip())
        except ValueError as error:
            raise CommandError(str(error)) from None
        slug = slugify(program)[:60]
        if not slug:
            raise CommandError("Give the program a name with letters or digits in it.")
        password = self._password()
        try:
            with transaction.atomic():
                new_program = Program(name=program, slug=slug, time_zone=str(zone))
                new_program.full_clean()
                new_program.save()
                new_agency = Agency.objects.create(program=new_program, name=agency, kind=kind)
                actions.create_user(
                    username=username,
                    full_name=full_name,
                    email=email,
                    agency=new_agency,
                    roles=[Role.ADMINISTRATOR],
                    password=password,
                    acting_user=None,
                )
        except ValidationError as error:
            problems = "; ".join(" ".join(v) for v in error.message_dict.values())
            raise CommandError(problems) from None
        except DomainError as error:
            problems = "; ".join(" ".join(v) for v in error.fields.values())
            raise CommandError(f"{error.message} {problems}".strip()) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {program} ({zone}) with administrator {username}. Sign in and set up "
                "the second factor."
            )
        )

    def _password(self) -> str:
        from_environment = os.environ.get(PASSWORD_VARIABLE)
        if from_environment is not None:
            return from_environment
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password: set {PASSWORD_VARIABLE} to run without a terminal, or run "
                "the command in one to be asked."
            )
        password = getpass.getpass("Password for the administrator (12 characters or more): ")
        if getpass.getpass("The same password again: ") != password:
            raise CommandError("The two passwords differ. Nothing was created.")
        return password
