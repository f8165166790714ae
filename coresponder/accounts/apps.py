from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coresponder.accounts"
    label = "accounts"
    verbose_name = "Programs, agencies and users"
