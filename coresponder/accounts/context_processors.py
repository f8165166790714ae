"""What every page knows of the reader's clock, to label it where zones could be confused."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone


def clock(request: HttpRequest) -> dict:
    """`time_zone`: the zone the page's times are in; `program_time_zone`: the program's,
    given only when the reader has chosen another."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    shown = str(timezone.get_current_timezone())
    program = user.program.time_zone
    return {"time_zone": shown, "program_time_zone": program if program != shown else ""}
