from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "coresponder.encounters"
    label = "encounters"
    verbose_name = "Encounters and assessments"
