"""An encounter's timeline from its call and the team's status events, and the intervals
a program reports. Pure: it takes times, not rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from coresponder.dispatch.status import Status


@dataclass(frozen=True)
class Intervals:
    """The figures a program reports, each None when the timeline does not give it."""

    response: timedelta | None  # received → on scene
    on_scene: timedelta | None  # on scene → leaving (transport or clear)
    officer_on_scene: timedelta | None  # on scene → officer cleared (or leaving)
    transport: timedelta | None  # transporting → arrived (or clear)
    total: timedelta | None  # received → complete

    def as_minutes(self) -> dict[str, float | None]:
        return {
            name: None if value is None else round(value.total_seconds() / 60, 1)
            for name, value in vars(self).items()
        }


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None or end < start:
        return None
    return end - start


def intervals(received_at: datetime, events: Iterable[tuple[str, datetime]]) -> Intervals:
    """`events`: (to_status, occurred_at) of the team on this call, in any order.

    The first arrival on scene counts; "complete" is the team becoming available again.
    An arrival at the destination ends the transport where it is known.
    """
    first: dict[str, datetime] = {}
    for status, at in sorted(events, key=lambda event: event[1]):
        first.setdefault(str(status), at)
    on_scene = first.get(Status.ON_SCENE)
    transport = first.get(Status.TRANSPORTING)
    complete = first.get(Status.AVAILABLE)
    left = transport or complete
    officer = first.get(Status.OFFICER_CLEARED) or left
    return Intervals(
        response=_between(received_at, on_scene),
        on_scene=_between(on_scene, left),
        officer_on_scene=_between(on_scene, officer),
        transport=_between(transport, first.get("arrived") or complete),
        total=_between(received_at, complete),
    )
