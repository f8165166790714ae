"""Finding calls: the calls list's search, by number, address, person, concern, state
and the days received on the program's clock."""

from __future__ import annotations

from datetime import timedelta

from coresponder.core.local_time import current_zone, day_starts
from coresponder.people.access import Match, search_for
from coresponder.people.matching import PersonQuery

from .models import Call
from .querysets import CallQuerySet

PERSONS_SEARCHED = 20  # the best matches of a name; a longer name narrows them


def search_calls(user, wanted: dict, *, request=None) -> tuple[CallQuerySet, list[Match]]:
    """The user's program's calls matching `wanted` (a `CallSearchForm`'s cleaned data),
    newest first, and the persons the name found. The name goes through the person index
    as the user may search it (the read gate, which audits the persons it finds), so a
    person the user may not see finds no call. The days are on the current clock: the
    program's, or the user's own where they set one, as the list shows the times."""
    calls = Call.objects.of_program(user.agency.program)
    if number := wanted.get("number", "").strip():
        calls = calls.numbered(number)
    if address := wanted.get("address", "").strip():
        calls = calls.at_address(address)
    if wanted.get("concern"):
        calls = calls.reporting(wanted["concern"])
    if wanted.get("state") == "active":
        calls = calls.open()
    elif wanted.get("state"):
        calls = calls.in_state(wanted["state"])
    zone = current_zone()
    first, last = wanted.get("received_from"), wanted.get("received_to")
    calls = calls.received_between(
        day_starts(first, zone) if first else None,
        day_starts(last + timedelta(days=1), zone) if last else None,
    )
    persons: list[Match] = []
    if name := wanted.get("person", "").strip():
        persons = search_for(
            user,
            PersonQuery(name=name),
            channel="page:calls",
            limit=PERSONS_SEARCHED,
            request=request,
        )
        calls = calls.filter(person_id__in=[match.view.id for match in persons])
    return calls.order_by("-received_at", "-pk"), persons
