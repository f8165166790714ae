from __future__ import annotations

from django.db import models


class PersonQuerySet(models.QuerySet):
    def in_program(self, program) -> PersonQuerySet:
        return self.filter(program=program)

    def with_index_data(self) -> PersonQuerySet:
        """What a search result or a record page shows, in three queries, not one per person."""
        return self.prefetch_related("names", "identifiers")

    def visible_to(self, user) -> PersonQuerySet:
        """Persons whose operational data the user may read: the start of every list."""
        from coresponder.privacy.access import persons_visible_to

        return persons_visible_to(user, self)
