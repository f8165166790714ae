from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "coresponder.demo"
    label = "demo"
    verbose_name = "Demo program"
