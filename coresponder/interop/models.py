"""CAD feeds: the computer-aided dispatch systems that post calls, and what they delivered.

A feed is one CAD system of one agency. It authenticates with an agency API token and signs
each body with its own secret (HMAC-SHA256), which is kept in clear because verifying a
signature needs it; the secret is shown once, when the feed is made, and never in a page.
A delivery remembers an idempotency key so that a retried delivery returns the call it made.

Neither table holds a person's information: a delivery points at a call, whose fields are
classified in `calls.models`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, ApiToken
from coresponder.calls.models import Call
from coresponder.core.models import BaseModel

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
