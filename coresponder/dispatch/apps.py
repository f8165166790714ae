from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "coresponder.dispatch"
    label = "dispatch"
    verbose_name = "Teams and dispatch"

    def ready(self) -> None:
        from coresponder.calls import crews

        from . import teams

        # Calls sits below dispatch and may not import it; it asks about teams through
        # calls/crews.py, and dispatch answers here.
        crews.register(teams.crews)
