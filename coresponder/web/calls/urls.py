from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.intake, name="intake"),
    path("new/triage/", views.triage_preview, name="triage_preview"),
    path("new/persons/", views.person_candidates, name="person_candidates"),
    path("overrides/", views.overrides, name="overrides"),
    path("<uuid:call_id>/", views.detail, name="detail"),
    path("<uuid:call_id>/live/", views.live, name="live"),
    path("<uuid:call_id>/notes/", views.add_note, name="add_note"),
    path("<uuid:call_id>/override/", views.override, name="override"),
    path("<uuid:call_id>/close/", views.close, name="close"),
    path("<uuid:call_id>/correct/", views.correct, name="correct"),
]
