from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("people/<uuid:person_id>/consents/", views.consents, name="consents"),
    path(
        "people/<uuid:person_id>/consents/<uuid:consent_id>/revoke/",
        views.revoke_consent,
        name="revoke_consent",
    ),
    path(
        "people/<uuid:person_id>/consents/<uuid:consent_id>/form/",
        views.consent_form,
        name="consent_form",
    ),
    path(
        "people/<uuid:person_id>/consents/<uuid:consent_id>/document/",
        views.consent_document,
        name="consent_document",
    ),
    path("people/<uuid:person_id>/disclosures/", views.disclosures, name="disclosures"),
    path("privacy/break-glass/", views.review_queue, name="review_queue"),
    path("privacy/break-glass/<uuid:grant_id>/review/", views.review, name="review"),
]
