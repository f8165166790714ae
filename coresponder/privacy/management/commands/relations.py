"""`coresponder relations sweep`: write the end of relations whose consent has lapsed.

The policy already treats a relation resting on a revoked or expired consent as ended at
every read; the sweep writes that end into the table, once, with an audit entry per
relation, and closes break-the-glass grants whose hour is up. Run it from cron or a
systemd timer (e.g. every 15 minutes).
"""

from django.core.management.base import BaseCommand

from coresponder.privacy.actions import close_expired_grants, end_lapsed_relations


class Command(BaseCommand):
    help = "Relations: `sweep` ends those whose consent was revoked or has expired."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser(
            "sweep",
            help="End the relations whose consent has lapsed, and close expired emergency "
            "access, each with its audit entry.",
        )

    def handle(self, *args, what, **options):
        ended = end_lapsed_relations()
        closed = close_expired_grants()
        self.stdout.write(
            f"Ended: {ended} relation(s) whose consent lapsed; closed {closed} expired "
            "emergency access grant(s)"
        )
