"""The partner's pages, mounted at /referrals/ (the directory's are at /directory/)."""

from django.urls import path

from . import partner_views

app_name = "partner_referrals"

urlpatterns = [
    path("partner/", partner_views.partner_page, name="page"),
    path("partner/news/", partner_views.partner_news, name="news"),
    path("partner/<uuid:referral_id>/move/", partner_views.partner_move, name="move"),
    path(
        "partner/services/<uuid:service_id>/capacity/",
        partner_views.partner_capacity,
        name="capacity",
    ),
]
