"""Every page and API operation the walk requests, found from the URLconf and the
OpenAPI document, with each path parameter filled from the planted records.

A new page or operation is walked without being listed here, as long as its parameters
are named as below; one whose parameters are not, and which is not in `NO_PERSON_DATA` or
`API_WRITES` with its reason, fails the walk's coverage test.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from coresponder.api import api

# Page patterns the walk does not request, each with why no person's data is behind it.
NO_PERSON_DATA = {
    # The operator's superuser only: no program role is staff (accounts.create_user).
    "admin/": "Django's admin: no program role may sign in to it",
    "admin/login/": "redirects to the sign-in page",
    "logout/": "POST only; it would end the walking reader's session",
    # The JSON API's own routes are walked as OpenAPI operations (below), not as patterns.
    "api/": "the API's root; its operations are walked from the OpenAPI document",
    "api/docs": "the OpenAPI viewer: static, no data",
    "api/openapi.json": "the OpenAPI document: the API's shape, no data",
    "healthz": "a health check: no data",
    "fhir/R4/metadata": "the FHIR CapabilityStatement: the API's shape, no data",
    "fhir/R4/Questionnaire": "the instruments as FHIR Questionnaires: no person's data",
    "fhir/R4/Questionnaire/<str:questionnaire_id>": "one instrument as a Questionnaire",
}

# The FHIR API (/fhir/R4/) is walked as pages are, and by API tokens too: a token reads it.
FHIR_PREFIX = "fhir/R4/"

# API operations that change something: the walk reads, so it does not send them.
API_WRITES = {
    "coresponder_people_api_create_person": "registers a person",
    "coresponder_privacy_api_create_consent": "records a consent",
    "coresponder_privacy_api_revoke": "revokes a consent",
    "coresponder_calls_api_create_call": "takes a call",
    "coresponder_calls_api_create_note": "adds a note to a call",
    "coresponder_calls_api_correct_call": "corrects a call's intake facts",
    "coresponder_dispatch_api_dispatch": "dispatches a team",
    "coresponder_dispatch_api_move": "moves a team's status",
    "coresponder_interop_api_receive_cad_call": "a CAD system's call: makes a call",
    "coresponder_interop_api_receive_cad_outcome": "a CAD system's clearance: sets an outcome",
    "coresponder_interop_api_import_fhir": "an EHR's bundle: makes persons and health records",
    "coresponder_encounters_api_start_encounter": "starts an encounter",
    "coresponder_encounters_api_save_section": "saves a section",
    "coresponder_encounters_api_sign_section": "signs a section",
    "coresponder_encounters_api_add_addendum": "adds an addendum",
    "coresponder_encounters_api_create_assessment": "records an assessment",
    "coresponder_encounters_api_update_assessment": "changes an assessment",
    "coresponder_encounters_api_set_disposition": "sets the disposition",
    "coresponder_encounters_api_complete_encounter": "completes the encounter",
    "coresponder_encounters_api_arrived": "marks the arrival",
    "coresponder_encounters_api_create_plan": "drafts a response plan",
    "coresponder_encounters_api_update_plan": "changes a response plan",
    "coresponder_encounters_api_approve_plan": "approves a response plan",
    "coresponder_referrals_api_create_referral": "sends a referral",
    "coresponder_referrals_api_move_referral": "moves a referral",
    "coresponder_referrals_api_patch_capacity": "changes a service's capacity",
    "coresponder_cases_api_create_case": "opens a case",
    "coresponder_cases_api_patch_case": "changes a case's status",
    "coresponder_cases_api_assign_case": "assigns a case",
    "coresponder_cases_api_clear_flag": "clears a flag",
    "coresponder_cases_api_create_task": "adds a task",
    "coresponder_cases_api_complete_task": "completes a task",
    "coresponder_cases_api_create_contact": "logs a contact",
    "coresponder_cases_api_create_goal": "sets a goal",
    "coresponder_cases_api_patch_goal": "changes a goal",
    "coresponder_cases_api_revise_safety_plan": "revises the safety plan",
}


def queries(planted) -> dict[str, list[dict]]:
    """What a search or list is asked, so that it finds the person; each query is a
    request of its own (a page and its CSV, a partner's list and a sender's)."""
    return {
        "people/": [{"name": "Canary"}],
        "calls/new/persons/": [{"family": "Canary", "given": "Demo"}],
        # The calls list unsearched, and searched by the person's name and by the rest.
        "calls/": [
            {},
            {"person": "Demo Canary"},
            {"concern": "suicidal", "state": "active", "address": "a", "number": "0"},
        ],
        "directory/": [{"text": "withdrawal"}],
        "people/<uuid:person_id>/disclosures/": [{}, {"format": "csv"}],
        "/api/v1/persons": [{"name": "Canary"}],
        "/api/v1/referrals": [{}, {"encounter_id": str(planted.encounter.pk)}],
        # The partner's queue, whole and filtered to what waits on it.
        "referrals/partner/": [{}, {"state": "waiting", "due": "week"}],
        # The FHIR searches: a patient by name, by identifier, by birth date; the rest by
        # the patient.
        "fhir/R4/Patient": [
            {"name": "Canary"},
            {"identifier": "cnry"},
            {"birthdate": "1990-04-01"},
        ],
        **{
            f"fhir/R4/{resource_type}": [{"patient": str(planted.person.pk)}]
            for resource_type in (
                "Encounter",
                "Observation",
                "QuestionnaireResponse",
                "CarePlan",
                "ServiceRequest",
                "Task",
                "Consent",
            )
        },
    }


_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\{(?P<api>\w+)\}")


def parameters(planted) -> dict[str, list[str]]:
    """Each path parameter's values, by its name: the planted records of that kind."""
    return {
        "person_id": [planted.person.pk],
        "call_id": [planted.call.pk],
        "encounter_id": [planted.encounter.pk],
        "case_id": [planted.case.pk],
        "task_id": [planted.task.pk],
        "goal_id": [planted.goal.pk],
        "plan_id": [planted.plan.pk],
        "assessment_id": [planted.assessment.pk],
        "referral_id": [planted.sud_referral.pk, planted.care_referral.pk],
        "consent_id": [planted.sharing_consent.pk],
        "grant_id": [planted.grant.pk],
        "team_id": [planted.team.pk],
        "service_id": [planted.sud_service.pk, planted.care_service.pk],
        "run_id": [planted.report_run.pk],
        "kind": ["safety", "clinical", "substance_use", "medical"],
        "flag": ["repeat_crisis"],
        "slug": [planted.program.slug],
        "program_slug": [planted.program.slug],
        # A chart of the outcomes: the one that counts referrals names services.
        "name": ["referrals"],
        "prefix": ["walk0000"],
        # The import page's uploaded file and saved mapping (administrators only).
        "import_id": [planted.call_import.pk],
        "mapping_id": [planted.call_mapping.pk],
    }


