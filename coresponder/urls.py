from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from coresponder.api import api
from coresponder.core import views as core_views

urlpatterns = [
    path("", include("coresponder.web.urls")),
    path("", include("coresponder.accounts.urls")),
    path("people/", include("coresponder.web.people.urls")),
    path("calls/", include("coresponder.web.calls.urls")),
    path("dispatch/", include("coresponder.web.dispatch.urls")),
    path("encounters/", include("coresponder.encounters.urls")),
    path("directory/", include("coresponder.referrals.urls")),
    path("referrals/", include("coresponder.referrals.partner_urls")),
    path("cases/", include("coresponder.cases.urls")),
    path("outcomes/", include("coresponder.analytics.urls")),
    path("imports/", include("coresponder.interop.urls")),
    path("", include("coresponder.web.privacy.urls")),
    path("fhir/", include("coresponder.interop.fhir.urls")),
    # One way in: the admin's own log-in page would skip the second factor.
    path("admin/login/", RedirectView.as_view(url="/login/?next=/admin/", query_string=False)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
]

handler403 = "coresponder.core.errors.forbidden"
handler404 = "coresponder.core.errors.not_found"
handler500 = "coresponder.core.errors.server_error"
