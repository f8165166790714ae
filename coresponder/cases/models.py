"""Follow-up cases: the case, its tasks, contact attempts, goals and the safety plan.

A case is one person's follow-up episode. It opens from an encounter whose disposition a
rule says needs follow-up, from a repeat crisis, or by hand, and stays one case while it
is not closed: a person has at most one case that is not closed. Tasks carry deadlines and
belong to a person or to an agency's queue. Each field declares its privacy class.
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
from coresponder.encounters.dispositions import WORDS, Disposition
from coresponder.privacy.classification import STRUCTURAL, DataClass, PersonData

OPERATIONAL = DataClass.OPERATIONAL
CLINICAL = DataClass.CLINICAL
CARE_COORDINATION = DataClass.CARE_COORDINATION
DISPOSITION_CHOICES = [(d.value, WORDS[d]) for d in Disposition]


class FollowUpSettings(BaseModel):
    """A program's follow-up numbers; a program without a row has the defaults."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="follow_up_settings"
    )
    first_contact_hours = models.PositiveSmallIntegerField(
        _("first contact within (hours)"), default=72
    )
    failed_attempts_flag = models.PositiveSmallIntegerField(
        _("failed contact attempts before the case is flagged"), default=3
    )
    repeat_calls = models.PositiveSmallIntegerField(_("calls that make a repeat crisis"), default=3)
    repeat_days = models.PositiveSmallIntegerField(_("within (days)"), default=90)
    referral_answer_hours = models.PositiveSmallIntegerField(
        _("a referral not accepted within (hours) makes a task"), default=24
    )

    class Meta:
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_contact_hours__gte=1)
                & Q(failed_attempts_flag__gte=1)
                & Q(repeat_calls__gte=2)
                & Q(repeat_days__gte=1)
                & Q(referral_answer_hours__gte=1),
                name="follow_up_settings_sensible",
            )
        ]

    def __str__(self) -> str:
        return f"follow-up settings of {self.program}"


class FollowUpRule(BaseModel):
    """Data, not code: an encounter ending in `disposition` opens a case whose first
    contact is due within `contact_within_hours`. A program without rules uses
    `rules.DEFAULT_RULES`."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    disposition = models.CharField(_("disposition"), max_length=32, choices=DISPOSITION_CHOICES)
    contact_within_hours = models.PositiveSmallIntegerField(
        _("first contact within (hours)"), default=72
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["program", "disposition"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "disposition"], name="follow_up_rule_once_per_disposition"
            ),
            models.CheckConstraint(
                condition=Q(contact_within_hours__gte=1), name="follow_up_rule_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_disposition_display()}: contact within {self.contact_within_hours} h"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


class CloseReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    CONNECTED = "connected", _("Connected to ongoing services")
    DECLINED = "declined", _("Person declined follow-up")
    UNABLE_TO_REACH = "unable_to_reach", _("Unable to reach")
    MOVED_AWAY = "moved_away", _("Moved out of the area")
    IN_CUSTODY = "in_custody", _("In custody or hospital long-term")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class OpenedBecause(models.TextChoices):
    ENCOUNTER = "encounter", _("Encounter needing follow-up")
    REPEAT_CRISIS = "repeat_crisis", _("Repeat crisis")
    BY_HAND = "by_hand", _("Opened by hand")


NOT_CLOSED = [CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.ON_HOLD]


class Case(PersonData, BaseModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(_("case number"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_because = models.CharField(max_length=16, choices=OpenedBecause.choices)
    encounter = models.ForeignKey(
        "encounters.Encounter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_cases",
    )
    # An unassigned case waits in this agency's queue.
    queue = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="case_queue")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(
        _("reason closed"), max_length=24, choices=CloseReason.choices, blank=True
    )
    close_note = models.TextField(_("closing note"), blank=True)
    # Flags: set when raised, cleared when dealt with.
    repeat_crisis_at = models.DateTimeField(null=True, blank=True)
    unreached_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "person": STRUCTURAL,
        "number": OPERATIONAL,
        "status": OPERATIONAL,
        "opened_because": OPERATIONAL,
        "encounter": STRUCTURAL,
        "case_manager": OPERATIONAL,
        "queue": OPERATIONAL,
        "opened_at": OPERATIONAL,
        "opened_by": STRUCTURAL,
        "closed_at": OPERATIONAL,
        "close_reason": CARE_COORDINATION,
        "close_note": CARE_COORDINATION,
        "repeat_crisis_at": OPERATIONAL,
        "unreached_at": OPERATIONAL,
        "revision": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status="closed"),
                name="case_one_open_per_person",
            ),
            models.UniqueConstraint(fields=["program", "number"], name="case_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in CaseStatus]), name="case_status_known"
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False) & ~Q(close_reason=""))
                | (~Q(status="closed") & Q(closed_at__isnull=True) & Q(close_reason="")),
                name="case_closed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["case_manager", "status"], name="case_manager_status"),
            # The unassigned cases of a queue: the worklist's second half, on every page.
            models.Index(fields=["queue", "case_manager", "status"], name="case_queue_waiting"),
            models.Index(fields=["program", "status"], name="case_program_status"),
        ]

    def __str__(self) -> str:
        return f"case {self.number}"

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class TaskKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First follow-up contact")
    REFERRAL = "referral", _("Referral needs attention")
    OUTREACH = "outreach", _("Proactive outreach after repeat crises")
    PLAN_REVIEW = "plan_review", _("Review the response plan")
    OTHER = "other", _("Other")


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(PersonData, BaseModel):
    """Something to do for a case by a deadline, for a person or for an agency's queue."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    queue = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="task_queue")
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.CharField(_("how it was done"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    privacy_classes = {
        "id": STRUCTURAL,
        "case": STRUCTURAL,
        "kind": OPERATIONAL,
        "title": OPERATIONAL,
        "due_at": OPERATIONAL,
        "assignee": OPERATIONAL,
        "queue": OPERATIONAL,
        "state": OPERATIONAL,
        "referral": STRUCTURAL,
        "done_at": OPERATIONAL,
        "done_by": STRUCTURAL,
        "done_note": CARE_COORDINATION,
        "created_by": STRUCTURAL,
        "reminded_at": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }

    # Times given from outside, held to the program's bounds (core.time_bounds).
    given_times = GivenTimes(program="case__program", planned=("due_at",))

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in TaskState]), name="task_state_known"
            ),
            models.CheckConstraint(
                condition=Q(state="open", done_at__isnull=True)
                | (~Q(state="open") & Q(done_at__isnull=False)),
                name="task_done_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "state", "due_at"], name="task_assignee_due"),
            models.Index(fields=["queue", "state", "due_at"], name="task_queue_due"),
            models.Index(fields=["case", "state", "due_at"], name="task_case_due"),
        ]

    def __str__(self) -> str:
        return self.title


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text message")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    DECLINED = "declined", _("Declined")


