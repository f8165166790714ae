from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "coresponder.interop"
    label = "interop"
    verbose_name = "Interoperability: CAD, CSV"
