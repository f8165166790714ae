from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "coresponder.dispatch"
    label = "dispatch"
    verbose_name = "Teams and dispatch"
