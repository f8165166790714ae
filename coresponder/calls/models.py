"""Crisis calls as intake records them, and the triage rules a program decides them by.

Each field of a call declares its privacy class next to it. What a caller said and where
the call is are operational (everyone working the call needs them); the safety screening
is public safety; the person the call is about is a link into the person index, read only
through `people.access`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, Program
from coresponder.core.models import BaseModel
from coresponder.core.time_bounds import GivenTimes
from coresponder.privacy.classification import STRUCTURAL, DataClass, PersonData

from . import triage
from .querysets import CallQuerySet

OPERATIONAL = DataClass.OPERATIONAL
PUBLIC_SAFETY = DataClass.PUBLIC_SAFETY


def _choices(enum, words: dict) -> list[tuple[str, str]]:
    return [(member.value, words[member]) for member in enum]


SOURCE_WORDS = {
    triage.Source.EMERGENCY_911: _("911"),
    triage.Source.LIFELINE_988: _("988 line"),
    triage.Source.NON_EMERGENCY: _("Non-emergency line"),
    triage.Source.OFFICER_INITIATED: _("Officer-initiated"),
    triage.Source.WALK_IN: _("Walk-in"),
    triage.Source.CAD: _("CAD system"),
}
CONCERN_WORDS = {
    triage.Concern.SUICIDAL: _("Suicidal thoughts or behaviour"),
    triage.Concern.SELF_HARM: _("Self-harm"),
    triage.Concern.ANXIETY_PANIC: _("Severe anxiety or panic"),
    triage.Concern.DEPRESSION_ISOLATION: _("Hopelessness, isolation or depression"),
    triage.Concern.PSYCHOSIS_DISORIENTATION: _("Psychosis or disorientation"),
    triage.Concern.SUBSTANCE_USE: _("Substance-use crisis"),
    triage.Concern.TRAUMA_PTSD: _("Trauma or PTSD"),
    triage.Concern.GRIEF_LOSS: _("Distress after a loss"),
    triage.Concern.YOUTH_IN_CRISIS: _("A youth in crisis"),
    triage.Concern.VETERAN_SUPPORT: _("A veteran needing support"),
    triage.Concern.RESOURCES_REQUEST: _("A request for resources"),
    triage.Concern.WELFARE_CHECK: _("Welfare check"),
}
SCREENING_WORDS = {
    triage.Screening.WEAPON: _("Weapon involved"),
    triage.Screening.VIOLENCE_OR_THREATS: _("Violence or threats"),
    triage.Screening.MEDICAL_EMERGENCY: _("Medical emergency"),
    triage.Screening.ATTEMPT_IN_PROGRESS: _("Attempt in progress"),
    triage.Screening.INTOXICATION: _("Intoxication"),
    triage.Screening.MINOR_INVOLVED: _("Minor involved"),
}
RESPONSE_CHOICES = _choices(triage.Response, triage.RESPONSE_WORDS)


class CallerRelation(models.TextChoices):
    SELF = "self", _("The person themself")
    FAMILY = "family", _("Family member")
    FRIEND = "friend", _("Friend or neighbour")
    PROFESSIONAL = "professional", _("Professional (clinician, teacher, employer)")
    BYSTANDER = "bystander", _("Bystander or passer-by")
    OFFICER = "officer", _("Officer")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Origin(models.TextChoices):
    """How the call reached Coresponder."""

    INTAKE = "intake", _("Intake page")
    API = "api", _("API")
    CAD = "cad", _("CAD webhook")
    IMPORT = "import", _("CSV import")


class CallState(models.TextChoices):
    OPEN = "open", _("Waiting for a team")
    DISPATCHED = "dispatched", _("Team assigned")
    RESOLVED_BY_PHONE = "resolved_by_phone", _("Resolved by phone")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (CallState.OPEN, CallState.DISPATCHED)


class TimePrecision(models.TextChoices):
    """How much of a call's time is known, from the year down. A call taken here is known
    to the minute (or better); an export may know only the day, the month or the year."""

    YEAR = "year", _("the year")
    MONTH = "month", _("the month")
    DAY = "day", _("the day")
    HOUR = "hour", _("the hour")
    MINUTE = "minute", _("the minute")


# A reported outcome none of the program's dispositions describes ("no apprehension",
# "report written"): counted as an outcome, and as none of the dispositions.
OTHER_OUTCOME = "other"

# Coarsest first: a precision's place in it says what else is known.
PRECISIONS = tuple(TimePrecision)
# Precisions that do not say the day: the weekday and hour may still be known on their own.
WITHOUT_DAY = (TimePrecision.YEAR, TimePrecision.MONTH)


class TriageRuleSet(BaseModel):
    """One version of a program's triage rules. The newest version is in force.

    Versions are never edited in place: a call keeps the version that decided it.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="triage_rules")
    version = models.PositiveIntegerField()
    rules = models.JSONField(help_text=_("A list of rules, tried in order; see docs/triage.md."))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="rule_set_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.program} triage rules v{self.version}"

    def parsed(self) -> list[triage.Rule]:
        return triage.parse_rules(self.rules)


