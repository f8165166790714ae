from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "coresponder.planning"
    label = "planning"
    verbose_name = "Staffing plans"
