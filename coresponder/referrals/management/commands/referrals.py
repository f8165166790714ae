"""`coresponder referrals remind` and `coresponder referrals link`.

`remind` tells partners of referrals waiting for an answer; run it from cron or a systemd
timer (e.g. every 15 minutes): each referral is reminded once. `link` says which partner
agency acts for a directory organisation.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from coresponder.accounts.management.programs import program_named
from coresponder.accounts.models import Agency
from coresponder.core.exceptions import DomainError
from coresponder.referrals.actions import link_partner, remind_unanswered, reminder_hours
from coresponder.referrals.models import Organization


class Command(BaseCommand):
    help = "Referrals: `remind` partners of unanswered referrals; `link` an organisation."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser(
            "remind",
            help="E-mail partner agencies about referrals still unanswered past the deadline.",
            description="E-mail each partner agency's users about referrals still 'sent' "
            "COR_REFERRAL_REMINDER_HOURS after sending (default 24), once per referral. "
            "Messages name the organisation and service only, never the person.",
        )
        link = sub.add_parser(
            "link",
            help="Say which partner agency answers a directory organisation's referrals.",
        )
        link.add_argument("organization", help="The organisation's HSDS id in the directory.")
        link.add_argument("agency", help="The partner agency: its id or name.")
        link.add_argument("--program", help="The program (optional when there is one).")

    def handle(self, *args, what, **options):
        if what == "link":
            self._link(**options)
            return
        count = remind_unanswered()
        self.stdout.write(
            f"Reminded: {count} referral(s) unanswered for more than {reminder_hours()} hours"
        )

    def _link(self, *, organization, agency, program, **options):
        found = program_named(program)
        org = Organization.objects.filter(program=found, hsds_id=organization).first()
        if org is None:
            raise CommandError(f"No organisation of {found} has the HSDS id {organization!r}.")
        query = Q(name=agency) | (Q(pk=int(agency)) if agency.isdigit() else Q())
        partner = Agency.objects.filter(query, program=found).first()
        if partner is None:
            raise CommandError(f"No agency of {found} has the id or name {agency!r}.")
        try:
            link_partner(org, agency=partner)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Linked: {org.name} is answered by {partner.name}")
