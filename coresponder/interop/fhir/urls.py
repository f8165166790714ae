"""/fhir/R4/: the read-only FHIR API; /fhir/send/: the encounter's "send to EHR"."""

from django.urls import path

from . import rest

app_name = "fhir"


def _type(resource_type: str) -> dict:
    return {"resource_type": resource_type}


urlpatterns = [
    path("R4/metadata", rest.metadata, name="metadata"),
    path("R4/Patient", rest.patient_search, name="patient_search"),
    path("R4/Patient/<uuid:person_id>", rest.patient_read, name="patient"),
    path(
        "R4/Patient/<uuid:person_id>/$everything",
        rest.patient_everything,
        name="patient_everything",
    ),
    path("R4/Questionnaire", rest.questionnaire_search, name="questionnaire_search"),
    path("R4/Questionnaire/<str:questionnaire_id>", rest.questionnaire_read, name="questionnaire"),
    # Each type's id is named after the record it comes from, for the canary walk.
    path("R4/Encounter/<uuid:encounter_id>", rest.resource_read, _type("Encounter")),
    path("R4/Observation/<uuid:assessment_id>", rest.resource_read, _type("Observation")),
    path(
        "R4/QuestionnaireResponse/<uuid:assessment_id>",
        rest.resource_read,
        _type("QuestionnaireResponse"),
    ),
    path("R4/CarePlan/<str:plan_id>", rest.resource_read, _type("CarePlan")),
    path("R4/ServiceRequest/<uuid:referral_id>", rest.resource_read, _type("ServiceRequest")),
    path("R4/Task/<uuid:referral_id>", rest.resource_read, _type("Task")),
    path("R4/Consent/<uuid:consent_id>", rest.resource_read, _type("Consent")),
    *[
        path(f"R4/{resource_type}", rest.resource_search, _type(resource_type))
        for resource_type in rest.BY_PATIENT
    ],
    path("send/encounters/<uuid:encounter_id>/", rest.send_to_ehr, name="send_to_ehr"),
]
