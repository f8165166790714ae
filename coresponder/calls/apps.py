from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "coresponder.calls"
    label = "calls"
    verbose_name = "Crisis calls"
