"""CAD feeds: the computer-aided dispatch systems that post calls, and what they delivered.

A feed is one CAD system of one agency. It authenticates with an agency API token and signs
each body with its own secret (HMAC-SHA256), which is kept in clear because verifying a
signature needs it; the secret is shown once, when the feed is made, and never in a page.
A delivery remembers an idempotency key so that a retried delivery returns the call it made.

Neither table holds a person's information: a delivery points at a call, whose fields are
classified in `calls.models`.

FHIR import (`interop.fhir.importer`): an EHR patient linked to the person it was matched to
or made as (`EhrPatient`), and the person's health summary read from the EHR's bundles
(`HealthRecord`), each row clinical or Part 2, by what it says and where it came from.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, ApiToken, Program
from coresponder.calls.models import Call
from coresponder.core.models import BaseModel
from coresponder.people.models import Person
from coresponder.privacy.classification import BY_ROW, STRUCTURAL, DataClass, PersonData

IDEMPOTENCY_KEY_MAX = 200


class CadFeedQuerySet(models.QuerySet):
    def active(self) -> CadFeedQuerySet:
        return self.filter(active=True, token__revoked_at__isnull=True)


class CadFeed(BaseModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cad_feeds")
    name = models.CharField(_("name"), max_length=120)
    # One token per feed: the token says which feed is posting, the secret proves the body.
    token = models.OneToOneField(ApiToken, on_delete=models.PROTECT, related_name="cad_feed")
    signing_secret = models.CharField(_("signing secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CadFeedQuerySet.as_manager()

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="cad_feed_unique_name"),
            models.CheckConstraint(condition=~Q(signing_secret=""), name="cad_feed_has_secret"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class CadDelivery(models.Model):
    """One accepted delivery: its idempotency key, the SHA-256 of its body, the call it made."""

    feed = models.ForeignKey(CadFeed, on_delete=models.PROTECT, related_name="deliveries")
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX)
    body_sha256 = models.CharField(max_length=64)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "CAD deliveries"
        constraints = [
            # What makes a retried delivery, even two at once, never make a second call.
            models.UniqueConstraint(
                fields=["feed", "idempotency_key"], name="cad_delivery_key_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feed_id}:{self.idempotency_key}"


# --- the import page ------------------------------------------------------------------------


class CallMapping(BaseModel):
    """A mapping of a CAD export's columns, made on the import page and kept for the
    program under a name: offered again next time, and downloadable as the TOML the
    command line reads (`coresponder import calls FILE --mapping that.toml`)."""

    program = models.ForeignKey("accounts.Program", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    toml = models.TextField(_("mapping (TOML)"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="call_mapping_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="call_mapping_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CallImport(BaseModel):
    """A CSV of past calls uploaded on the import page, its mapping, and its check or import.

    The file is kept here (bounded by `COR_IMPORT_UPLOAD_MAX_BYTES`) until it is imported,
    then dropped: the calls hold what it said. Its rejected rows stay downloadable. Only the
    program's administrators see it (`interop.import_views`)."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Being mapped")
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        CHECKED = "checked", _("Checked")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey("accounts.Program", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(default=b"")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=1)
    header = models.JSONField(default=list)
    sample = models.JSONField(default=list)  # the first rows, as the page shows them
    mapping_name = models.CharField(max_length=120, blank=True)
    toml = models.TextField(blank=True)  # the mapping the check or import ran with
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.MAPPING)
    dry_run = models.BooleanField(default=True)
    read = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(default=list)  # [[reason, rows], …], most rows first
    first_rejects = models.JSONField(default=list)  # [[line, reason], …]
    rejects = models.BinaryField(default=b"")  # the rejected-rows file (CSV)
    precision = models.CharField(max_length=8, blank=True)
    received_from = models.DateTimeField(null=True, blank=True)
    received_to = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["mapping", "queued", "running", "checked", "imported", "failed"]
                ),
                name="call_import_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"import of {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.CHECKED, self.Status.IMPORTED, self.Status.FAILED)

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# FHIR import ------------------------------------------------------------------------------

FHIR_ID_MAX = 64  # FHIR ids are [A-Za-z0-9\-\.]{1,64}
SOURCE_MAX = 120


class EhrPatient(PersonData, BaseModel):
    """An EHR's Patient, by the EHR (`source`) and its resource id, and the person it is.
    What makes a second import of the same bundle find the same person."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=SOURCE_MAX)
    patient_id = models.CharField(_("EHR patient id"), max_length=FHIR_ID_MAX)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The agency that imported it: the holder of what came with it.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    # That an EHR knows the person is health information, as an EHR record number is.
    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "person": STRUCTURAL,
        "agency": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "source": DataClass.CLINICAL,
        "patient_id": DataClass.CLINICAL,
    }

    class Meta:
        ordering = ["program", "source", "patient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "source", "patient_id"], name="ehr_patient_once_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} Patient/{self.patient_id}"


class HealthRecordKind(models.TextChoices):
    CONDITION = "condition", _("Condition")
    MEDICATION = "medication", _("Medication")
    ALLERGY = "allergy", _("Allergy")
    CARE_PLAN = "care_plan", _("Care plan")
    VISIT = "visit", _("EHR visit")


# The classes a health record may be held in: what the EHR says is health information,
# and substance-use information (by its code or its source) is Part 2.
HEALTH_RECORD_CLASSES = (DataClass.CLINICAL, DataClass.SUD_PART2)


class HealthRecord(PersonData, BaseModel):
    """One resource of an EHR's bundle, kept as a line of the person's health summary: what
    it is (`text`, its code), its status, its date, and where it came from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="health_records")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=SOURCE_MAX)
    resource_type = models.CharField(_("FHIR resource"), max_length=40)
    resource_id = models.CharField(_("FHIR id"), max_length=FHIR_ID_MAX)
    kind = models.CharField(_("kind"), max_length=16, choices=HealthRecordKind.choices)
    data_class = models.CharField(_("kind of information"), max_length=32)
    text = models.CharField(_("what"), max_length=300)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=40, blank=True)
    # When it began (onset, authored, recorded, the visit's start); ended: abatement, the
    # visit's end, the plan's end.
    started_at = models.DateTimeField(_("from"), null=True, blank=True)
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)

    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "person": STRUCTURAL,
        "agency": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "data_class": STRUCTURAL,
        "source": BY_ROW,
        "resource_type": BY_ROW,
        "resource_id": BY_ROW,
        "kind": BY_ROW,
        "text": BY_ROW,
        "code_system": BY_ROW,
        "code": BY_ROW,
        "status": BY_ROW,
        "started_at": BY_ROW,
        "ended_at": BY_ROW,
    }

    class Meta:
        ordering = ["person", "kind", "-started_at", "id"]
        constraints = [
            # Idempotent by resource id and source: a second import finds the row again.
            models.UniqueConstraint(
                fields=["program", "source", "resource_type", "resource_id"],
                name="health_record_once_per_resource",
            ),
            models.CheckConstraint(
                condition=Q(data_class__in=[c.value for c in HEALTH_RECORD_CLASSES]),
                name="health_record_clinical_or_part2",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=HealthRecordKind.values), name="health_record_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["person", "kind"], name="health_record_person")]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"

    def row_class(self) -> str:
        return self.data_class
