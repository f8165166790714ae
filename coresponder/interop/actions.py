"""Writes of interoperability: CAD feeds (make one, with its token and signing secret;
disable one), a CSV of past calls uploaded and imported from the import page, and an EHR's
FHIR bundle stored as persons' health summaries."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Role
from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, PermissionDenied
from coresponder.people.access import access_person_by_id
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.people.matching import PersonQuery, search
from coresponder.privacy.access import requester_of

from . import events
from .fhir.importer import (
    NEW_PERSON,
    BundleRead,
    MatchDecision,
    PatientsNeedReview,
    Refusal,
    check_source,
    decide_match,
    may_import,
)
from .models import CadFeed, CallImport, CallMapping, EhrPatient, HealthRecord


def _actor(acting_user, agency) -> Actor:
    if acting_user is not None:
        return Actor.of_user(acting_user)
    return replace(Actor.system(), agency_id=agency.pk, agency_name=agency.name)


@dataclass(frozen=True)
class IssuedFeed:
    feed: CadFeed
    token: str  # the API token in clear, shown once
    signing_secret: str  # also kept on the feed: verifying a signature needs it


def create_cad_feed(*, agency, name: str, acting_user=None) -> IssuedFeed:
    """A feed with a new API token for `agency` and a new signing secret."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError(
            _("Name the feed after the CAD system that will post to it (at most 120 characters)."),
            fields={"name": [_("Give a name of 1 to 120 characters.")]},
        )
    with transaction.atomic():
        if CadFeed.objects.filter(agency=agency, name=name).exists():
            raise Conflict(
                _("The agency already has a CAD feed with that name."), fields={"name": [name]}
            )
        issued = create_api_token(
            agency=agency, name=_("CAD feed: %(name)s") % {"name": name}, acting_user=acting_user
        )
        feed = CadFeed.objects.create(
            agency=agency,
            name=name,
            token=issued.token,
            signing_secret=secrets.token_hex(32),
            created_by=acting_user,
        )
        events.cad_feed_created(feed=feed, actor=_actor(acting_user, agency))
    return IssuedFeed(feed=feed, token=issued.secret, signing_secret=feed.signing_secret)


def disable_cad_feed(feed: CadFeed, *, acting_user=None) -> CadFeed:
    """Refuse the feed's deliveries from now on (403). Its token stays until revoked."""
    with transaction.atomic():
        feed = CadFeed.objects.select_for_update().get(pk=feed.pk)
        if not feed.active:
            raise Conflict(_("That CAD feed is already disabled."))
        feed.active = False
        feed.save(update_fields=["active", "updated_at"])
        events.cad_feed_disabled(feed=feed, actor=_actor(acting_user, feed.agency))
    return feed


# --- the import page ------------------------------------------------------------------------

# Who may import a program's history, on the page as on the command line's server.
IMPORTERS = (Role.ADMINISTRATOR,)


class ImportBusy(Conflict):
    code = "import_busy"


def _require_importer(acting_user) -> None:
    if not acting_user.has_role(*IMPORTERS):
        raise PermissionDenied(_("Only the program's administrators import past calls."))


def upload_call_file(
    *,
    agency,
    file_name: str,
    content: bytes,
    encoding: str,
    delimiter: str,
    preview,
    start_name: str = "",
    start_toml: str = "",
    acting_user,
) -> CallImport:
    """Keeps an uploaded CSV for its mapping; `preview` is its header and first rows, read
    (and the file found mappable) by `import_file.preview` before anything is stored."""
    _require_importer(acting_user)
    with transaction.atomic():
        upload = CallImport.objects.create(
            program=agency.program,
            agency=agency,
            uploaded_by=acting_user,
            file_name=file_name[:255],
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            encoding=encoding,
            delimiter=delimiter,
            header=preview.header,
            sample=preview.sample,
            mapping_name=start_name,
            toml=start_toml,
        )
        events.call_file_uploaded(upload=upload, actor=Actor.of_user(acting_user))
    return upload


