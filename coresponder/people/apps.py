from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "coresponder.people"
    label = "people"
    verbose_name = "Person index"
