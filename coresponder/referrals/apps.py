from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "coresponder.referrals"
    label = "referrals"
    verbose_name = "Referrals: the HSDS resource directory"
