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
