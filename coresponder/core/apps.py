from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coresponder.core"
    label = "core"
    verbose_name = "Coresponder core"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
