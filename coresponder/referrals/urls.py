from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.directory_search, name="directory"),
    path("public/<slug:program_slug>/", views.public_directory, name="public_directory"),
    path(
        "encounters/<uuid:encounter_id>/suggestions/",
        views.suggestions,
        name="suggestions",
    ),
    path("encounters/<uuid:encounter_id>/refer/", views.refer, name="refer"),
]
