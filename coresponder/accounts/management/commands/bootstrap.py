import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from coresponder.accounts import actions
from coresponder.accounts.models import Agency, Program, Role
from coresponder.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Create a program, its first agency and its first administrator on an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="The program's full name.")
        parser.add_argument("--agency", required=True, help="The administrator's agency.")
        parser.add_argument("--kind", required=True, choices=Agency.Kind.values)
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, program, agency, kind, username, full_name, email, **options):
        if Program.objects.exists():
            raise CommandError("A program already exists; add agencies and users in the admin.")
        password = getpass.getpass("Password for the administrator (12 characters or more): ")
        try:
            with transaction.atomic():
                new_program = Program.objects.create(name=program, slug=slugify(program)[:60])
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
        except DomainError as error:
            problems = "; ".join(" ".join(v) for v in error.fields.values())
            raise CommandError(f"{error.message} {problems}".strip()) from None
        self.stdout.write(self.style.SUCCESS(f"Created {program} with administrator {username}."))
