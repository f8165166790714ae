"""Our records as FHIR R4 resources: pure functions from what the read gate let through.

Every function here takes a `privacy.gate.Projection` (or plain values that are not a
person's information: staff, agencies, the directory) and returns a resource as a dict.
None reads a row's field itself: a field the reader may not see is absent from the
projection, so it is absent from the resource. Each resource carries the security labels
of the classes it shows (`labels_for`): Part 2 information is restricted (`R`), labelled
`42CFRPart2`, `ETH` and "no re-disclosure without consent" (`NORDSCLCD`); clinical
mental-health information is restricted and labelled `PSY`. See docs/fhir.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from coresponder.encounters.dispositions import WORDS as DISPOSITION_WORDS
from coresponder.privacy.classification import PART2_NOTICE, DataClass

from . import questionnaires

BASE = questionnaires.BASE
CODES = f"{BASE}/CodeSystem"
IDENTIFIERS = f"{BASE}/identifier"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
V3_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PART2_POLICY = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"
REDISCLOSURE_EXT = f"{BASE}/StructureDefinition/redisclosure-notice"
DATA_CLASS_EXT = f"{BASE}/StructureDefinition/privacy-class"

RESTRICTED = {"system": V3_CONFIDENTIALITY, "code": "R", "display": "restricted"}
PART2_LABELS = (
    RESTRICTED,
    {"system": V3_ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
    {"system": V3_ACT_CODE, "code": "ETH", "display": "substance abuse information sensitivity"},
    {
        "system": V3_ACT_CODE,
        "code": "NORDSCLCD",
        "display": "no redisclosure without consent directive",
    },
)
CLINICAL_LABELS = (
    RESTRICTED,
    {"system": V3_ACT_CODE, "code": "PSY", "display": "psychiatry information sensitivity"},
)


def labels_for(classes: Iterable[str]) -> list[dict]:
    """The security labels of a resource showing `classes`, each label once."""
    classes = set(classes)
    labels: list[dict] = []
    if DataClass.SUD_PART2 in classes:
        labels += PART2_LABELS
    if DataClass.CLINICAL in classes:
        labels += CLINICAL_LABELS
    unique = {(label["system"], label["code"]): label for label in labels}
    return list(unique.values())


def _meta(classes: Iterable[str]) -> dict:
    labels = labels_for(classes)
    return {"meta": {"security": labels}} if labels else {}


def instant(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def ref(resource_type: str, resource_id: Any) -> dict:
    return {"reference": f"{resource_type}/{resource_id}"}


def key_of(resource: Mapping) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


# Patient --------------------------------------------------------------------------------

GENDERS = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
NAME_USE = {"legal": "official", "preferred": "usual", "alias": "nickname"}
ADDRESS_USE = {"home": "home", "mailing": "home", "shelter": "temp", "last_known": "old"}
ADDRESS_TYPE = {"mailing": "postal"}


def patient(projection) -> dict:
    """A person as far as the reader may see them: names and identifiers of the classes
    shown, birth date, sex, languages (operational), phone, e-mail and addresses (care
    coordination)."""
    fields = projection.fields
    resource: dict[str, Any] = {"resourceType": "Patient", "id": str(projection.id)}
    names = []
    for name in projection.extra.get("names", []):
        if not name.has("kind"):
            continue
        given = [part for part in (name["given"], name["middle"]) if part]
        entry: dict[str, Any] = {"use": NAME_USE[name["kind"]]}
        if name["family"]:
            entry["family"] = name["family"]
        if given:
            entry["given"] = given
        names.append(entry)
    if names:
        resource["name"] = names
    identifiers = [
        {
            "system": f"{IDENTIFIERS}/{identifier['system']}",
            "value": identifier["value"],
            "assigner": {"display": identifier["issuer"]},
        }
        for identifier in projection.extra.get("identifiers", [])
        if identifier.has("system")
    ]
    if identifiers:
        resource["identifier"] = identifiers
    if fields.get("sex"):
        resource["gender"] = GENDERS.get(fields["sex"], "unknown")
    if isinstance(fields.get("date_of_birth"), date):
        resource["birthDate"] = fields["date_of_birth"].isoformat()
    if fields.get("languages"):
        resource["communication"] = [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}}
            for code in fields["languages"]
        ]
    telecom = []
    if fields.get("phone"):
        telecom.append({"system": "phone", "value": fields["phone"]})
    if fields.get("email"):
        telecom.append({"system": "email", "value": fields["email"]})
    if telecom:
        resource["telecom"] = telecom
    addresses = []
    for address in projection.extra.get("addresses", []):
        if not address.has("line1"):
            continue
        entry = {
            "use": ADDRESS_USE.get(address["kind"], "home"),
            "line": [line for line in (address["line1"], address["line2"]) if line],
        }
        if address["kind"] in ADDRESS_TYPE:
            entry["type"] = ADDRESS_TYPE[address["kind"]]
        for ours, theirs in (("city", "city"), ("region", "state"), ("postal_code", "postalCode")):
            if address[ours]:
                entry[theirs] = address[ours]
        addresses.append(entry)
    if addresses:
        resource["address"] = addresses
    shown = set(projection.shown)
    for child in projection.extra.get("identifiers", []):
        shown |= set(child.shown)
    return {**resource, **_meta(shown)}


# Staff, places, organisations (no person's information) ---------------------------------


def practitioner(user) -> dict:
    return {
        "resourceType": "Practitioner",
        "id": f"staff-{user.pk}",
        "name": [{"text": user.full_name or user.username}],
    }


def organization(resource_id: str, name: str) -> dict:
    return {"resourceType": "Organization", "id": resource_id, "name": name}


def agency_organization(agency) -> dict:
    return organization(f"agency-{agency.pk}", agency.name)


def location(call_projection) -> dict | None:
    """Where the call sent the team: the call's address and position (operational)."""
    fields = call_projection.fields
    if not fields.get("address") and fields.get("latitude") is None:
        return None
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": f"call-{call_projection.id}",
        "mode": "instance",
    }
    if fields.get("address"):
        resource["address"] = {"text": fields["address"]}
    if fields.get("latitude") is not None and fields.get("longitude") is not None:
        resource["position"] = {"latitude": fields["latitude"], "longitude": fields["longitude"]}
    return resource


