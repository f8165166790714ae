"""`coresponder cad_feed create|list|disable`: the CAD systems that post calls."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Max

from coresponder.core.exceptions import DomainError
from coresponder.interop import actions
from coresponder.interop.management.agencies import agency_named
from coresponder.interop.models import CadFeed


class Command(BaseCommand):
    help = "Make, list and disable CAD feeds (POST /api/v1/cad/calls)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser(
            "create", help="Make a feed: prints its API token and signing secret, once."
        )
        create.add_argument("--agency", required=True, help="The agency's id or name.")
        create.add_argument("--name", required=True, help="The CAD system that will post.")
        sub.add_parser("list", help="List feeds, whether they are active, their deliveries.")
        disable = sub.add_parser("disable", help="Refuse a feed's deliveries from now on.")
        disable.add_argument("feed_id", type=int)

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, f"_{subcommand}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _create(self, *, agency, name, **options):
        issued = actions.create_cad_feed(agency=agency_named(agency), name=name, acting_user=None)
        feed = issued.feed
        self.stdout.write(f"CAD feed {feed.pk} ({feed.name}) for {feed.agency.name}.")
        self.stdout.write(f"API token (Authorization: Bearer …): {issued.token}")
        self.stdout.write(f"Signing secret (HMAC-SHA256 key): {issued.signing_secret}")
        self.stdout.write(
            "Both are shown this once: put them in the CAD system's webhook settings now. "
            "See docs/api.md, CAD intake."
        )

    def _list(self, **options):
        feeds = (
            CadFeed.objects.select_related("agency", "token")
            .annotate(delivered=Count("deliveries"), last=Max("deliveries__received_at"))
            .order_by("pk")
        )
        for feed in feeds:
            state = "active" if feed.active and feed.token.is_active else "disabled"
            if feed.active and not feed.token.is_active:
                state = "token revoked"
            last = feed.last.isoformat(timespec="seconds") if feed.last else "never"
            self.stdout.write(
                f"{feed.pk:>4}  {state:13}  {feed.token.prefix}  {feed.agency.name}  "
                f"{feed.name}  deliveries: {feed.delivered}, last: {last}"
            )

    def _disable(self, *, feed_id, **options):
        feed = CadFeed.objects.filter(pk=feed_id).first()
        if feed is None:
            raise CommandError(f"No CAD feed has the id {feed_id}.")
        actions.disable_cad_feed(feed, acting_user=None)
        self.stdout.write(f"Disabled CAD feed {feed.pk} ({feed.name}).")
