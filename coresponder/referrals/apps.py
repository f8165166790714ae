from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "coresponder.referrals"
    label = "referrals"
    verbose_name = "Referrals: the HSDS resource directory"

    def ready(self) -> None:
        from coresponder.encounters import referrals_made

        from . import access

        # Encounters sits below referrals and may not import it; it asks about an
        # encounter's referrals through encounters/referrals_made.py, answered here.
        referrals_made.register(access.referrals_of_encounters)
