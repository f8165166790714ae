from __future__ import annotations

from django.db import models

from coresponder.privacy import access as privacy_access


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> PersonQuerySet:
        """Persons whose operational data the user may read: the start of every list."""
        return privacy_access.persons_visible_to(user, self)
