"""Naming a program on the command line: by its id, short name or name."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db.models import Q

from coresponder.accounts.models import Program


def program_named(value: str | None) -> Program:
    """The program named; with no name, the only program there is."""
    value = (value or "").strip()
    if not value:
        programs = list(Program.objects.all()[:2])
        if len(programs) == 1:
            return programs[0]
        raise CommandError("Name the program with --program (its id, short name or name).")
    query = Q(slug=value) | Q(name=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    found = Program.objects.filter(query).first()
    if found is None:
        raise CommandError(f"No program has the id, short name or name {value!r}.")
    return found
