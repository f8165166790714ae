"""Reading an EHR's FHIR R4 bundle into what Coresponder keeps: pure decisions, no writes.

`read_bundle()` takes the bytes as received and either returns everything the import will
write (`BundleRead`: the patients and the health-summary lines, each with its class) or
refuses the whole bundle (`BundleRefused`, every problem with its resource and reason).
Nothing is written here: `interop.actions.import_fhir_bundle` matches the patients to the
person index and writes, all or nothing.

- The size is checked before a byte is parsed (`MAX_BUNDLE_BYTES`).
- The bundle is validated with `fhir.resources`' R4B models (R4B is R4 with fixes, and
  reads R4 resources); a resource type R4 does not have, or an element only R5 has, refuses.
- Kept: Condition, MedicationRequest, MedicationStatement, AllergyIntolerance, CarePlan,
  and the `RECENT_VISITS` latest Encounters of each patient. Other resources are counted and
  left. Every kept resource must name its Patient (and any encounter) inside the bundle.
- Class: clinical, or Part 2 (`sud_part2`) when it is coded as a substance-use disorder
  (the codes in `substance-use-codes.json`), is for or about such a condition
  (`reasonReference`, `addresses`, `reasonCode`), carries the `42CFRPart2` security label
  (on itself or the bundle), or comes from a source the importer names a Part 2 program.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from coresponder.accounts.models import AgencyKind, Role
from coresponder.core.exceptions import Conflict, DomainError, Invalid
from coresponder.core.languages import NAMES as LANGUAGE_NAMES
from coresponder.people.matching import LIKELY_SCORE, STRONG_SCORE, Candidate, strength
from coresponder.people.models import NameKind, PersonName, Sex
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import Requester

from ..models import FHIR_ID_MAX, SOURCE_MAX, HealthRecord, HealthRecordKind

# A Synthea patient's whole life is 0.2 to 1 MB; 20 MiB is far past any one EHR export
# we take in one request, and well short of what would tie up a worker.
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
BUNDLE_TYPES = ("transaction", "collection")
KEPT = {
    "Condition": HealthRecordKind.CONDITION,
    "MedicationRequest": HealthRecordKind.MEDICATION,
    "MedicationStatement": HealthRecordKind.MEDICATION,
    "AllergyIntolerance": HealthRecordKind.ALLERGY,
    "CarePlan": HealthRecordKind.CARE_PLAN,
    "Encounter": HealthRecordKind.VISIT,
}
# The latest visits tell a clinician where the person was last seen; a life's worth does not.
RECENT_VISITS = 5
PART2_LABEL = "42CFRPart2"  # HL7 v3 ActCode, as a bundle's or a resource's meta.security
CODES_FILE = Path(__file__).with_name("substance-use-codes.json")
TEXT_MAX = HealthRecord._meta.get_field("text").max_length
NAME_MAX = PersonName._meta.get_field("given").max_length
# Who imports an EHR's bundle: the health agency's clinical staff, whose EHR it is.
IMPORTER_ROLES = frozenset({Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR})
IMPORTER_AGENCIES = frozenset({AgencyKind.BEHAVIORAL_HEALTH, AgencyKind.HOSPITAL})


def may_import(requester: Requester | None) -> bool:
    """Whether someone may import EHR bundles: clinical staff of a health agency."""
    return (
        requester is not None
        and bool(requester.roles & IMPORTER_ROLES)
        and requester.agency_kind in IMPORTER_AGENCIES
    )


# Refusals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    resource: str  # "Condition/abc" or "entry 3" or "bundle"
    reason: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.reason}"


def _fields(refusals: list[Refusal]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for refusal in refusals:
        fields.setdefault(refusal.resource, []).append(refusal.reason)
    return fields


class BundleRefused(Invalid):
    """The bundle cannot be imported as it is: nothing of it was stored (422)."""

    code = "fhir_refused"

    def __init__(self, message: str, refusals: list[Refusal]) -> None:
        super().__init__(message, fields=_fields(refusals))
        self.refusals = refusals


class BundleTooLarge(DomainError):
    code = "too_large"
    status = 413


class PatientsNeedReview(Conflict):
    """A patient matches persons too closely to create a new one and not closely enough to
    be sure which: a person must choose (409), and nothing was stored."""

    code = "needs_review"

    def __init__(self, message: str, refusals: list[Refusal]) -> None:
        super().__init__(message, fields=_fields(refusals))
        self.refusals = refusals


# What is read --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameRead:
    kind: str
    given: str
    middle: str
    family: str


@dataclass
class PatientRead:
    resource_id: str
    names: list[NameRead]
    birth_date: date | None
    sex: str
    languages: list[str]
    record_number: str  # the EHR's medical record number, for the person search

    @property
    def label(self) -> str:
        return f"Patient/{self.resource_id}"

    @property
    def search_name(self) -> str:
        first = self.names[0]
        return " ".join(part for part in (first.given, first.family) if part)


@dataclass
class RecordRead:
    """One line of the health summary, as `HealthRecord` holds it."""

    resource_type: str
    resource_id: str
    patient_id: str
    kind: str
    data_class: str
    text: str
    code_system: str = ""
    code: str = ""
    status: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "data_class": self.data_class,
            "text": self.text,
            "code_system": self.code_system,
            "code": self.code,
            "status": self.status,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }


@dataclass
class BundleRead:
    bundle_type: str
    read: Counter = field(default_factory=Counter)  # every entry, by resource type
    skipped: Counter = field(default_factory=Counter)  # read and not kept, by type
    patients: list[PatientRead] = field(default_factory=list)
    records: list[RecordRead] = field(default_factory=list)

    @property
    def resources(self) -> int:
        return sum(self.read.values())


# Substance-use codes -----------------------------------------------------------------------


@dataclass(frozen=True)
class SubstanceUseCodes:
    icd10_categories: frozenset[str]
    icd10_systems: frozenset[str]
    snomed_codes: frozenset[str]
    snomed_systems: frozenset[str]

    def names(self, system: str, code: str) -> bool:
        code = (code or "").strip().upper()
        if system in self.icd10_systems:
            return code[:3] in self.icd10_categories
        if system in self.snomed_systems:
            return code in self.snomed_codes
        return False


@cache
def substance_use_codes() -> SubstanceUseCodes:
    data = json.loads(CODES_FILE.read_text(encoding="utf-8"))
    return SubstanceUseCodes(
        icd10_categories=frozenset(data["icd10_categories"]),
        icd10_systems=frozenset(data["icd10_systems"]),
        snomed_codes=frozenset(data["snomed_codes"]),
        snomed_systems=frozenset(data["snomed_systems"]),
    )


# Reading ---------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


def read_bundle(raw: bytes, *, part2_source: bool = False, today: date) -> BundleRead:
    """The bundle's patients and summary lines, or `BundleRefused` with every problem."""
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleTooLarge(
            _("The bundle is %(size)s bytes; at most %(limit)s are taken. Nothing was imported.")
            % {"size": f"{len(raw):,}", "limit": f"{MAX_BUNDLE_BYTES:,}"},
            fields={"bundle": [_("At most %(limit)s bytes.") % {"limit": f"{MAX_BUNDLE_BYTES:,}"}]},
        )
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise _refused(_("not JSON: %(reason)s") % {"reason": error}) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise _refused(_("not a FHIR Bundle (no resourceType “Bundle”)"))
    if data.get("type") not in BUNDLE_TYPES:
        raise _refused(
            _("a bundle of type “%(type)s”; a transaction or a collection is taken")
            % {"type": str(data.get("type"))[:40]}
        )
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise _refused(_("“entry” is not a list"))
    refusals = _unknown_types(entries)
    if refusals:
        raise BundleRefused(_("The bundle is not FHIR R4. Nothing was imported."), refusals)
    try:
        # From the bytes: pydantic's own JSON parser validates a third faster than from
        # the parsed objects. The objects are still what is read below.
        Bundle.model_validate_json(raw)
    except pydantic.ValidationError as error:
        raise BundleRefused(
            _("The bundle is not valid FHIR R4. Nothing was imported."),
            _validation_refusals(error, entries),
        ) from None
    return _read_valid(data, entries, part2_source=part2_source, today=today)


