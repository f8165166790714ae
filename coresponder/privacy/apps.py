from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "coresponder.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"
