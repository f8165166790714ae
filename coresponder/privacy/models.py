"""Who may see a person's record: relations, consent, break-the-glass, read windows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from coresponder.core.time_bounds import GivenTimes


class AccessRelationQuerySet(models.QuerySet):
    def in_force(self, at=None) -> AccessRelationQuerySet:
        at = at or timezone.now()
        return self.filter(starts_at__lte=at).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=at)
        )

    def holding(self, at=None) -> AccessRelationQuerySet:
        """In force, and, for a relation that rests on a consent, that consent too: a
        list's SQL mirror of the policy's rule (`policy.held_relations`)."""
        at = at or timezone.now()
        return self.in_force(at).filter(
            models.Q(consent__isnull=True)
            | (
                models.Q(consent__revoked_at__isnull=True, consent__starts_at__lte=at)
                & (models.Q(consent__ends_at__isnull=True) | models.Q(consent__ends_at__gt=at))
            )
        )


class AccessRelation(models.Model):
    """Why someone may see more of a person than their role alone allows.

    Other domains write these through `privacy.actions`: dispatch when a team goes to a
    call about the person, cases when someone joins the care team, referrals when an
    agency receives a referral. A relation is for a user, or for a whole agency.
    """

    class Kind(models.TextChoices):
        ON_CALL = "on_call", _("On a call about the person")
        CARE_TEAM = "care_team", _("On the person's care team")
        # The agency whose follow-up queue holds the person's case: enough to triage it,
        # not the clinical record (policy).
        FOLLOW_UP_QUEUE = "follow_up_queue", _("The person's case is in the agency's queue")
        REFERRAL_RECIPIENT = "referral_recipient", _("Received a referral for the person")

    class EndReason(models.TextChoices):
        BY_HAND = "by_hand", _("Ended by hand")
        CASE_CLOSED = "case_closed", _("The case closed")
        CONSENT_REVOKED = "consent_revoked", _("The consent was revoked")
        CONSENT_EXPIRED = "consent_expired", _("The consent expired")
        REFERRAL_CLOSED = "referral_closed", _("The referral was closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="access_relations"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_relations",
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_relations",
    )
    source = models.CharField(max_length=120, help_text=_("What made the relation."))
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, choices=EndReason.choices, blank=True)
    # A referral recipient's relation rests on the consent it was sent under, and holds
    # only while that consent does (the policy checks it at every read).
    consent = models.ForeignKey(
        "Consent", on_delete=models.CASCADE, null=True, blank=True, related_name="relations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccessRelationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, agency__isnull=True)
                    | models.Q(user__isnull=True, agency__isnull=False)
                ),
                name="relation_user_or_agency",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["on_call", "care_team", "follow_up_queue", "referral_recipient"]
                ),
                name="relation_kind_known",
            ),
        ]
        indexes = [models.Index(fields=["person", "user"], name="relation_person_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.source})"


class ConsentQuerySet(models.QuerySet):
    def visible_in(self, person_id, *, readable) -> ConsentQuerySet:
        """A person's consents as one reader may see them: that a Part 2 consent exists
        says the person is in substance-use treatment, so only Part 2 readers see one."""
        consents = self.filter(person_id=person_id)
        if "sud_part2" not in readable:
            consents = consents.exclude(kind="part2")
        return consents

    def in_force(self, at=None) -> ConsentQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, starts_at__lte=at).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=at)
        )


class Consent(models.Model):
    """A person's permission to share classes of their information with named recipients."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General (HIPAA authorisation)")
        PART2 = "part2", _("42 CFR Part 2 (substance-use treatment)")

    class GivenBy(models.TextChoices):
        PERSON = "person", _("The person")
        REPRESENTATIVE = "representative", _("A legal representative")

    class Purpose(models.TextChoices):
        TREATMENT = "treatment", _("Treatment")
        CARE_COORDINATION = "care_coordination", _("Care coordination and follow-up")
        REFERRAL = "referral", _("Referral to services")
        CRISIS_RESPONSE = "crisis_response", _("Crisis response")
        OTHER = "other", _("Other")

    class FormKind(models.TextChoices):
        GENERATED = "generated", _("Printed from Coresponder and signed")
        UPLOADED = "uploaded", _("Uploaded signed document")
        VERBAL = "verbal", _("Verbal, witnessed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    given_by = models.CharField(
        _("given by"), max_length=16, choices=GivenBy.choices, default=GivenBy.PERSON
    )
    representative_name = models.CharField(_("representative's name"), max_length=200, blank=True)
    representative_authority = models.CharField(
        _("representative's authority"),
        max_length=200,
        blank=True,
        help_text=_("e.g. parent of a minor, court-appointed guardian, health-care proxy"),
    )
    data_classes = models.JSONField(_("information shared"), default=list)
    recipient_agencies = models.ManyToManyField(
        "accounts.Agency", blank=True, related_name="consents_received"
    )
    recipient_agency_kinds = models.JSONField(_("kinds of agency"), default=list, blank=True)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    purpose_detail = models.CharField(_("purpose, in words"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    form_kind = models.CharField(_("form"), max_length=16, choices=FormKind.choices)
    form_document = models.FileField(_("signed document"), upload_to="consents/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_note = models.CharField(max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    # Times given from outside, held to the program's bounds (core.time_bounds).
    given_times = GivenTimes(program="person__program", planned=("starts_at", "ends_at"))

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="consent_ends_after_start",
            ),
            # Part 2 consents must say when they end (42 CFR 2.31(a)).
            models.CheckConstraint(
                condition=~models.Q(kind="part2") | models.Q(ends_at__isnull=False),
                name="consent_part2_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} consent of {self.starts_at:%Y-%m-%d}"

    def state(self, at=None) -> str:
        at = at or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.starts_at > at:
            return "not_yet"
        if self.ends_at is not None and self.ends_at <= at:
            return "expired"
        return "in_force"


class BreakGlassGrant(models.Model):
    """An emergency read outside one's rights: reasoned, time-limited, reviewed."""

    class Review(models.TextChoices):
        APPROPRIATE = "appropriate", _("Appropriate")
        INAPPROPRIATE = "inappropriate", _("Not appropriate")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Set once the expiry has been written to the audit log.
    closed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review = models.CharField(max_length=16, choices=Review.choices, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="break_glass_expires_after_grant",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"break-the-glass by {self.user_id} at {localtime(self.granted_at):%Y-%m-%d %H:%M %Z}"
        )

    def in_force(self, at=None) -> bool:
        at = at or timezone.now()
        return self.granted_at <= at < self.expires_at


class AuditSettings(models.Model):
    """A program's audit numbers; a program without a row has the defaults."""

    program = models.OneToOneField(
        "accounts.Program", on_delete=models.CASCADE, related_name="audit_settings"
    )
    read_window_minutes = models.PositiveSmallIntegerField(
        _("repeated reads of a record count as one audit entry within (minutes)"),
        default=15,
        help_text=_(
            "A reader's repeated reads of the same record write one audit entry per window, "
            "with the count of reads; a read showing more than the window's entry writes a new one."
        ),
    )

    class Meta:
        verbose_name = _("audit settings")
        verbose_name_plural = _("audit settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(read_window_minutes__gte=1, read_window_minutes__lte=1440),
                name="audit_read_window_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"audit settings of {self.program}"


class ReadWindow(models.Model):
    """How many times a reader read one record during one audit window.

    The chained entry (`entry_seq`) is written once, when the window opens, and names what
    was shown; a read that shows nothing more only adds to `count` here. This table is not
    the chain: it is a counter beside it, so it may be updated (an `F()` increment).
    """

    reader = models.CharField(max_length=40)  # "user:<id>" or "token:<prefix>"
    action = models.CharField(max_length=64)
    record = models.CharField(max_length=100)  # "<type>:<id>" of the record read
    fields = models.JSONField(default=list)  # what the window's entry says was shown
    entry_seq = models.BigIntegerField(unique=True)  # the chained entry that opened it
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    last_read_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(
                fields=["reader", "action", "record", "closes_at"], name="read_window_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reader} read {self.record} ×{self.count} (#{self.entry_seq})"
