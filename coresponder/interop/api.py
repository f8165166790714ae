"""CAD intake through the API: `POST /api/v1/cad/calls`, thin over `interop.cad`; and an
EHR's FHIR bundle: `POST /api/v1/fhir/import`, thin over `interop.fhir.importer`.

The body is read as bytes, its signature checked, and only then parsed and validated here
(not by Ninja before the view runs): an unsigned body is never parsed, and a body that is not
JSON is a 422 with the reason like any other bad field.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import pydantic
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from coresponder.api import AgencyTokenAuth, AgencyTokenHeader
from coresponder.calls.actions import ReportedOutcome
from coresponder.calls.models import OTHER_OUTCOME, CallerRelation
from coresponder.calls.triage import Concern, Screening, Source
from coresponder.core.exceptions import Invalid, PermissionDenied
from coresponder.core.schemas import ZonedInstant
from coresponder.core.throttles import ApiRateThrottle
from coresponder.encounters.dispositions import Disposition

from . import cad
from .actions import import_fhir_bundle
from .fhir import importer

router = Router(tags=["CAD intake"])

SourceValue = Literal[tuple(member.value for member in Source)]
ConcernValue = Literal[tuple(member.value for member in Concern)]
ScreeningValue = Literal[tuple(member.value for member in Screening)]
RelationValue = Literal[tuple(CallerRelation.values)]
DISPOSITIONS = tuple(member.value for member in Disposition)
DispositionValue = Literal[(*DISPOSITIONS, OTHER_OUTCOME)]


def _none_is_empty(value):
    return "" if value is None else value


def _no_nul(value: str) -> str:
    if "\x00" in value:
        # The same words as intake's, against the field the CAD sent.
        raise ValueError(_("Text may not contain NUL characters."))
    return value


# CAD systems send null for a field they do not have; that is an empty text here.
Text = Annotated[str, BeforeValidator(_none_is_empty), AfterValidator(_no_nul)]
# One line of printable text: the CAD's number for an incident, in every message about it.
IncidentNumber = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]


class CadCallIn(Schema):
    """A call as a CAD system sends it. Unknown fields are ignored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    incident_number: IncidentNumber = Field(description="The CAD's incident or event number.")
    received_at: ZonedInstant = Field(
        description="When the CAD received the call: ISO 8601 with a time zone offset."
    )
    call_type: Text = Field(
        "",
        max_length=200,
        description="The CAD's nature code or call type. When concerns (or screening) are "
        "not given, they are read from it.",
    )
    source: SourceValue = Field("cad", description="How the call reached the CAD.")
    address: Text = Field("", max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    caller_name: Text = Field("", max_length=200)
    caller_phone: Text = Field("", max_length=32)
    caller_relation: RelationValue = "unknown"
    concerns: list[ConcernValue] | None = Field(
        None, description="Reported concerns; absent: read from call_type."
    )
    screening: list[ScreeningValue] | None = Field(
        None, description="Safety screening; absent: read from call_type."
    )
    language: Text = Field("", max_length=40, description="Language the person needs.")
    narrative: Text = Field("", max_length=10000, description="The call-taker's narrative.")


class CadCallOut(Schema):
    id: UUID
    reference: str
    incident_number: str
    received_at: datetime
    concerns: list[str]
    response: str
    priority: int
    triage_response: str
    triage_priority: int
    triage_rule: str
    triage_says: str
    state: str


REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": CadCallIn.model_json_schema()}},
}
HEADERS = [
    {
        "in": "header",
        "name": cad.SIGNATURE_HEADER,
        "required": True,
        "description": "sha256=<hex HMAC-SHA256 of the raw body, keyed with the feed's "
        "signing secret>",
        "schema": {"type": "string", "pattern": "^sha256=[0-9a-fA-F]{64}$"},
    },
    {
        "in": "header",
        "name": cad.IDEMPOTENCY_HEADER,
        "required": True,
        "description": "Names this delivery; a retry sends the same key and the same body.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    },
]


class CadOutcomeIn(Schema):
    """How a call ended, as the CAD cleared it. Unknown fields are ignored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    incident_number: IncidentNumber = Field(
        description="The incident number the call was sent with."
    )
    disposition: DispositionValue = Field(
        description="The program's disposition the CAD's clearance maps to; other: an "
        "outcome none of them describes."
    )
    outcome: Text = Field(
        "", max_length=200, description="The CAD's own words: its clearance code or text."
    )
    cleared_at: ZonedInstant | None = Field(
        None, description="When the CAD cleared the call: ISO 8601 with a time zone offset."
    )


class CadOutcomeOut(Schema):
    id: UUID
    reference: str
    incident_number: str
    disposition: str
    outcome: str
    cleared_at: datetime | None
    state: str


OUTCOME_BODY = {
    "required": True,
    "content": {"application/json": {"schema": CadOutcomeIn.model_json_schema()}},
}


def _reject_constant(name: str):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


def _payload_problems(body: bytes, schema=CadCallIn) -> tuple[Any, dict[str, list[str]]]:
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        return None, {"body": [_("Not valid JSON: %(reason)s.") % {"reason": error}]}
    if not isinstance(data, dict):
        return None, {"body": [_("Send one JSON object.")]}
    try:
        return schema.model_validate(data), {}
    except pydantic.ValidationError as error:
        problems: dict[str, list[str]] = {}
        for item in error.errors(include_url=False):
            where = ".".join(str(part) for part in item["loc"]) or "body"
            # Our own validators' words, without pydantic's "Value error, " before them.
            message = str(item["ctx"]["error"]) if item["type"] == "value_error" else item["msg"]
            problems.setdefault(where, []).append(message)
        return None, problems


@router.post(
    "/cad/calls",
    auth=[AgencyTokenAuth(), AgencyTokenHeader()],
    response={200: CadCallOut, 201: CadCallOut},
    summary="Receive a call from a CAD system",
    description="For a CAD feed's token only, with the body signed (HMAC-SHA256) and an "
    "Idempotency-Key. 201: the call was recorded; 200: a retry, answered with the call the "
    "first delivery made. 401 missing or wrong signature, 403 not a feed's token, 409 the "
    "key was used for another body, 422 a bad body, with the reason for each field.",
    openapi_extra={"requestBody": REQUEST_BODY, "parameters": HEADERS},
    throttle=ApiRateThrottle("cad"),  # a feed's own rate, high enough for a city's peak
)
def receive_cad_call(request: HttpRequest):
    feed = cad.feed_for(request.api_token)
    body = request.body
    cad.verify_signature(feed, body, request.headers.get(cad.SIGNATURE_HEADER))
    key = request.headers.get(cad.IDEMPOTENCY_HEADER)
    payload, problems = _payload_problems(body)
    key_problems = cad.idempotency_key_problems(key)
    if key_problems:
        problems[cad.IDEMPOTENCY_HEADER] = key_problems
    if problems:
        raise cad.DeliveryInvalid(_("The call could not be recorded."), fields=problems)
    delivered = cad.deliver(
        feed, key=key, body=body, call_in=cad.call_in_from(payload), request=request
    )
    call = delivered.call
    out = CadCallOut(
        id=call.pk,
        reference=call.reference,
        incident_number=call.external_id,
        received_at=call.received_at.astimezone(UTC),
        concerns=call.concerns,
        response=call.response,
        priority=call.priority,
        triage_response=call.triage_response,
        triage_priority=call.triage_priority,
        triage_rule=call.triage_rule,
        triage_says=call.triage_says,
        state=call.state,
    )
    return Status(201 if delivered.created else 200, out)


@router.post(
    "/cad/outcomes",
    auth=[AgencyTokenAuth(), AgencyTokenHeader()],
    response={200: CadOutcomeOut},
    summary="Receive how a CAD cleared a call",
    description="For a CAD feed's token only, signed and keyed as a call delivery. Sets the "
    "disposition, the CAD's words and its cleared time on the program's call with that "
    "incident number; the same update again changes nothing. 200 with the call's outcome "
    "(also for a retry); 404 no call has that incident number; 409 the key was used for "
    "another body; 422 a bad body, with the reason for each field.",
    openapi_extra={"requestBody": OUTCOME_BODY, "parameters": HEADERS},
    throttle=ApiRateThrottle("cad"),
)
def receive_cad_outcome(request: HttpRequest):
    feed = cad.feed_for(request.api_token)
    body = request.body
    cad.verify_signature(feed, body, request.headers.get(cad.SIGNATURE_HEADER))
    key = request.headers.get(cad.IDEMPOTENCY_HEADER)
    payload, problems = _payload_problems(body, CadOutcomeIn)
    key_problems = cad.idempotency_key_problems(key)
    if key_problems:
        problems[cad.IDEMPOTENCY_HEADER] = key_problems
    if problems:
        raise cad.DeliveryInvalid(_("The outcome could not be recorded."), fields=problems)
    delivered = cad.deliver_outcome(
        feed,
        key=key,
        body=body,
        incident_number=payload.incident_number,
        reported=ReportedOutcome(
            disposition=payload.disposition,
            outcome=payload.outcome,
            cleared_at=cad.cleared_at_from(payload.cleared_at),
            covers=DISPOSITIONS,  # a CAD's disposition may be any of them
        ),
        request=request,
    )
    call = delivered.call
    return CadOutcomeOut(
        id=call.pk,
        reference=call.reference,
        incident_number=call.external_id,
        disposition=call.reported_disposition,
        outcome=call.reported_outcome,
        cleared_at=call.reported_cleared_at.astimezone(UTC) if call.reported_cleared_at else None,
        state=call.state,
    )


# FHIR import ------------------------------------------------------------------------------


class FhirPersonOut(Schema):
    patient: str
    person: UUID
    by: str = ""


class FhirImportOut(Schema):
    source: str
    bundle_type: str
    read: dict[str, int] = Field(description="Every entry of the bundle, by resource type.")
    kept: dict[str, int] = Field(description="Held in the health summary after the import.")
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    skipped: dict[str, int] = Field(
        description="Read and not part of the health summary (or an older visit)."
    )
    persons_matched: list[FhirPersonOut]
    persons_created: list[FhirPersonOut]


class FhirImportQuery(Schema):
    source: str = Field(
        "", max_length=120, description="The EHR's name (default: your agency's name)."
    )
    part2_source: bool = Field(
        False, description="The EHR is a Part 2 program's: everything is kept as Part 2."
    )
    link: list[str] = Field(
        [],
        description="PATIENT_ID=PERSON_ID: a reviewer's choice of person for a patient "
        "(PATIENT_ID=new: none of the candidates, a new person).",
    )


FHIR_BODY = {
    "required": True,
    "content": {
        "application/fhir+json": {"schema": {"type": "object"}},
        "application/json": {"schema": {"type": "object"}},
    },
}


@router.post(
    "/fhir/import",
    response={200: FhirImportOut, 201: FhirImportOut},
    tags=["FHIR"],
    summary="Import an EHR's FHIR R4 bundle as health summaries",
    description="A transaction or collection Bundle (FHIR R4) from an EHR, for clinical staff "
    "of a health agency signed in. Each Patient is matched to the person index (a person is "
    "made only when no one is a likely match); its Conditions, medications, allergies, care "
    "plans and latest Encounters are kept as the person's health summary, clinical or Part 2. "
    "All or nothing: 201 something was stored, 200 the same bundle again (nothing changed); "
    "413 over the size limit (refused before parsing); 422 not FHIR R4 or a resource refused, "
    "each with its reason under `fields`; 409 a patient needs a person to choose who they "
    "are (`link` names the person for a patient id, or `new`).",
    openapi_extra={"requestBody": FHIR_BODY},
)
def import_fhir(request: HttpRequest, options: Query[FhirImportQuery]):
    source, part2_source, link = options.source, options.part2_source, options.link
    user = getattr(request, "user", None)
    if getattr(request, "api_token", None) is not None or not getattr(
        user, "is_authenticated", False
    ):
        raise PermissionDenied(
            _("An EHR bundle is imported by a signed-in clinician, not by an agency token.")
        )
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > importer.MAX_BUNDLE_BYTES:
        # Refused by its size before a byte is read or parsed.
        raise importer.BundleTooLarge(
            _("The bundle is larger than %(limit)s bytes, the most taken. Nothing was imported.")
            % {"limit": f"{importer.MAX_BUNDLE_BYTES:,}"},
            fields={
                "bundle": [
                    _("At most %(limit)s bytes.") % {"limit": f"{importer.MAX_BUNDLE_BYTES:,}"}
                ]
            },
        )
    raw = request.read(importer.MAX_BUNDLE_BYTES + 1)
    links = {}
    for pair in link:
        patient_id, _sep, person_id = pair.partition("=")
        try:
            person_id = person_id.strip()
            links[patient_id.strip()] = (
                importer.NEW_PERSON if person_id == importer.NEW_PERSON else UUID(person_id)
            )
        except ValueError:
            raise Invalid(
                _("Give each link as PATIENT_ID=PERSON_ID."), fields={"link": [pair[:120]]}
            ) from None
    read = importer.read_bundle(raw, part2_source=part2_source, today=timezone.localdate())
    report = import_fhir_bundle(
        read, source=source or user.agency.name, acting_user=user, links=links, request=request
    )
    status = 201 if report.created or report.updated or report.persons_created else 200
    return Status(status, report.as_dict())
