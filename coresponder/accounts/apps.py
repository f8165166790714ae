from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coresponder.accounts"
    label = "accounts"
    verbose_name = "Programs, agencies and users"

    def ready(self) -> None:
        # Django and axes announce log-ins only through signals; the receivers
        # turn them into audit events.
        from . import receivers  # noqa: F401
