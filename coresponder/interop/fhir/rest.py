"""The read-only FHIR R4 API under /fhir/R4/, and the encounter's "send to EHR".

Readers: an agency's API token (`Authorization: Bearer cor_…`) whose SMART-style scopes
name the resource type (`patient/*.read`, `system/Patient.read`, …), or a signed-in user.
A scope only lets the token ask; the privacy policy decides each resource, through the read
gate (`export.py`), as on every page. Answers are `application/fhir+json`; errors are
`OperationOutcome`s; a record the reader may not see is "not found", never "forbidden", so
its existence is not revealed.
"""

from __future__ import annotations

import json
import uuid
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from coresponder.accounts.actions import authenticate_api_token
from coresponder.accounts.models import Role, fhir_scope_permits
from coresponder.cases.models import SafetyPlanRevision
from coresponder.core.access import require_role
from coresponder.encounters.models import Encounter, Instrument, ResponsePlan
from coresponder.people.models import Person
from coresponder.privacy.models import Consent
from coresponder.referrals.models import Referral

from . import export, questionnaires, resources

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
FHIR_VERSION = "4.0.1"
API_CHANNEL = "fhir:api"
EXPORT_CHANNEL = "fhir:export"
# Types searched by their patient (`?patient=<id>`, or `subject` where FHIR names it so).
BY_PATIENT = (
    "Encounter",
    "Observation",
    "QuestionnaireResponse",
    "CarePlan",
    "ServiceRequest",
    "Task",
    "Consent",
)
PATIENT_SEARCH = ("identifier", "name", "birthdate")


def _json(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=CONTENT_TYPE
    )


def outcome(status: int, code: str, text: str) -> HttpResponse:
    """An error as FHIR says: an OperationOutcome with one issue."""
    return _json(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text}],
        },
        status,
    )


def _not_found(resource_type: str) -> HttpResponse:
    return outcome(404, "not-found", f"No {resource_type} with that id that you may read.")


