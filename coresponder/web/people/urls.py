from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.register, name="register"),
    path("matching-model/", views.matching_model, name="matching_model"),
    path("<uuid:person_id>/", views.detail, name="detail"),
    path("<uuid:person_id>/edit/", views.edit, name="edit"),
    path("<uuid:person_id>/notes/", views.add_note, name="add_note"),
    path("<uuid:person_id>/care-team/", views.add_care_team_member, name="add_care_team_member"),
    path("<uuid:person_id>/break-glass/", views.break_glass, name="break_glass"),
    path("<uuid:person_id>/record.csv", views.record_csv, name="record_csv"),
]
