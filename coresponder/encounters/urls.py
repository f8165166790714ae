from django.urls import path

from .views import field, plans

app_name = "encounters"

urlpatterns = [
    # -- field view (on scene) --
    path("calls/<uuid:call_id>/field/", field.start, name="field_start"),
    path("<uuid:encounter_id>/field/", field.page, name="field"),
    path(
        "<uuid:encounter_id>/field/sections/<slug:kind>/", field.save_section, name="field_section"
    ),
    path("<uuid:encounter_id>/field/sections/<slug:kind>/sign/", field.sign, name="field_sign"),
    path(
        "<uuid:encounter_id>/field/sections/<slug:kind>/addenda/",
        field.addendum,
        name="field_addendum",
    ),
    path("<uuid:encounter_id>/field/screener/", field.assess, name="field_assess"),
    path("<uuid:encounter_id>/field/disposition/", field.disposition, name="field_disposition"),
    path("<uuid:encounter_id>/field/complete/", field.complete, name="field_complete"),
    # -- response plans --
    path("plans/<uuid:person_id>/", plans.plan, name="plan"),
    path("plans/<uuid:person_id>/draft/", plans.draft, name="plan_draft"),
    path("plans/<uuid:person_id>/draft/<uuid:plan_id>/", plans.draft, name="plan_edit"),
    path("plans/<uuid:person_id>/<uuid:plan_id>/approve/", plans.approve, name="plan_approve"),
]
