"""The on-scene record: an encounter per dispatched call, its sections, assessments,
addenda, the instruments they answer, and response plans for people known to the program.

Every model holding a person's information declares each field's privacy class; a
section's content takes the class of its kind (`row_class`). Signed sections and
addenda are never edited: a change after signing is a new addendum.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Program
from coresponder.core.models import BaseModel
from coresponder.privacy.classification import BY_ROW, STRUCTURAL, DataClass, PersonData

from . import instruments
from .dispositions import WORDS as DISPOSITION_WORDS
from .dispositions import Disposition
from .sections import SECTIONS, Kind

OPERATIONAL = DataClass.OPERATIONAL
PUBLIC_SAFETY = DataClass.PUBLIC_SAFETY
CLINICAL = DataClass.CLINICAL

DISPOSITION_CHOICES = [(d.value, DISPOSITION_WORDS[d]) for d in Disposition]
SECTION_CHOICES = [(kind.value, spec.title) for kind, spec in SECTIONS.items()]


class EncounterState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETE = "complete", _("Complete")


class Encounter(PersonData, BaseModel):
    """What happened when the team reached the person: one per dispatched call."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="encounters")
    call = models.OneToOneField("calls.Call", on_delete=models.PROTECT, related_name="encounter")
    team = models.ForeignKey(
        "dispatch.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=16, choices=EncounterState.choices, default=EncounterState.DRAFT
    )
    disposition = models.CharField(
        _("disposition"), max_length=32, choices=DISPOSITION_CHOICES, blank=True
    )
    destination = models.CharField(_("destination or service"), max_length=200, blank=True)
    legal_basis = models.CharField(_("legal basis of the hold"), max_length=200, blank=True)
    hold_criteria = models.JSONField(_("hold criteria met"), default=list, blank=True)
    interventions = models.JSONField(_("interventions"), default=list, blank=True)
    interventions_note = models.CharField(_("other interventions"), max_length=300, blank=True)
    arrived_at = models.DateTimeField(_("arrived at the destination"), null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)

    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "call": STRUCTURAL,
        "team": STRUCTURAL,
        "state": STRUCTURAL,
        "disposition": OPERATIONAL,
        "destination": OPERATIONAL,
        "legal_basis": OPERATIONAL,
        "hold_criteria": OPERATIONAL,
        "interventions": OPERATIONAL,
        "interventions_note": OPERATIONAL,
        "arrived_at": STRUCTURAL,
        "completed_at": STRUCTURAL,
        "completed_by": STRUCTURAL,
        "revision": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disposition="") | Q(disposition__in=[d.value for d in Disposition]),
                name="encounter_disposition_known",
            ),
            # A complete encounter always has its disposition.
            models.CheckConstraint(
                condition=~Q(state="complete") | ~Q(disposition=""),
                name="encounter_complete_has_disposition",
            ),
        ]
        indexes = [models.Index(fields=["program", "disposition"], name="encounter_disposition")]

    def __str__(self) -> str:
        return f"encounter on call {self.call_id}"

    def person_key(self):
        """The encounter is about its call's person."""
        return self.call.person_id

    @property
    def is_complete(self) -> bool:
        return self.state == EncounterState.COMPLETE


class SectionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class Section(PersonData, BaseModel):
    """One responder's part of the encounter, in the privacy class of its kind."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=24, choices=SECTION_CHOICES)
    data_class = models.CharField(max_length=24, choices=DataClass.choices)
    content = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=SectionState.choices, default="draft")
    revision = models.PositiveIntegerField(default=0)
    # The browser's id for its last save, so a draft resent after a dropped connection
    # is taken once.
    last_save_id = models.CharField(max_length=64, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    privacy_classes = {
        "id": STRUCTURAL,
        "encounter": STRUCTURAL,
        "kind": STRUCTURAL,
        "data_class": STRUCTURAL,
        "content": BY_ROW,
        "state": STRUCTURAL,
        "revision": STRUCTURAL,
        "last_save_id": STRUCTURAL,
        "written_by": STRUCTURAL,
        "signed_by": STRUCTURAL,
        "signed_at": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }
    # Its writer and signer read it whatever their class (the EMT their medical section).
    privacy_authors = ("written_by", "signed_by")

    class Meta:
        ordering = ["encounter", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "kind"], name="section_once"),
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in Kind]), name="section_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(signed_at__isnull=False),
                name="section_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.state})"

    def row_class(self) -> str:
        return self.data_class

    @property
    def spec(self):
        return SECTIONS[Kind(self.kind)]

    @property
    def is_signed(self) -> bool:
        return self.state == SectionState.SIGNED


class Addendum(PersonData, models.Model):
    """A change to a signed section: added beside it, never written over it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="addenda")
    data_class = models.CharField(max_length=24, choices=DataClass.choices)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    privacy_classes = {
        "id": STRUCTURAL,
        "section": STRUCTURAL,
        "data_class": STRUCTURAL,
        "text": BY_ROW,
        "author": STRUCTURAL,
        "written_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["written_at"]

    def __str__(self) -> str:
        return f"addendum by {self.author} at {localtime(self.written_at):%Y-%m-%d %H:%M %Z}"

    def row_class(self) -> str:
        return self.data_class


class Instrument(BaseModel):
    """A version of an assessment instrument, held as data and checked when saved."""

    key = models.SlugField(_("key"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    definition = models.JSONField(
        _("definition"),
        help_text=_("Questions, answer types, skip logic and risk bands; see docs/instruments.md."),
    )
    is_active = models.BooleanField(_("offered on encounters"), default=True)
    shipped = models.BooleanField(_("shipped with Coresponder"), default=False, editable=False)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="instrument_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def parsed(self) -> instruments.Instrument:
        return instruments.parse_instrument(self.definition)

    def clean(self) -> None:
        try:
            parsed = self.parsed()
        except instruments.InstrumentError as error:
            raise ValidationError({"definition": str(error)}) from None
        if (parsed.key, parsed.version) != (self.key, self.version):
            raise ValidationError(
                {
                    "definition": _(
                        "The definition says %(key)s version %(version)s; the key and version "
                        "fields must say the same."
                    )
                    % {"key": parsed.key, "version": parsed.version}
                }
            )


class Assessment(PersonData, BaseModel):
    """An instrument answered on scene: the answers, and the risk they came to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="assessments")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    complete = models.BooleanField(default=False)
    level = models.CharField(max_length=32, blank=True)
    label = models.CharField(max_length=120, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy_classes = {
        "id": STRUCTURAL,
        "encounter": STRUCTURAL,
        "instrument": STRUCTURAL,
        "answers": CLINICAL,
        "complete": CLINICAL,
        "level": CLINICAL,
        "label": CLINICAL,
        "by": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }
    # The risk level follow-up triages by (`cases.rules.risk_level`: the band of the latest
    # complete C-SSRS screening, never its answers) is care coordination: the follow-up
    # queue that triages a case reads it (issue 16, item 7), as it never reads the answers,
    # level and label above.
    triage_class = DataClass.CARE_COORDINATION

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.instrument} on {self.encounter_id}"


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class ResponsePlan(PersonData, BaseModel):
    """How the program responds to a person with repeated crises, approved by a supervisor.

    Officers see the safety summary (safety concerns, triggers, what calms); clinicians see
    the whole plan. A new approved plan supersedes the one before.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="response_plans"
    )
    state = models.CharField(max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    safety_concerns = models.TextField(_("safety concerns"), blank=True)
    triggers = models.TextField(_("triggers to avoid"), blank=True)
    calming = models.TextField(_("what calms (de-escalation)"), blank=True)
    baseline = models.TextField(_("baseline behaviour"), blank=True)
    escalated = models.TextField(_("escalated behaviour"), blank=True)
    strategies = models.JSONField(_("response strategies, first first"), default=list, blank=True)
    contacts = models.JSONField(_("contacts"), default=list, blank=True)
    review_by = models.DateField(_("review by"))
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "person": STRUCTURAL,
        "state": STRUCTURAL,
        "safety_concerns": PUBLIC_SAFETY,
        "triggers": PUBLIC_SAFETY,
        "calming": PUBLIC_SAFETY,
        "baseline": CLINICAL,
        "escalated": CLINICAL,
        "strategies": CLINICAL,
        "contacts": CLINICAL,
        "review_by": STRUCTURAL,
        "drafted_by": STRUCTURAL,
        "approved_by": STRUCTURAL,
        "approved_at": STRUCTURAL,
        "revision": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One approved plan in force per person.
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="approved"), name="one_approved_plan"
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_at__isnull=False),
                name="approved_plan_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"response plan ({self.state}) for {self.person_id}"

    def is_expired(self, today=None) -> bool:
        return self.review_by < (today or timezone.localdate())


class HoldCriterion(BaseModel):
    """One criterion of the program's jurisdiction for an emergency (involuntary) hold."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("criterion"), max_length=200)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["program", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="hold_criterion_once")
        ]

    def __str__(self) -> str:
        return self.text