PARAMETER_NAMES = frozenset(
    {
        "person_id",
        "call_id",
        "encounter_id",
        "case_id",
        "task_id",
        "goal_id",
        "plan_id",
        "assessment_id",
        "referral_id",
        "consent_id",
        "grant_id",
        "team_id",
        "service_id",
        "run_id",
        "kind",
        "flag",
        "slug",
        "program_slug",
        "name",
        "prefix",
        "import_id",
        "mapping_id",
    }
)


@dataclass(frozen=True)
class Operation:
    """One page pattern or API operation, as the walk requests it."""

    pattern: str  # the URLconf route or the OpenAPI path, as written there
    method: str
    api: bool

    def urls(self, planted) -> list[str]:
        names = [m.group("name") or m.group("api") for m in _PARAMETER.finditer(self.pattern)]
        values = parameters(planted)
        urls = []
        for chosen in itertools.product(*(values[name] for name in names)):
            filled = iter(chosen)
            path = _PARAMETER.sub(lambda _m, filled=filled: str(next(filled)), self.pattern)
            urls.append(path if self.api else "/" + path)
        return urls


def _page_patterns(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _page_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _excluded(route: str) -> bool:
    return any(
        route == excluded or (excluded.endswith("/") and route.startswith(excluded))
        for excluded in NO_PERSON_DATA
    )


def page_routes() -> list[str]:
    """Every page route of the URLconf but the excluded ones and the API's own."""
    routes = dict.fromkeys(_page_patterns(get_resolver().url_patterns))
    return [r for r in routes if not _excluded(r) and not r.startswith("api/v1/")]


def api_operations() -> list[tuple[str, str, str]]:
    """(method, path, operation id) of every operation in the OpenAPI document."""
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, operation["operationId"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def unfillable(pattern: str) -> list[str]:
    return [
        m.group("name") or m.group("api")
        for m in _PARAMETER.finditer(pattern)
        if (m.group("name") or m.group("api")) not in PARAMETER_NAMES
    ]


def walked_operations() -> tuple[list[Operation], list[str]]:
    """The operations the walk requests, and what it cannot request and is not excused."""
    operations, problems = [], []
    for route in page_routes():
        if missing := unfillable(route):
            problems.append(f"page {route}: no value for {', '.join(missing)}")
            continue
        operations.append(Operation(route, "GET", api=False))
    for method, path, operation_id in api_operations():
        if method != "GET":
            if operation_id not in API_WRITES:
                problems.append(f"{method} {path} ({operation_id}): neither walked nor a write")
            continue
        if missing := unfillable(path):
            problems.append(f"{method} {path}: no value for {', '.join(missing)}")
            continue
        operations.append(Operation(path, "GET", api=True))
    return operations, problems