def _refused(reason: str) -> BundleRefused:
    return BundleRefused(
        _("The file is not a FHIR R4 bundle. Nothing was imported."), [Refusal("bundle", reason)]
    )


def _label(entry: Any, index: int) -> str:
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if isinstance(resource, dict) and resource.get("resourceType"):
        kind = str(resource["resourceType"])[:40]
        return f"{kind}/{str(resource.get('id', ''))[:64]}" if resource.get("id") else kind
    return _("entry %(number)d") % {"number": index + 1}


def is_r4_resource(kind: Any) -> bool:
    """Whether `kind` names a resource of FHIR R4 (as R4B has it); data types are not."""
    if not isinstance(kind, str) or not kind.isascii() or not kind.isalpha():
        return False
    try:
        model = get_fhir_model_class(kind)
    except (ValueError, KeyError):
        return False
    return issubclass(model, Resource)


def _unknown_types(entries: list) -> list[Refusal]:
    refusals = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            refusals.append(Refusal(_label(entry, index), _("the entry holds no resource")))
            continue
        kind = resource.get("resourceType")
        if not is_r4_resource(kind):
            refusals.append(
                Refusal(
                    _label(entry, index),
                    _("“%(type)s” is not an R4 resource type (R5 or later, or none)")
                    % {"type": str(kind)[:40]},
                )
            )
    return refusals


