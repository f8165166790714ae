from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "coresponder.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"

    def ready(self) -> None:
        # Django and axes announce log-ins only through signals; the receivers
        # turn them into audit events.
        from . import receivers  # noqa: F401