# Outcomes that count towards flagging a case as unreached.
FAILED_OUTCOMES = frozenset(
    {ContactOutcome.NO_ANSWER, ContactOutcome.LEFT_MESSAGE, ContactOutcome.WRONG_NUMBER}
)


class ContactAttempt(PersonData, models.Model):
    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    method = models.CharField(_("method"), max_length=16, choices=ContactMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ContactOutcome.choices)
    note = models.TextField(_("notes"), blank=True)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy_classes = {
        "id": STRUCTURAL,
        "case": STRUCTURAL,
        "method": OPERATIONAL,
        "outcome": OPERATIONAL,
        "note": CARE_COORDINATION,
        "at": OPERATIONAL,
        "by": STRUCTURAL,
    }

    # Times given from outside, held to the program's bounds (core.time_bounds).
    given_times = GivenTimes(program="case__program", past=("at",))

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=ContactMethod.values), name="contact_method_known"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=ContactOutcome.values), name="contact_outcome_known"
            ),
        ]
        indexes = [models.Index(fields=["case", "at"], name="contact_case_at")]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.get_outcome_display()}"


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(PersonData, BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=300)
    status = models.CharField(
        _("progress"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    progress_note = models.TextField(_("latest progress"), blank=True)
    target_date = models.DateField(_("aim for"), null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    privacy_classes = {
        "id": STRUCTURAL,
        "case": STRUCTURAL,
        "text": CLINICAL,
        "status": CLINICAL,
        "progress_note": CLINICAL,
        "target_date": CLINICAL,
        "set_by": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="goal_status_known"
            )
        ]

    def __str__(self) -> str:
        return self.text


class SafetyPlanRevision(PersonData, models.Model):
    """One version of a person's Stanley–Brown safety plan. Never edited: a change is a
    new revision, so the plan's history is its revisions in order."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="safety_plan_revisions"
    )
    number = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    # The encounter assessment the first revision was taken from, when it was.
    assessment = models.ForeignKey(
        "encounters.Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    privacy_classes = {
        "id": STRUCTURAL,
        "person": STRUCTURAL,
        "number": STRUCTURAL,
        "answers": CLINICAL,
        "assessment": STRUCTURAL,
        "note": CLINICAL,
        "written_by": STRUCTURAL,
        "written_at": CLINICAL,
    }

    class Meta:
        ordering = ["person", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "number"], name="safety_plan_revision_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"safety plan revision {self.number}"
