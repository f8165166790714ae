"""`coresponder analytics refresh`: bring the call facts and the analytics store up to date."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.accounts.management.programs import program_named
from coresponder.accounts.models import Program
from coresponder.analytics import facts
from coresponder.analytics.access import store_folder
from coresponder.analytics.store import Store


class Command(BaseCommand):
    help = "The outcomes' data. `analytics refresh`: rebuild changed call facts, then the store."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        refresh = sub.add_parser(
            "refresh",
            help="Rebuild the facts of calls changed since the last refresh and copy them "
            "to the DuckDB analytics store.",
            description="Rebuild the call facts of every call changed since the last refresh "
            "(or all of them with --full), then, when the program keeps an analytics store "
            "(COR_ANALYTICS_STORE or --store), take the changed facts into it as a Parquet "
            "snapshot. Run it from cron every few minutes for a large program.",
        )
        refresh.add_argument("--program", help="One program (id, short name or name).")
        refresh.add_argument("--full", action="store_true", help="Rebuild every call's facts.")
        refresh.add_argument("--store", help="The analytics store's folder.")

    def handle(self, *args, what, program=None, full=False, store=None, **options):
        programs = [program_named(program)] if program else list(Program.objects.all())
        for each in programs:
            started = time.perf_counter()
            written = facts.bring_up_to_date(
                each, full=full, progress=lambda n, each=each: self._progress(each, n)
            )
            self.stderr.write("")
            self.stdout.write(
                f"Facts of {each}: {written:,} calls rebuilt in "
                f"{time.perf_counter() - started:.1f} s"
            )
            outside = facts.calls_outside_bounds(each)
            if outside == 1:
                self.stdout.write(
                    "  1 call lies outside the program's bounds and is left out of the facts; "
                    "`coresponder check data` lists it."
                )
            elif outside:
                self.stdout.write(
                    f"  {outside:,} calls lie outside the program's bounds and are left out of "
                    "the facts; `coresponder check data` lists them."
                )
        folder = Path(store) if store else store_folder()
        if folder is None:
            return
        try:
            analytics_store = Store(folder)
        except OSError as error:
            message = f"The analytics store at {folder} cannot be opened: {error}"
            raise CommandError(message) from None
        try:
            done = analytics_store.refresh(progress=lambda n: self._progress("the store", n))
        finally:
            analytics_store.close()
        self.stderr.write("")
        where = f" from {done.snapshot.name}" if done.snapshot else ""
        self.stdout.write(
            f"Analytics store {folder}: {done.rows:,} facts taken{where} in {done.seconds:.1f} s"
        )

    def _progress(self, what, count: int) -> None:
        if sys.stderr.isatty():
            self.stderr.write(f"\r  {what}: {count:,} …", ending="")
        elif count % 50_000 == 0:
            self.stderr.write(f"  {what}: {count:,} …")