class Call(PersonData, BaseModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls")
    reference = models.CharField(_("call number"), max_length=32)
    received_at = models.DateTimeField(_("received"), db_index=True)
    # Coarser than the minute: received_at is the start of what is known (1 January 00:00,
    # local, for a year), and no chart may place the call finer than this.
    received_precision = models.CharField(
        _("received time known to"),
        max_length=8,
        choices=TimePrecision.choices,
        default=TimePrecision.MINUTE,
    )
    # The weekday (0 = Monday) and hour an export gives without the day, as public crisis
    # data often does: known, though received_at cannot show them.
    received_weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    received_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=24, choices=_choices(triage.Source, SOURCE_WORDS)
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.INTAKE)
    taken_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(_("CAD incident number"), max_length=64, blank=True)

    address = models.CharField(_("address or place"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    caller_name = models.CharField(_("caller's name"), max_length=200, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=32, blank=True)
    caller_relation = models.CharField(
        _("caller is"),
        max_length=16,
        choices=CallerRelation.choices,
        default=CallerRelation.UNKNOWN,
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    concerns = models.JSONField(_("reported concerns"), default=list, blank=True)
    language = models.CharField(_("language needed"), max_length=40, blank=True)
    summary = models.TextField(_("what the caller said"), blank=True)
    screening = models.JSONField(_("safety screening"), default=list, blank=True)

    rule_set = models.ForeignKey(
        TriageRuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    triage_response = models.CharField(max_length=24, choices=RESPONSE_CHOICES)
    triage_priority = models.PositiveSmallIntegerField()
    triage_rule = models.CharField(max_length=80)
    triage_says = models.CharField(max_length=500)
    response = models.CharField(_("response"), max_length=24, choices=RESPONSE_CHOICES)
    priority = models.PositiveSmallIntegerField(_("priority"))
    override_reason = models.CharField(
        _("reason for overriding triage"), max_length=500, blank=True
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    state = models.CharField(
        _("state"), max_length=24, choices=CallState.choices, default=CallState.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who closed it from the desk, and why (a cancellation needs a reason); neither when
    # the last team cleared and closed it.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(_("why it was closed"), max_length=500, blank=True)
    # How the call ended as another system reports it (a CAD's clearance, an export's
    # outcome column), not as an encounter documented here: one of the program's
    # dispositions (the encounters app's list, checked by whoever reports it, since calls
    # sit below encounters), or "other" for an outcome none of them describes; with the
    # system's own words and its cleared time.
    reported_disposition = models.CharField(_("reported outcome"), max_length=32, blank=True)
    reported_outcome = models.CharField(_("outcome as reported"), max_length=200, blank=True)
    reported_cleared_at = models.DateTimeField(_("cleared (as reported)"), null=True, blank=True)
    # The dispositions the reporting system could have said: a CAD any, an export those its
    # mapping names. A figure counts the outcome only where the system could tell it (a
    # yes/no apprehension flag says whether there was a hold, not whether an arrest).
    reported_covers = models.JSONField(default=list, blank=True)
    # Bumped by every change a board shows, so boards can ask "anything new?" cheaply.
    revision = models.PositiveIntegerField(default=1)

    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "reference": OPERATIONAL,
        "received_at": OPERATIONAL,
        "received_precision": OPERATIONAL,
        "received_weekday": OPERATIONAL,
        "received_hour": OPERATIONAL,
        "source": OPERATIONAL,
        "origin": STRUCTURAL,
        "taken_by_agency": STRUCTURAL,
        "taken_by": STRUCTURAL,
        "external_id": OPERATIONAL,
        "address": OPERATIONAL,
        "latitude": OPERATIONAL,
        "longitude": OPERATIONAL,
        "caller_name": OPERATIONAL,
        "caller_phone": OPERATIONAL,
        "caller_relation": OPERATIONAL,
        "person": STRUCTURAL,
        "concerns": OPERATIONAL,
        "language": OPERATIONAL,
        "summary": OPERATIONAL,
        "screening": PUBLIC_SAFETY,
        "rule_set": STRUCTURAL,
        "triage_response": OPERATIONAL,
        "triage_priority": OPERATIONAL,
        "triage_rule": OPERATIONAL,
        "triage_says": OPERATIONAL,
        "response": OPERATIONAL,
        "priority": OPERATIONAL,
        "override_reason": OPERATIONAL,
        "overridden_by": STRUCTURAL,
        "state": OPERATIONAL,
        "closed_at": OPERATIONAL,
        "closed_by": STRUCTURAL,
        "close_reason": OPERATIONAL,
        "reported_disposition": OPERATIONAL,
        "reported_outcome": OPERATIONAL,
        "reported_cleared_at": OPERATIONAL,
        "reported_covers": STRUCTURAL,
        "revision": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }

    objects = CallQuerySet.as_manager()

    # Times given from outside, held to the program's bounds (core.time_bounds).
    given_times = GivenTimes(program="program", past=("received_at",))

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "reference"], name="call_reference_once"),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=4)
                & Q(triage_priority__gte=1, triage_priority__lte=4),
                name="call_priority_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CallState.values), name="call_state_known"
            ),
            models.CheckConstraint(
                condition=Q(received_precision__in=TimePrecision.values)
                & (Q(received_weekday__isnull=True) | Q(received_weekday__lte=6))
                & (Q(received_hour__isnull=True) | Q(received_hour__lte=23))
                & (
                    Q(received_precision__in=WITHOUT_DAY)
                    | Q(received_weekday__isnull=True, received_hour__isnull=True)
                ),
                name="call_received_precision_known",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="call_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    response=models.F("triage_response"), priority=models.F("triage_priority")
                )
                | ~Q(override_reason=""),
                name="call_override_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "state", "priority"], name="call_open_board"),
            models.Index(fields=["program", "external_id"], name="call_external_id"),
            models.Index(fields=["person", "received_at"], name="call_person_history"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class CallNote(PersonData, BaseModel):
    """A timestamped note by whoever works the call; operational, seen by all on it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=2000)

    privacy_classes = {
        "id": STRUCTURAL,
        "call": STRUCTURAL,
        "author": STRUCTURAL,
        "text": OPERATIONAL,
        "created_at": OPERATIONAL,
        "updated_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["call", "created_at", "id"]

    def __str__(self) -> str:
        return f"note on {self.call_id}"


# The intake facts a call may be corrected in after it was taken (`actions.correct_call`).
CORRECTABLE = (
    "source",
    "concerns",
    "screening",
    "address",
    "latitude",
    "longitude",
    "caller_name",
    "caller_phone",
    "caller_relation",
    "language",
    "summary",
)


class CallCorrection(PersonData, BaseModel):
    """One correction of a call's intake facts: who, when, why, each field before and
    after, and the triage it led to. Written once by `actions.correct_call`, never changed.

    The safety screening is public safety as on the call, so its before and after are
    fields of their own; every other field corrected is operational, kept in `changes`.
    """

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="corrections")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=500, blank=True)
    # {field: [before, after]} for each operational field corrected.
    changes = models.JSONField(default=dict, blank=True)
    screening_before = models.JSONField(null=True, blank=True)
    screening_after = models.JSONField(null=True, blank=True)
    # {"response", "priority", "rule"} of triage before and after, and of the response the
    # call carries (an override kept, or the new triage's).
    triage_before = models.JSONField(default=dict)
    triage_after = models.JSONField(default=dict)
    response_before = models.JSONField(default=dict)
    response_after = models.JSONField(default=dict)

    privacy_classes = {
        "id": STRUCTURAL,
        "call": STRUCTURAL,
        "corrected_by": STRUCTURAL,
        "reason": OPERATIONAL,
        "changes": OPERATIONAL,
        "screening_before": PUBLIC_SAFETY,
        "screening_after": PUBLIC_SAFETY,
        "triage_before": OPERATIONAL,
        "triage_after": OPERATIONAL,
        "response_before": OPERATIONAL,
        "response_after": OPERATIONAL,
        "created_at": OPERATIONAL,
        "updated_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["call", "created_at", "id"]

    def __str__(self) -> str:
        return f"correction of {self.call_id}"

    def person_key(self):
        return self.call.person_id


class CallSequence(models.Model):
    """The last call number used per program and year; locked while a number is taken."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="call_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.year}: {self.last}"