# Encounter ------------------------------------------------------------------------------


def encounter(
    projection,
    *,
    person_id,
    members: Iterable[tuple[Any, str]],
    on_scene_at: datetime | None,
    location_id: str | None,
) -> dict:
    """The co-responder encounter: its period (on scene, else the call's time, to its
    completion), where, who by role, and the disposition as the discharge disposition."""
    fields = projection.fields
    (call,) = projection.extra["call"]
    start = on_scene_at or call.get("received_at")
    period: dict[str, str] = {}
    if start is not None:
        period["start"] = instant(start)
    if fields.get("completed_at") is not None:
        period["end"] = instant(fields["completed_at"])
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(projection.id),
        "status": "finished" if fields["state"] == "complete" else "in-progress",
        "class": {"system": V3_ACT_CODE, "code": "FLD", "display": "field"},
        "type": [{"coding": [{"system": f"{CODES}/encounter-type", "code": "co-responder"}]}],
        "subject": ref("Patient", person_id),
        "identifier": [{"system": f"{IDENTIFIERS}/call", "value": call["reference"]}]
        if call.has("reference")
        else [],
        "participant": [
            {
                "type": [
                    {
                        "coding": [
                            {"system": V3_PARTICIPATION, "code": "PART", "display": "Participation"}
                        ],
                        "text": role,
                    }
                ],
                "individual": ref("Practitioner", f"staff-{user.pk}"),
            }
            for user, role in members
        ],
    }
    if not resource["identifier"]:
        del resource["identifier"]
    if not resource["participant"]:
        del resource["participant"]
    if period:
        resource["period"] = period
    if location_id:
        resource["location"] = [{"location": ref("Location", location_id)}]
    disposition = fields.get("disposition")
    if disposition:
        discharge: dict[str, Any] = {
            "dischargeDisposition": {
                "coding": [
                    {
                        "system": f"{CODES}/disposition",
                        "code": disposition,
                        "display": str(DISPOSITION_WORDS.get(disposition, disposition)),
                    }
                ],
            }
        }
        if fields.get("destination"):
            discharge["destination"] = {"display": fields["destination"]}
        resource["hospitalization"] = discharge
    if fields.get("interventions") or fields.get("interventions_note"):
        resource["reasonCode"] = [
            {"coding": [{"system": f"{CODES}/intervention", "code": code}]}
            for code in fields.get("interventions", [])
        ] + ([{"text": fields["interventions_note"]}] if fields.get("interventions_note") else [])
    return {**resource, **_meta(projection.shown)}


# Assessments: QuestionnaireResponse and Observation ---------------------------------------


def questionnaire_response(assessment, *, person_id, encounter_id) -> dict:
    """An instrument's answers (clinical), pointing at the Questionnaire made from it."""
    instrument = assessment["instrument"]
    parsed = instrument.parsed()
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(assessment.id),
        "questionnaire": questionnaires.canonical(instrument.key, instrument.version),
        "status": "completed" if assessment["complete"] else "in-progress",
        "subject": ref("Patient", person_id),
        "encounter": ref("Encounter", encounter_id),
        "authored": instant(assessment["updated_at"]),
        "item": questionnaires.response_items(parsed, assessment["answers"]),
    }
    if not resource["item"]:
        del resource["item"]
    return {**resource, **_meta(assessment.shown)}


