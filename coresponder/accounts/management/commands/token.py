from django.core.management.base import BaseCommand, CommandError

from coresponder.accounts import actions
from coresponder.accounts.models import Agency, ApiToken
from coresponder.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Issue, list and revoke API tokens for machine clients."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="Issue a token for an agency; prints it once.")
        create.add_argument("--agency", required=True, help="The agency's name.")
        create.add_argument("--name", required=True, help="The system that will use it.")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            help="A FHIR scope (patient/*.read, system/Patient.read); give it again for more.",
        )
        sub.add_parser("list", help="List tokens and whether they are active.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, f"_{subcommand}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _create(self, *, agency, name, scope, **options):
        found = Agency.objects.filter(name=agency).first()
        if found is None:
            raise CommandError(f"No agency is named {agency!r}.")
        issued = actions.create_api_token(agency=found, name=name, acting_user=None, scopes=scope)
        self.stdout.write(issued.secret)

    def _list(self, **options):
        for token in ApiToken.objects.select_related("agency"):
            state = "active" if token.is_active else "revoked"
            self.stdout.write(f"{token.prefix}  {state:8}  {token.agency.name}  {token.name}")

    def _revoke(self, *, prefix, **options):
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"No token has the prefix {prefix!r}.")
        actions.revoke_api_token(token, acting_user=None)
        self.stdout.write(f"Revoked {prefix}.")