def _validation_refusals(error: pydantic.ValidationError, entries: list) -> list[Refusal]:
    refusals = []
    for problem in error.errors(include_url=False)[:50]:
        location = problem["loc"]
        if len(location) >= 2 and location[0] == "entry" and isinstance(location[1], int):
            where = _label(entries[location[1]], location[1])
            path = ".".join(str(part) for part in location[3:])  # after entry.N.resource
        else:
            where, path = "bundle", ".".join(str(part) for part in location)
        message = problem["msg"]
        if message == "Extra inputs are not permitted":
            message = _("an element R4 does not have (R5 or later?)")
        refusals.append(Refusal(where, f"{path}: {message}" if path else message))
    return refusals


def _read_valid(data: dict, entries: list, *, part2_source: bool, today: date) -> BundleRead:
    read = BundleRead(bundle_type=data["type"])
    refusals: list[Refusal] = []
    whole_part2 = part2_source or _labelled_part2(data)
    by_reference: dict[str, dict] = {}
    for entry in entries:
        resource = entry["resource"]
        read.read[resource["resourceType"]] += 1
        if entry.get("fullUrl"):
            by_reference[entry["fullUrl"]] = resource
        if resource.get("id"):
            by_reference[f"{resource['resourceType']}/{resource['id']}"] = resource
    codes = substance_use_codes()
    patients: dict[int, PatientRead] = {}
    for entry in entries:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            patient = _patient(resource, refusals, today=today)
            if patient is not None:
                patients[id(resource)] = patient
                read.patients.append(patient)
    if not any(entry["resource"]["resourceType"] == "Patient" for entry in entries):
        refusals.append(Refusal("bundle", _("the bundle holds no Patient")))
    visits: dict[str, list[RecordRead]] = defaultdict(list)
    for entry in entries:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind not in KEPT:
            if kind != "Patient":
                read.skipped[kind] += 1
            continue
        record = _record(
            resource,
            by_reference=by_reference,
            patients=patients,
            codes=codes,
            refusals=refusals,
            whole_part2=whole_part2,
        )
        if record is None:
            continue
        if record.kind == HealthRecordKind.VISIT:
            visits[record.patient_id].append(record)
        else:
            read.records.append(record)
    for patient_visits in visits.values():
        patient_visits.sort(
            key=lambda visit: visit.started_at or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )
        read.records.extend(patient_visits[:RECENT_VISITS])
        read.skipped["Encounter"] += len(patient_visits[RECENT_VISITS:])
    if refusals:
        raise BundleRefused(_("The bundle cannot be imported. Nothing was imported."), refusals)
    return read