def screening_observation(assessment, *, person_id, encounter_id) -> dict | None:
    """The screening's result (its risk band) as an Observation, for an instrument with
    bands, answered completely."""
    if not assessment["complete"] or not assessment["level"]:
        return None
    instrument = assessment["instrument"]
    return {
        "resourceType": "Observation",
        "id": str(assessment.id),
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {
            "coding": [{"system": f"{CODES}/instrument", "code": instrument.key}],
            "text": instrument.title,
        },
        "subject": ref("Patient", person_id),
        "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": instant(assessment["updated_at"]),
        "valueCodeableConcept": {
            "coding": [
                {
                    "system": f"{CODES}/{instrument.key}-band",
                    "code": assessment["level"],
                    "display": assessment["label"],
                }
            ],
            "text": assessment["label"],
        },
        "derivedFrom": [ref("QuestionnaireResponse", assessment.id)],
        **_meta(assessment.shown),
    }


# Care plans -----------------------------------------------------------------------------


def _notes(pairs: Iterable[tuple[str, Any]]) -> list[dict]:
    notes = []
    for label, value in pairs:
        if value in (None, "", []):
            continue
        text = value
        if isinstance(value, list):
            text = "; ".join(
                ", ".join(str(part) for part in item.values() if part)
                if isinstance(item, Mapping)
                else str(item)
                for item in value
            )
        notes.append({"text": f"{label}: {text}"})
    return notes


def response_plan_care_plan(projection, *, labels: Mapping[str, str]) -> dict:
    """A response plan: its safety summary (public safety) and, for a reader of the
    clinical class, the whole plan, each part as a note."""
    fields = projection.fields
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(projection.id),
        "status": "active" if fields["state"] == "approved" else "draft",
        "intent": "plan",
        "category": [{"coding": [{"system": f"{CODES}/care-plan", "code": "response-plan"}]}],
        "title": "Response plan",
        "subject": ref("Patient", projection.person_id),
        "period": {"end": fields["review_by"].isoformat()},
    }
    names = projection.of_class(DataClass.PUBLIC_SAFETY) + projection.of_class(DataClass.CLINICAL)
    notes = _notes((str(labels[name]), fields[name]) for name in names)
    if notes:
        resource["note"] = notes
    return {**resource, **_meta(projection.shown)}


def safety_plan_care_plan(
    revision, *, person_id, instrument, questionnaire_canonical: str | None
) -> dict:
    """The latest revision of the person's Stanley–Brown safety plan (clinical)."""
    answers = revision["answers"]
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"safety-plan-{revision.id}",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [{"system": f"{CODES}/care-plan", "code": "safety-plan"}]}],
        "title": "Stanley–Brown safety plan",
        "subject": ref("Patient", person_id),
        "created": instant(revision["written_at"]),
    }
    if instrument is not None:
        pairs = [(q.text, answers.get(q.key)) for q in instrument.questions]
    else:
        pairs = list(answers.items())
    notes = _notes(pairs)
    if revision.get("note"):
        notes.append({"text": f"What changed: {revision['note']}"})
    if notes:
        resource["note"] = notes
    if questionnaire_canonical:
        resource["instantiatesCanonical"] = [questionnaire_canonical]
    return {**resource, **_meta(revision.shown)}


# Referrals: ServiceRequest and Task -----------------------------------------------------

REQUEST_STATUS = {
    "sent": "active",
    "received": "active",
    "accepted": "active",
    "scheduled": "active",
    "attended": "completed",
    "declined": "revoked",
    "no_show": "completed",
    "withdrawn": "revoked",
    "information_given": "completed",
}
TASK_STATUS = {
    "sent": "requested",
    "received": "received",
    "accepted": "accepted",
    "scheduled": "in-progress",
    "attended": "completed",
    "declined": "rejected",
    "no_show": "failed",
    "withdrawn": "cancelled",
}


def service_request(projection, *, organization_id: str | None) -> dict:
    """A referral as the request for a service: what for, to whom, what the person needs."""
    fields = projection.fields
    service = fields["service"]
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(projection.id),
        "status": REQUEST_STATUS.get(fields.get("state", ""), "unknown"),
        "intent": "order" if fields.get("kind") == "referral" else "proposal",
        "code": {
            "coding": [{"system": f"{CODES}/service-kind", "code": service.kind}],
            "text": service.name,
        },
        "subject": ref("Patient", projection.person_id),
        "authoredOn": instant(fields["sent_at"]),
    }
    if fields.get("encounter") is not None:
        resource["encounter"] = ref("Encounter", _pk(fields["encounter"]))
    if organization_id:
        resource["performer"] = [ref("Organization", organization_id)]
    if fields.get("need"):
        resource["note"] = [{"text": fields["need"]}]
    if fields.get("appointment_at") is not None:
        resource["occurrenceDateTime"] = instant(fields["appointment_at"])
    return {**resource, **_meta(projection.shown)}