def start_call_import(
    upload: CallImport, *, name: str, toml: str, dry_run: bool, acting_user
) -> CallImport:
    """Saves the mapping for the program under `name` and queues the check (`dry_run`) or
    the import of the file with it; the task runs once this commits."""
    from .import_tasks import run_call_import

    _require_importer(acting_user)
    with transaction.atomic():
        upload = CallImport.objects.select_for_update().get(pk=upload.pk)
        if upload.busy:
            raise ImportBusy(_("The file is being checked or imported: wait for it to end."))
        if upload.status == CallImport.Status.IMPORTED:
            raise ImportBusy(_("The file is imported already."))
        CallMapping.objects.update_or_create(
            program=upload.program,
            name=name,
            defaults={"toml": toml, "saved_by": acting_user},
        )
        upload.mapping_name, upload.toml, upload.dry_run = name, toml, dry_run
        upload.status, upload.started_by, upload.error = CallImport.Status.QUEUED, acting_user, ""
        upload.save(
            update_fields=[
                "mapping_name",
                "toml",
                "dry_run",
                "status",
                "started_by",
                "error",
                "updated_at",
            ]
        )
        events.call_import_started(upload=upload, actor=Actor.of_user(acting_user))
        upload_id = str(upload.pk)
        transaction.on_commit(lambda: run_call_import.enqueue(import_id=upload_id))
    return upload


# FHIR import ------------------------------------------------------------------------------