def _labelled_part2(resource: dict) -> bool:
    meta = resource.get("meta") or {}
    return any(label.get("code") == PART2_LABEL for label in meta.get("security") or [])


# Patients ----------------------------------------------------------------------------------


NAME_KINDS = {
    None: NameKind.LEGAL,
    "official": NameKind.LEGAL,
    "usual": NameKind.LEGAL,
    "nickname": NameKind.PREFERRED,
}
SEXES = {"male": Sex.MALE, "female": Sex.FEMALE}


def name_problem(text: str) -> str | None:
    """Why a part of a name (stripped) cannot be a person's name here, or None."""
    if not text.strip():
        return _("is blank")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        return _("holds control characters or broken Unicode")
    if len(text.strip()) > NAME_MAX:
        return _("is longer than %(max)d characters") % {"max": NAME_MAX}
    return None


def _patient(resource: dict, refusals: list[Refusal], *, today: date) -> PatientRead | None:
    label = f"Patient/{resource.get('id', '')}"
    if not resource.get("id"):
        refusals.append(Refusal("Patient", _("a Patient without an id cannot be matched again")))
        return None
    names, legal_seen = [], False
    for number, name in enumerate(resource.get("name") or [], start=1):
        given = [part.strip() for part in name.get("given") or []]
        family = (name.get("family") or "").strip()
        if not given and not family and name.get("text"):
            *given, family = name["text"].split() or [""]
        # A family name sent (even blank) is checked; one not sent is not there to check.
        parts = [*given, family] if family or name.get("family") is not None else given
        for part in parts:
            problem = name_problem(part)
            if problem:
                refusals.append(
                    Refusal(
                        label,
                        _("name %(number)d: “%(part)s” %(problem)s")
                        % {"number": number, "part": part[:40], "problem": problem},
                    )
                )
        kind = NAME_KINDS.get(name.get("use"), NameKind.ALIAS)
        if kind == NameKind.LEGAL:
            kind = NameKind.ALIAS if legal_seen else NameKind.LEGAL
            legal_seen = True
        read = NameRead(
            kind=kind,
            given=given[0] if given else "",
            middle=" ".join(given[1:])[:NAME_MAX],
            family=family,
        )
        if read.given or read.family:
            names.append(read)
    if not names:
        refusals.append(Refusal(label, _("the Patient has no name to match or register")))
    birth_date = None
    if resource.get("birthDate"):
        # A year or a month alone ("1984", "1984-07") is no date of birth to match on.
        birth_date = parse_date(resource["birthDate"])
        if birth_date is not None and birth_date > today:
            refusals.append(Refusal(label, _("the birth date is in the future")))
    languages = []
    for communication in resource.get("communication") or []:
        for coding in (communication.get("language") or {}).get("coding") or []:
            code = (coding.get("code") or "").split("-")[0].lower()
            if code in LANGUAGE_NAMES and code not in languages:
                languages.append(code)
    record_number = ""
    for identifier in resource.get("identifier") or []:
        codings = (identifier.get("type") or {}).get("coding") or []
        if any(coding.get("code") == "MR" for coding in codings):
            record_number = (identifier.get("value") or "")[:64]
            break
    if any(refusal.resource == label for refusal in refusals):
        return None
    return PatientRead(
        resource_id=resource["id"],
        names=names,
        birth_date=birth_date,
        sex=SEXES.get(resource.get("gender"), Sex.UNKNOWN),
        languages=languages,
        record_number=record_number,
    )


# Summary lines ---------------------------------------------------------------------------


