"""Reads of calls, chainable. Which calls a user may see is decided in `calls.access`."""

from __future__ import annotations

from django.db import models


class CallQuerySet(models.QuerySet):
    def of_program(self, program) -> CallQuerySet:
        return self.filter(program=program)

    def open(self) -> CallQuerySet:
        return self.filter(state__in=("open", "dispatched"))

    def for_board(self) -> CallQuerySet:
        """Open calls, most urgent first, then the longest waiting."""
        return self.open().order_by("priority", "received_at")

    def numbered(self, text: str) -> CallQuerySet:
        """Calls whose number holds `text` ("000123", "2026-0001")."""
        return self.filter(reference__icontains=text)

    def at_address(self, text: str) -> CallQuerySet:
        return self.filter(address__icontains=text)

    def reporting(self, concern: str) -> CallQuerySet:
        """Calls reporting `concern`. The concerns are a JSON list of codes; a code in
        quotes is found in its text the same way on SQLite and PostgreSQL."""
        return self.filter(concerns__icontains=f'"{concern}"')

    def in_state(self, state: str) -> CallQuerySet:
        return self.filter(state=state)

    def received_between(self, start, end) -> CallQuerySet:
        """Received at or after `start` and before `end` (either may be None)."""
        calls = self
        if start is not None:
            calls = calls.filter(received_at__gte=start)
        if end is not None:
            calls = calls.filter(received_at__lt=end)
        return calls
