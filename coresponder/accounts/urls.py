from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/second-factor/", views.second_factor, name="second_factor"),
    path("logout/", views.logout_view, name="logout"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/time-zone/", views.time_zone, name="time_zone"),
    path("training/", views.training_compliance, name="training_compliance"),
    path(
        "training/compliance.csv",
        views.training_compliance_csv,
        name="training_compliance_csv",
    ),
    path(
        "settings/api-tokens/<str:prefix>/revoke/", views.revoke_api_token, name="revoke_api_token"
    ),
]
