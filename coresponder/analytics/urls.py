"""The outcomes' pages: the dashboard, the program report, the extracts, the public page."""

from __future__ import annotations

from . import dashboard_views, extract_views, public_views, report_views

app_name = "analytics"

urlpatterns = [
    *dashboard_views.urlpatterns,
    *report_views.urlpatterns,
    *extract_views.urlpatterns,
    *public_views.urlpatterns,
]
