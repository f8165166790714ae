"""The analytics facts: one row per call, flat, made of plain integers and short words.

Every KPI reads this table and nothing else, so the same SQL runs on the operational
database, the DuckDB analytics store and Spark. Times are whole numbers (epoch seconds,
day numbers, yyyymm) because date arithmetic is where SQL dialects part ways; yes/no
columns are 0 or 1 because PostgreSQL will not add up booleans.

The facts hold no name, address, phone or free text: a person is an opaque key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Program
from coresponder.core.models import BaseModel


class CallFact(models.Model):
    call_id = models.UUIDField(primary_key=True)
    program_id = models.BigIntegerField()
    # The responding team's agency, or the agency that took the call when no team went.
    agency_id = models.BigIntegerField()
    team_id = models.BigIntegerField(null=True)
    source = models.CharField(max_length=24)
    concern = models.CharField(max_length=40)  # the first concern reported, or ""
    response = models.CharField(max_length=24)
    # NULL, not "": the repeat-crisis window must not make one person of everyone unknown.
    person_key = models.CharField(max_length=36, null=True)  # noqa: DJ001
    age_band = models.CharField(max_length=8)  # "" when the age is not known
    sex = models.CharField(max_length=16)
    veteran = models.CharField(max_length=16)
    zip3 = models.CharField(max_length=3)  # first three digits of the home postal code, or ""
    received_epoch = models.BigIntegerField()  # seconds since 1970-01-01 UTC
    # A call known only to the day, month or year (`calls.TimePrecision`) spans day …
    # day_end, and what it does not say is NULL: no chart places it finer than it is known.
    day = models.IntegerField()  # days since 1970-01-01, in the program's time zone
    day_end = models.IntegerField()  # the day after the last the call may lie in
    week = models.IntegerField(null=True)  # the day number of that week's Monday
    month = models.IntegerField(null=True)  # yyyymm
    year = models.IntegerField()
    # 0 = Monday 00:00–00:59 … 167 = Sunday 23:00
    hour_of_week = models.SmallIntegerField(null=True)
    has_encounter = models.SmallIntegerField()
    complete = models.SmallIntegerField()  # the encounter is complete: it has its disposition
    # The complete encounter's disposition; without one, the outcome a CAD or an export
    # reported (outcome_source "imported", "other" among the codes); "" for neither.
    disposition = models.CharField(max_length=32)
    outcome_source = models.CharField(max_length=12, default="")  # "", encounter, imported
    # The dispositions the outcome's source could say: "*" for all (an encounter, a CAD),
    # else ",emergency_hold," and so on (an export's mapping); a KPI counts the outcome
    # only when its source could tell the disposition the KPI turns on.
    outcome_covers = models.CharField(max_length=200, default="")
    assessed = models.SmallIntegerField()  # at least one completed assessment
    services = models.SmallIntegerField()  # an intervention, an assessment or a referral
    any_force = models.SmallIntegerField()
    referrals_sent = models.SmallIntegerField()
    referrals_accepted = models.SmallIntegerField()
    referrals_attended = models.SmallIntegerField()
    response_seconds = models.IntegerField(null=True)  # received → first on scene
    on_scene_seconds = models.IntegerField(null=True)  # on scene → officer cleared
    officer_seconds = models.IntegerField(null=True)  # dispatched → officer cleared
    # Seconds to the same person's next call, whatever its source: kept here rather than
    # found by a window over all calls, which cost five times the rest at 10 M calls.
    next_call_seconds = models.BigIntegerField(null=True)
    needs_follow_up = models.SmallIntegerField()  # a follow-up case was opened from it
    follow_up_seconds = models.IntegerField(null=True)  # completed → first contact attempt
    refreshed_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "analytics_call_fact"
        indexes = [models.Index(fields=["program_id", "day"], name="call_fact_program_day")]

    def __str__(self) -> str:
        return f"facts of call {self.call_id}"


class FactRefresh(models.Model):
    """How far the facts of a program have been brought up to date."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="+")
    up_to = models.DateTimeField()

    def __str__(self) -> str:
        return f"facts of {self.program} up to {localtime(self.up_to):%Y-%m-%d %H:%M %Z}"


class CostSettings(BaseModel):
    """The unit costs and the baseline a program sets for its cost-avoided estimate."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    ed_visit = models.PositiveIntegerField(_("cost of an emergency-department visit"), default=0)
    jail_day = models.PositiveIntegerField(_("cost of a jail day"), default=0)
    inpatient_day = models.PositiveIntegerField(_("cost of a psychiatric inpatient day"), default=0)
    officer_hour = models.PositiveIntegerField(_("cost of an officer hour"), default=0)
    # What the program saw before it began, per 100 crisis encounters: its counterfactual.
    baseline_ed_per_100 = models.DecimalField(
        _("ED visits per 100 encounters before the program"),
        max_digits=5,
        decimal_places=1,
        default=0,
    )
    baseline_arrests_per_100 = models.DecimalField(
        _("arrests per 100 encounters before the program"),
        max_digits=5,
        decimal_places=1,
        default=0,
    )
    baseline_holds_per_100 = models.DecimalField(
        _("involuntary holds per 100 encounters before the program"),
        max_digits=5,
        decimal_places=1,
        default=0,
    )
    jail_days_per_arrest = models.PositiveSmallIntegerField(
        _("average jail days per arrest"), default=0
    )
    inpatient_days_per_hold = models.PositiveSmallIntegerField(
        _("average inpatient days per hold"), default=0
    )
    baseline_officer_minutes = models.PositiveSmallIntegerField(
        _("officer minutes per crisis call before the program"), default=0
    )

    def __str__(self) -> str:
        return f"costs of {self.program}"


class ReportRun(BaseModel):
    """One printable program report: asked for on a page, made by a background task.

    The finished report is kept as it was made (HTML and PDF), so that what a board was
    given can be shown again even after the facts have moved on."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until (not included)"))
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    html = models.TextField(blank=True)
    pdf = models.BinaryField(blank=True, default=b"")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_run_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="report_run_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"report of {self.program} {self.start}–{self.end}"

    @property
    def last_day(self):
        from datetime import timedelta

        return self.end - timedelta(days=1)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