def referral_task(projection, *, organization_id: str | None) -> dict | None:
    """The referral's closed loop as a Task: its state, and who owns the next step."""
    fields = projection.fields
    if fields.get("kind") != "referral" or fields.get("state") not in TASK_STATUS:
        return None
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(projection.id),
        "status": TASK_STATUS[fields["state"]],
        "intent": "order",
        "code": {"text": "Fulfil the referral"},
        "focus": ref("ServiceRequest", projection.id),
        "basedOn": [ref("ServiceRequest", projection.id)],
        "for": ref("Patient", projection.person_id),
        "authoredOn": instant(fields["sent_at"]),
        "lastModified": instant(fields["moved_at"]),
    }
    if organization_id:
        resource["owner"] = ref("Organization", organization_id)
    if fields.get("state") == "declined" and fields.get("decline_reason"):
        resource["statusReason"] = {"text": fields["decline_reason"]}
    return {**resource, **_meta(projection.shown)}


def _pk(value) -> Any:
    return getattr(value, "pk", value)


# Consent --------------------------------------------------------------------------------

CONSENT_STATUS = {
    "in_force": "active",
    "not_yet": "proposed",
    "expired": "inactive",
    "revoked": "inactive",
}


def consent(row, *, at: datetime, recipients: Iterable[Any]) -> dict:
    """A consent (general, or 42 CFR Part 2 with the re-disclosure notice)."""
    part2 = row.kind == "part2"
    period = {"start": instant(row.starts_at)}
    if row.ends_at is not None:
        period["end"] = instant(row.ends_at)
    provision: dict[str, Any] = {
        "type": "permit",
        "period": period,
        "actor": [
            {
                "role": {
                    "coding": [
                        {
                            "system": V3_PARTICIPATION,
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": ref("Organization", f"agency-{agency.pk}"),
            }
            for agency in recipients
        ],
        "purpose": [{"system": f"{CODES}/consent-purpose", "code": row.purpose}],
        "securityLabel": [
            {"system": f"{CODES}/privacy-class", "code": name} for name in row.data_classes
        ],
    }
    if not provision["actor"]:
        del provision["actor"]
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": str(row.pk),
        "status": CONSENT_STATUS[row.state(at)],
        "scope": {
            "coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}],
        },
        "category": [
            {
                "coding": [
                    {
                        "system": LOINC,
                        "code": "64292-6" if part2 else "59284-0",
                        "display": "Release of information consent" if part2 else "Patient Consent",
                    }
                ]
            }
        ],
        "patient": ref("Patient", row.person_id),
        "dateTime": instant(row.recorded_at),
        "provision": provision,
    }
    if row.recipient_agency_kinds:
        resource["provision"]["class"] = [
            {"system": f"{CODES}/agency-kind", "code": kind} for kind in row.recipient_agency_kinds
        ]
    if part2:
        notice = str(PART2_NOTICE)
        resource["policy"] = [{"uri": PART2_POLICY}]
        resource["provision"]["extension"] = [{"url": REDISCLOSURE_EXT, "valueString": notice}]
        resource["text"] = {
            "status": "additional",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{notice}</p></div>',
        }
        return {**resource, **_meta({DataClass.SUD_PART2})}
    return resource


# Bundle ---------------------------------------------------------------------------------


def bundle(
    resources: Iterable[dict], *, bundle_type: str, bundle_id: str, at: datetime, base_url: str
) -> dict:
    """The resources, each once, in a Bundle whose security labels are the union of its
    entries' (a Part 2 entry's Consent carries the re-disclosure notice itself)."""
    unique: dict[str, dict] = {}
    for resource in resources:
        unique.setdefault(key_of(resource), resource)
    labels: dict[tuple[str, str], dict] = {}
    for resource in unique.values():
        for label in resource.get("meta", {}).get("security", []):
            labels[(label["system"], label["code"])] = label
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": bundle_type,
        "timestamp": instant(at),
        "entry": [
            {
                "fullUrl": f"{base_url}/{key_of(resource)}",
                "resource": resource,
                **({"search": {"mode": "match"}} if bundle_type == "searchset" else {}),
            }
            for resource in unique.values()
        ],
    }
    if bundle_type == "searchset":
        result["total"] = len(unique)
    if labels:
        result["meta"] = {"security": list(labels.values())}
    return result


def references_in(value: Any) -> set[str]:
    """Every relative reference (`Type/id`) inside a resource."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        reference = value.get("reference")
        if isinstance(reference, str):
            found.add(reference)
        for inner in value.values():
            found |= references_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references_in(inner)
    return found