@dataclass
class FhirImportReport:
    """What one bundle's import read, matched, made and kept, by resource type."""

    source: str
    bundle_type: str
    read: Counter
    skipped: Counter  # read and not part of the health summary (or an older visit)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    persons_matched: list = field(default_factory=list)  # (patient label, person id, how)
    persons_created: list = field(default_factory=list)  # (patient label, person id)
    seconds: float = 0.0

    @property
    def resources(self) -> int:
        return sum(self.read.values())

    @property
    def kept(self) -> Counter:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "bundle_type": self.bundle_type,
            "read": dict(sorted(self.read.items())),
            "kept": dict(sorted(self.kept.items())),
            "created": dict(sorted(self.created.items())),
            "updated": dict(sorted(self.updated.items())),
            "unchanged": dict(sorted(self.unchanged.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "persons_matched": [
                {"patient": patient, "person": str(person), "by": how}
                for patient, person, how in self.persons_matched
            ],
            "persons_created": [
                {"patient": patient, "person": str(person)}
                for patient, person in self.persons_created
            ],
        }


def import_fhir_bundle(
    bundle: BundleRead,
    *,
    source: str,
    acting_user,
    links: Mapping[str, Any] | None = None,
    request=None,
) -> FhirImportReport:
    """Stores a read bundle as the health summary of the persons its patients are: all of
    it, or nothing. `links`: a reviewer's choice for a patient id the matcher could not
    decide: a person's id, or `NEW_PERSON`. Importing the same bundle again changes nothing."""
    started = time.perf_counter()
    if not may_import(requester_of(acting_user)):
        raise PermissionDenied(_("Only clinical staff of a health agency may import EHR records."))
    source = check_source(source)
    agency = acting_user.agency
    program = agency.program
    links = {str(key): value for key, value in (links or {}).items()}
    report = FhirImportReport(
        source=source, bundle_type=bundle.bundle_type, read=bundle.read, skipped=bundle.skipped
    )
    linked = {
        link.patient_id: link
        for link in EhrPatient.objects.filter(
            program=program,
            source=source,
            patient_id__in=[patient.resource_id for patient in bundle.patients],
        ).select_related("person")
    }
    decisions, refusals = {}, []
    for patient in bundle.patients:
        if patient.resource_id in linked:
            decisions[patient.resource_id] = MatchDecision(
                person=linked[patient.resource_id].person
            )
            report.persons_matched.append(
                (patient.label, linked[patient.resource_id].person_id, "source")
            )
            continue
        if links.get(patient.resource_id) == NEW_PERSON:
            # The reviewer says none of the candidates is the patient.
            decisions[patient.resource_id] = MatchDecision(create=True)
            continue
        if patient.resource_id in links:
            person = access_person_by_id(acting_user, links[patient.resource_id])
            decisions[patient.resource_id] = MatchDecision(person=person)
            report.persons_matched.append((patient.label, person.pk, "reviewer"))
            continue
        query = PersonQuery(
            name=patient.search_name,
            date_of_birth=patient.birth_date,
            identifier=patient.record_number,
        )
        decision = decide_match(search(program, query, limit=5))
        if decision.review:
            refusals.append(Refusal(patient.label, decision.review))
        elif decision.person is not None:
            report.persons_matched.append((patient.label, decision.person.pk, "search"))
        decisions[patient.resource_id] = decision
    if refusals:
        raise PatientsNeedReview(
            _("Some patients need a person to say who they are. Nothing was imported."),
            refusals,
        )
    try:
        with transaction.atomic():
            persons = _persons_for(
                bundle,
                decisions,
                linked,
                report,
                acting_user=acting_user,
                source=source,
                request=request,
            )
            _store_records(bundle, persons, report, program=program, agency=agency, source=source)
            events.fhir_bundle_imported(
                program=program,
                actor=Actor.of_user(acting_user),
                detail={
                    "source": source,
                    "persons": sorted(str(person.pk) for person in persons.values()),
                    "created": dict(sorted(report.created.items())),
                    "updated": dict(sorted(report.updated.items())),
                    "unchanged": dict(sorted(report.unchanged.items())),
                },
                request=request,
            )
    except IntegrityError:
        # Another import of the same patients committed first: this one would duplicate.
        raise Conflict(
            _("The same records were being imported at the same time. Import again.")
        ) from None
    report.seconds = time.perf_counter() - started
    return report


def _persons_for(bundle, decisions, linked, report, *, acting_user, source, request) -> dict:
    """Each patient's person: linked before, matched, or registered now (people's action)."""
    persons, new_links = {}, []
    for patient in bundle.patients:
        decision = decisions[patient.resource_id]
        person = decision.person
        if person is None:
            person = register_person(
                PersonIn(
                    names=[
                        NameIn(given=n.given, middle=n.middle, family=n.family, kind=n.kind)
                        for n in patient.names
                    ],
                    date_of_birth=patient.birth_date,
                    sex=patient.sex,
                    languages=patient.languages,
                ),
                acting_user=acting_user,
                request=request,
            )
            report.persons_created.append((patient.label, person.pk))
        persons[patient.resource_id] = person
        if patient.resource_id not in linked:
            new_links.append(
                EhrPatient(
                    program=acting_user.agency.program,
                    source=source,
                    patient_id=patient.resource_id,
                    person=person,
                    agency=acting_user.agency,
                )
            )
    EhrPatient.objects.bulk_create(new_links)
    return persons


RECORD_FIELDS = [
    "kind",
    "data_class",
    "text",
    "code_system",
    "code",
    "status",
    "started_at",
    "ended_at",
]


def _store_records(bundle, persons, report, *, program, agency, source) -> None:
    """Upserts the summary lines by (source, resource type, id); unchanged ones stay as
    they are, so a second import writes nothing."""
    held = {
        (row.resource_type, row.resource_id): row
        for row in HealthRecord.objects.select_for_update().filter(
            program=program,
            source=source,
            resource_id__in=[record.resource_id for record in bundle.records],
        )
    }
    new, changed = [], []
    for record in bundle.records:
        person = persons[record.patient_id]
        row = held.get((record.resource_type, record.resource_id))
        values = record.values()
        if row is None:
            new.append(
                HealthRecord(
                    program=program,
                    person=person,
                    agency=agency,
                    source=source,
                    resource_type=record.resource_type,
                    resource_id=record.resource_id,
                    **values,
                )
            )
            report.created[record.resource_type] += 1
        elif row.person_id != person.pk or any(
            getattr(row, name) != value for name, value in values.items()
        ):
            for name in RECORD_FIELDS:
                setattr(row, name, values[name])
            row.person, row.agency = person, agency
            changed.append(row)
            report.updated[record.resource_type] += 1
        else:
            report.unchanged[record.resource_type] += 1
    HealthRecord.objects.bulk_create(new, batch_size=500)
    if changed:
        HealthRecord.objects.bulk_update(changed, [*RECORD_FIELDS, "person", "agency"])
