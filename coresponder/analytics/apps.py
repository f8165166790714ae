from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "coresponder.analytics"
    label = "analytics"
    verbose_name = "Analytics: the KPI library, dashboard, reports and extracts"
