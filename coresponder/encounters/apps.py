from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EncountersConfig(AppConfig):
    name = "coresponder.encounters"
    label = "encounters"
    verbose_name = "Encounters and assessments"

    def ready(self) -> None:
        from .actions import load_shipped_instruments

        # The shipped instruments are in every database as soon as its tables are.
        post_migrate.connect(load_shipped_instruments, sender=self)