def _record(
    resource: dict,
    *,
    by_reference: dict[str, dict],
    patients: dict[int, PatientRead],
    codes: SubstanceUseCodes,
    refusals: list[Refusal],
    whole_part2: bool,
) -> RecordRead | None:
    kind = resource["resourceType"]
    label = f"{kind}/{resource.get('id', '')}"
    if not resource.get("id"):
        refusals.append(Refusal(kind, _("a resource without an id cannot be imported again")))
        return None
    if len(resource["id"]) > FHIR_ID_MAX:
        refusals.append(Refusal(label[:80], _("the id is longer than 64 characters")))
        return None
    subject = resource.get("patient") if kind == "AllergyIntolerance" else resource.get("subject")
    reference = (subject or {}).get("reference", "")
    target = by_reference.get(reference)
    if not reference:
        refusals.append(Refusal(label, _("names no patient")))
        return None
    if target is None or target.get("resourceType") != "Patient":
        refusals.append(
            Refusal(
                label,
                _("refers to “%(reference)s”, which is not a Patient in the bundle")
                % {"reference": reference[:120]},
            )
        )
        return None
    patient = patients.get(id(target))
    for name in ("encounter", "context"):
        other = (resource.get(name) or {}).get("reference")
        if other and other not in by_reference:
            refusals.append(
                Refusal(
                    label,
                    _("refers to “%(reference)s”, which is not in the bundle")
                    % {"reference": other[:120]},
                )
            )
            return None
    if patient is None:
        return None  # the Patient is refused already
    coded = _concept(resource, kind, by_reference)
    text = (coded.get("text") or _("(not named)")).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r" for ch in text):
        refusals.append(Refusal(label, _("its text holds control characters or broken Unicode")))
        return None
    started, ended = _period(resource, kind)
    part2 = (
        whole_part2
        or _labelled_part2(resource)
        or any(codes.names(system, code) for system, code in coded["codings"])
        or _about_substance_use(resource, by_reference, codes)
    )
    system, code = coded["codings"][0] if coded["codings"] else ("", "")
    return RecordRead(
        resource_type=kind,
        resource_id=resource["id"],
        patient_id=patient.resource_id,
        kind=KEPT[kind],
        data_class=(DataClass.SUD_PART2 if part2 else DataClass.CLINICAL).value,
        text=text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…",
        code_system=system[:200],
        code=code[:64],
        status=_status(resource, kind)[:40],
        started_at=started,
        ended_at=ended,
    )


def _codings(concept: dict | None) -> list[tuple[str, str]]:
    return [
        (coding.get("system") or "", coding.get("code") or "")
        for coding in (concept or {}).get("coding") or []
        if coding.get("code")
    ]


def _words(concept: dict | None) -> str:
    concept = concept or {}
    if concept.get("text"):
        return concept["text"]
    for coding in concept.get("coding") or []:
        if coding.get("display") or coding.get("code"):
            return coding.get("display") or coding["code"]
    return ""


def _concept(resource: dict, kind: str, by_reference: dict[str, dict]) -> dict:
    """What the resource is about, in words, and its codes."""
    if kind in ("MedicationRequest", "MedicationStatement"):
        concept = resource.get("medicationCodeableConcept")
        if concept is None:
            medication = by_reference.get(
                (resource.get("medicationReference") or {}).get("reference")
            )
            concept = (medication or {}).get("code")
        return {"text": _words(concept), "codings": _codings(concept)}
    if kind == "CarePlan":
        categories = [
            words
            for category in resource.get("category") or []
            if (words := _words(category)) and words != "assess-plan"
        ]
        activities = [
            words
            for activity in resource.get("activity") or []
            if (words := _words((activity.get("detail") or {}).get("code")))
        ]
        text = resource.get("title") or "; ".join(categories) or _("Care plan")
        if activities:
            text = f"{text}: {', '.join(activities)}"
        codings = [c for category in resource.get("category") or [] for c in _codings(category)]
        return {"text": text, "codings": codings}
    if kind == "Encounter":
        types = resource.get("type") or []
        words = _words(types[0]) if types else ""
        if not words:
            words = (resource.get("class") or {}).get("display") or (
                resource.get("class") or {}
            ).get("code", "")
        codings = _codings(types[0]) if types else []
        return {"text": words, "codings": codings + _reason_codings(resource)}
    concept = resource.get("code")
    return {"text": _words(concept), "codings": _codings(concept)}


