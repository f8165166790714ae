"""`coresponder check`: Django's system checks, and `coresponder check data`.

`check data` lists the stored times that lie outside their program's bounds
(`core.time_bounds`): a row from before the entry points refused them, a restore, a hand
edit. Each model declares the times it keeps from outside (`given_times`); the command
reads the declarations from the app registry, so it names no app above this one.
Exit status 1 when it finds any, so a cron job or a deploy script can tell.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.commands import check
from django.db.models import Model, Q
from django.utils import timezone

from coresponder.core.time_bounds import GivenTimes, time_problem


@dataclass(frozen=True)
class StoredOutside:
    table: str
    id: str
    field: str
    value: datetime
    program: str
    reason: str


def _program_model(model: type[Model], path: str) -> type[Model]:
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def stored_outside_bounds(now: datetime) -> Iterator[StoredOutside]:
    """Every stored time outside its program's bounds at `now`, table by table."""
    for model in sorted(apps.get_models(), key=lambda model: model._meta.db_table):
        given: GivenTimes | None = getattr(model, "given_times", None)
        if given is None:
            continue
        programs = _program_model(model, given.program).objects.order_by("pk")
        for program in programs:
            for name, facing in given.fields():
                bounds = program.time_bounds(now, facing=facing)
                outside = (
                    model.objects.filter(**{given.program: program})
                    .filter(
                        Q(**{f"{name}__lt": bounds.earliest}) | Q(**{f"{name}__gt": bounds.latest})
                    )
                    .order_by(name, "pk")
                    .values_list("pk", name)
                )
                for pk, value in outside.iterator():
                    yield StoredOutside(
                        table=model._meta.db_table,
                        id=str(pk),
                        field=name,
                        value=value,
                        program=program.slug,
                        reason=time_problem(value, bounds) or "",
                    )


class Command(check.Command):
    help = (
        "Runs Django's system checks. `check data`: lists the stored times outside their "
        "program's bounds (table, id, field, value), and exits 1 when there are any."
    )

    def handle(self, *app_labels, **options):
        if list(app_labels) != ["data"]:
            return super().handle(*app_labels, **options)
        found = 0
        for row in stored_outside_bounds(timezone.now()):
            if not found:
                self.stdout.write("table\tid\tfield\tvalue\tprogram\treason")
            found += 1
            value = row.value.isoformat()
            self.stdout.write(
                f"{row.table}\t{row.id}\t{row.field}\t{value}\t{row.program}\t{row.reason}"
            )
        if found:
            raise CommandError(
                f"{found:,} stored time{'s' if found != 1 else ''} outside the programs' "
                "bounds: correct them (or lower a program's earliest date) and check again.",
                returncode=1,
            )
        self.stdout.write("No stored time lies outside its program's bounds.")
        return None
