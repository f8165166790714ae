from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "coresponder.cases"
    label = "cases"
    verbose_name = "Cases: follow-up case management"

    def ready(self) -> None:
        from coresponder.encounters import follow_up

        from . import actions, receivers  # noqa: F401

        # Encounters sits below cases and may not import it; complete_encounter calls
        # this by name through encounters/follow_up.py, not through a signal.
        follow_up.register(actions.open_case_for_encounter)