def _reason_codings(resource: dict) -> list[tuple[str, str]]:
    return [c for reason in resource.get("reasonCode") or [] for c in _codings(reason)]


def _about_substance_use(resource: dict, by_reference: dict, codes: SubstanceUseCodes) -> bool:
    """Whether the resource is for, or addresses, a substance-use condition of the bundle."""
    if any(codes.names(system, code) for system, code in _reason_codings(resource)):
        return True
    for name in ("reasonReference", "addresses"):
        for reference in resource.get(name) or []:
            target = by_reference.get(reference.get("reference"))
            if target and any(
                codes.names(system, code) for system, code in _codings(target.get("code"))
            ):
                return True
    return False


def _status(resource: dict, kind: str) -> str:
    if kind in ("Condition", "AllergyIntolerance"):
        codings = _codings(resource.get("clinicalStatus"))
        return codings[0][1] if codings else ""
    return resource.get("status") or ""


def _instant(value: str | None) -> datetime | None:
    """A FHIR date or dateTime as an instant; a date alone is its day's start in UTC, and a
    year or month alone is left out (no instant to show)."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    day = parse_date(value)
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def _period(resource: dict, kind: str) -> tuple[datetime | None, datetime | None]:
    period = resource.get("period") or resource.get("effectivePeriod") or {}
    if kind == "Condition":
        return (
            _instant(resource.get("onsetDateTime") or resource.get("recordedDate")),
            _instant(resource.get("abatementDateTime")),
        )
    if kind == "MedicationRequest":
        return _instant(resource.get("authoredOn")), None
    if kind == "MedicationStatement":
        start = resource.get("effectiveDateTime") or period.get("start")
        return _instant(start or resource.get("dateAsserted")), _instant(period.get("end"))
    if kind == "AllergyIntolerance":
        return _instant(resource.get("onsetDateTime") or resource.get("recordedDate")), None
    return _instant(period.get("start")), _instant(period.get("end"))


# Matching --------------------------------------------------------------------------------


# A reviewer's answer for a patient: none of the candidates, a new person.
NEW_PERSON = "new"


@dataclass(frozen=True)
class MatchDecision:
    """What to do with one EHR patient: match a person, make one, or ask a person."""

    person: Any = None  # the person matched
    create: bool = False
    review: str = ""  # why a person must choose


def decide_match(candidates: list[Candidate]) -> MatchDecision:
    """The rule: a new person only when no one in the index is even a likely match; a match
    only when exactly one candidate is strong (name and birth date, or an identifier) and no
    other is likely; anything between is refused for review, never guessed."""
    likely = [c for c in candidates if c.score >= LIKELY_SCORE]
    strong = [c for c in likely if c.score >= STRONG_SCORE]
    if not likely:
        return MatchDecision(create=True)
    if len(strong) == 1 and len(likely) == 1:
        return MatchDecision(person=strong[0].person)
    described = "; ".join(
        f"person {c.person.pk} ({strength(c.score).lower()}: {', '.join(c.reasons) or '-'})"
        for c in likely[:5]
    )
    return MatchDecision(
        review=_(
            "%(count)d persons in the index could be this patient, none surely: %(who)s. "
            "Link the patient to one of them, or to “new” for a new person, and import again."
        )
        % {"count": len(likely), "who": described}
    )


def check_source(source: str) -> str:
    """The source's name as kept, or `Invalid` saying why it cannot be."""
    source = (source or "").strip()
    if not source or len(source) > SOURCE_MAX or name_problem(source):
        raise Invalid(
            _("Name the EHR the bundle comes from in 1 to %(max)d characters of text.")
            % {"max": SOURCE_MAX},
            fields={"source": [_("1 to %(max)d characters.") % {"max": SOURCE_MAX}]},
        )
    return source
