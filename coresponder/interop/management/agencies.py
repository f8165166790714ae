"""Naming an agency on the command line: by its id, or by its name when that is unique."""

from __future__ import annotations

from django.core.management.base import CommandError

from coresponder.accounts.models import Agency


def agency_named(value: str) -> Agency:
    value = (value or "").strip()
    if value.isdigit():
        found = Agency.objects.select_related("program").filter(pk=int(value)).first()
        if found is None:
            raise CommandError(f"No agency has the id {value}.")
        return found
    matches = list(Agency.objects.select_related("program").filter(name=value)[:10])
    if not matches:
        raise CommandError(f"No agency is named {value!r}.")
    if len(matches) > 1:
        choices = "; ".join(f"{agency.pk} ({agency.program})" for agency in matches)
        raise CommandError(
            f"Several agencies are named {value!r}; give the id of the one you mean: {choices}."
        )
    return matches[0]