def _reader(request: HttpRequest, resource_type: str):
    """The reader of a request for `resource_type`, or the refusal to send."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Bearer "):
        token = authenticate_api_token(header.removeprefix("Bearer ").strip())
        if token is None:
            return outcome(401, "login", "The bearer token is not valid.")
        if not fhir_scope_permits(token.scopes, resource_type):
            return outcome(
                403, "forbidden", f"The token's scopes do not include reading {resource_type}."
            )
        return export.reader_of(token=token)
    if request.user.is_authenticated:
        return export.reader_of(user=request.user)
    return outcome(401, "login", "Send an agency token (Authorization: Bearer …) or sign in.")


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


def _searchset(request: HttpRequest, found: list[dict], now) -> HttpResponse:
    return _json(
        resources.bundle(
            found,
            bundle_type="searchset",
            bundle_id=str(uuid.uuid4()),
            at=now,
            base_url=_base(request),
        )
    )


def _uuid(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# metadata ---------------------------------------------------------------------------------


def capability_statement(base_url: str, now) -> dict:
    """What this server does, and nothing more: read and search of the types below."""
    search_patient = [{"name": "patient", "type": "reference"}]
    rest_resources = [
        {
            "type": "Patient",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": "identifier", "type": "token"},
                {"name": "name", "type": "string"},
                {"name": "birthdate", "type": "date"},
            ],
            "operation": [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ],
        },
        *[
            {
                "type": resource_type,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": search_patient,
            }
            for resource_type in BY_PATIENT
        ],
        {
            "type": "Questionnaire",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
        },
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.isoformat(timespec="seconds"),
        "kind": "instance",
        "software": {"name": "Coresponder"},
        "implementation": {"description": "Coresponder FHIR R4 API (read-only)", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read-only. Each resource is decided by the program's privacy "
                "policy; agency tokens carry SMART-style scopes (patient/*.read, "
                "system/Patient.read).",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "Bearer agency API tokens with SMART-style scopes, or a "
                    "signed-in session.",
                },
                "resource": rest_resources,
            }
        ],
    }


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return _json(capability_statement(_base(request), now))


# Patient ----------------------------------------------------------------------------------


@require_GET
def patient_search(request: HttpRequest) -> HttpResponse:
    who = _reader(request, "Patient")
    if isinstance(who, HttpResponse):
        return who
    unknown = sorted(set(request.GET) - set(PATIENT_SEARCH) - {"_format"})
    if unknown:
        return outcome(400, "not-supported", f"Unsupported search parameter: {unknown[0]}.")
    asked = {name: request.GET.get(name, "").strip() for name in PATIENT_SEARCH}
    if not any(asked.values()):
        return outcome(400, "required", "Search patients by identifier, name or birthdate.")
    if asked["birthdate"]:
        try:
            date.fromisoformat(asked["birthdate"])
        except ValueError:
            return outcome(400, "invalid", "birthdate must be a date, YYYY-MM-DD.")
    now = timezone.now()
    persons = list(export.search_persons(who, **asked)[:50])
    found = export.patients(who, persons, channel=API_CHANNEL, now=now, request=request)
    matches = [r for r in found.resources if _still_matches(r, asked)]
    return _searchset(request, matches, now)


def _still_matches(patient: dict, asked: dict) -> bool:
    """A search by identifier matches only through an identifier the reader may see: a
    police records number is not confirmed to a reader who may not read it."""
    if not asked["identifier"]:
        return True
    value = asked["identifier"].rpartition("|")[2]
    clean = value.replace(" ", "").replace("-", "").replace(".", "").upper()
    return any(
        identifier["value"].replace(" ", "").replace("-", "").replace(".", "").upper() == clean
        for identifier in patient.get("identifier", [])
    )


def _person(who, person_id) -> Person | None:
    person_id = _uuid(person_id)
    if person_id is None:
        return None
    return export.persons_in_program(who).filter(pk=person_id).first()


@require_GET
def patient_read(request: HttpRequest, person_id) -> HttpResponse:
    who = _reader(request, "Patient")
    if isinstance(who, HttpResponse):
        return who
    person = _person(who, person_id)
    if person is None:
        return _not_found("Patient")
    built = export.patients(who, [person], channel=API_CHANNEL, now=timezone.now(), request=request)
    if not built.resources:
        return _not_found("Patient")
    return _json(built.resources[0])


@require_GET
def patient_everything(request: HttpRequest, person_id) -> HttpResponse:
    """`Patient/{id}/$everything`: the person's record as far as the reader may read it,
    an accounted disclosure. A token needs a scope covering every type (`*`)."""
    who = _reader(request, "*")
    if isinstance(who, HttpResponse):
        return who
    person = _person(who, person_id)
    if person is None:
        return _not_found("Patient")
    bundle = export.export_bundle(
        who,
        person,
        channel=API_CHANNEL,
        base_url=_base(request),
        bundle_type="searchset",
        request=request,
    )
    if bundle is None:
        return _not_found("Patient")
    return _json(bundle)


# The other types --------------------------------------------------------------------------


def _built_for(who, resource_type: str, person_ids, request, *, record_id=None):
    """The resources of `resource_type` about the persons, built through the gate."""
    now = timezone.now()
    channel = API_CHANNEL
    if resource_type in ("Encounter", "Observation", "QuestionnaireResponse"):
        rows = export.encounters_of(who, person_ids)
        if record_id is not None:
            rows = [row for row in rows if _matches_encounter(row, resource_type, record_id)]
        return export.encounters(who, rows, channel=channel, now=now, request=request)
    if resource_type == "CarePlan":
        return export.care_plans(
            who,
            person_ids,
            channel=channel,
            now=now,
            request=request,
            plan_ids=[record_id] if record_id is not None else None,
        )
    if resource_type in ("ServiceRequest", "Task"):
        rows = export.referrals_of(who, person_ids)
        if record_id is not None:
            rows = [row for row in rows if str(row.pk) == record_id]
        return export.referrals(who, rows, channel=channel, now=now, request=request)
    assert resource_type == "Consent"  # noqa: S101 - BY_PATIENT lists no other type
    persons = export.patients(
        who,
        list(export.persons_in_program(who).filter(pk__in=person_ids)),
        channel=channel,
        now=now,
        request=request,
    )
    return export.consents(
        persons.readable, at=now, consent_ids=[record_id] if record_id is not None else None
    )


def _matches_encounter(row: Encounter, resource_type: str, record_id: str) -> bool:
    if resource_type == "Encounter":
        return str(row.pk) == record_id
    # An Observation or QuestionnaireResponse is an assessment of the encounter.
    return any(str(a.pk) == record_id for a in row.assessments.all())


def _owner(resource_type: str, record_id, who) -> object | None:
    """The person a record of `resource_type` is about (None: no such record here)."""
    program = who.agency.program_id
    if resource_type == "Encounter":
        row = Encounter.objects.filter(pk=_uuid(record_id), program_id=program)
        return row.values_list("call__person_id", flat=True).first()
    if resource_type in ("Observation", "QuestionnaireResponse"):
        return (
            Encounter.objects.filter(program_id=program, assessments__pk=_uuid(record_id))
            .values_list("call__person_id", flat=True)
            .first()
        )
    if resource_type == "CarePlan":
        if record_id.startswith("safety-plan-"):
            number = record_id.removeprefix("safety-plan-")
            if not number.isdigit():
                return None
            return (
                SafetyPlanRevision.objects.filter(pk=int(number), person__program_id=program)
                .values_list("person_id", flat=True)
                .first()
            )
        return (
            ResponsePlan.objects.filter(pk=_uuid(record_id), program_id=program)
            .values_list("person_id", flat=True)
            .first()
        )
    if resource_type in ("ServiceRequest", "Task"):
        return (
            Referral.objects.filter(pk=_uuid(record_id), program_id=program)
            .values_list("person_id", flat=True)
            .first()
        )
    if resource_type == "Consent":
        return (
            Consent.objects.filter(pk=_uuid(record_id), person__program_id=program)
            .values_list("person_id", flat=True)
            .first()
        )
    return None


def _uuid_or_none_ok(resource_type: str, record_id: str) -> bool:
    if resource_type == "CarePlan" and record_id.startswith("safety-plan-"):
        return True
    return _uuid(record_id) is not None


@require_GET
def resource_read(request: HttpRequest, resource_type: str, **ids) -> HttpResponse:
    """`{type}/{id}`: the URLconf names the id after its record (`encounter_id`, …)."""
    (record_id,) = (str(value) for value in ids.values())
    who = _reader(request, resource_type)
    if isinstance(who, HttpResponse):
        return who
    if not _uuid_or_none_ok(resource_type, record_id):
        return _not_found(resource_type)
    person_id = _owner(resource_type, record_id, who)
    if person_id is None:
        return _not_found(resource_type)
    built = _built_for(who, resource_type, [person_id], request, record_id=record_id)
    wanted = f"{resource_type}/{record_id}"
    found = [r for r in built.of_type(resource_type) if resources.key_of(r) == wanted]
    if not found:
        return _not_found(resource_type)
    return _json(found[0])


@require_GET
def resource_search(request: HttpRequest, resource_type: str) -> HttpResponse:
    who = _reader(request, resource_type)
    if isinstance(who, HttpResponse):
        return who
    names = set(request.GET) - {"_format"}
    if names - {"patient", "subject"}:
        return outcome(
            400, "not-supported", f"Search {resource_type} by patient (patient=<id>) only."
        )
    asked = (request.GET.get("patient") or request.GET.get("subject") or "").strip()
    asked = asked.removeprefix("Patient/")
    if not asked:
        return outcome(400, "required", f"Search {resource_type} by patient (patient=<id>).")
    person = _person(who, asked)
    now = timezone.now()
    if person is None:
        return _searchset(request, [], now)
    built = _built_for(who, resource_type, [person.pk], request)
    return _searchset(request, built.of_type(resource_type), now)


# Questionnaires (the instruments: no person's information) ---------------------------------


def _instruments():
    return Instrument.objects.filter(is_active=True).order_by("key", "version")


@require_GET
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    who = _reader(request, "Questionnaire")
    if isinstance(who, HttpResponse):
        return who
    found = [questionnaires.questionnaire_of(row.parsed()) for row in _instruments()]
    return _searchset(request, found, timezone.now())


@require_GET
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    who = _reader(request, "Questionnaire")
    if isinstance(who, HttpResponse):
        return who
    key, _sep, version = questionnaire_id.rpartition("-v")
    row = _instruments().filter(key=key, version=int(version) if version.isdigit() else 0).first()
    if row is None:
        return _not_found("Questionnaire")
    return _json(questionnaires.questionnaire_of(row.parsed()))


# The encounter's "send to EHR" -------------------------------------------------------------


@require_role(Role.CLINICIAN)
@require_POST
def send_to_ehr(request: HttpRequest, encounter_id) -> HttpResponse:
    """The encounter (its person, assessments, referrals and consents) as a FHIR bundle to
    hand to the EHR: read through the gate, an accounted disclosure, downloaded."""
    who = export.reader_of(user=request.user)
    encounter = (
        Encounter.objects.filter(pk=encounter_id, program_id=request.user.agency.program_id)
        .select_related("call__person")
        .first()
    )
    person = encounter.call.person if encounter is not None else None
    if person is None:
        return outcome(404, "not-found", "No such encounter that you may send.")
    bundle = export.export_bundle(
        who,
        person,
        channel=EXPORT_CHANNEL,
        base_url=_base(request),
        request=request,
        encounter_ids=[encounter.pk],
    )
    if bundle is None:
        return outcome(404, "not-found", "No such encounter that you may send.")
    response = _json(bundle)
    response["Content-Disposition"] = f'attachment; filename="encounter-{encounter.pk}.fhir.json"'
    return response
