from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "coresponder.cases"
    label = "cases"
    verbose_name = "Cases: follow-up case management"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
