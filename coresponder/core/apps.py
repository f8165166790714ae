from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coresponder.core"
    label = "core"
    verbose_name = "Coresponder core"

    def ready(self):
        from django.template import base

        from . import checks  # noqa: F401 - registers the system checks
        from .time_bounds import template_localtime

        # Every page survives any time the database holds: one stored in year 1 or 9999,
        # which no entry point takes any more, is shown in UTC where the page's zone has
        # no such day (docs/decisions.md). The template engine calls it by this name.
        base.template_localtime = template_localtime
