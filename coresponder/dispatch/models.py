"""Teams, their shifts and members, their status, and the events that moved it.

A team's current status lives on the team row so that assigning it is one conditional
update that two dispatchers cannot both win; every move also leaves a `StatusEvent`.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, Program
from coresponder.core.models import BaseModel
from coresponder.core.time_bounds import Facing, GivenTimes, time_problem

from .status import WORDS, Status

STATUS_CHOICES = [(status.value, WORDS[status]) for status in Status]


class Speciality(models.TextChoices):
    YOUTH = "youth", _("Youth")
    VETERANS = "veterans", _("Veterans")
    SUBSTANCE_USE = "substance_use", _("Substance use")


class ServiceArea(BaseModel):
    """The area a program serves, drawn on the board's map (no map tiles needed)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(_("name"), max_length=120)
    # [[latitude, longitude], ...] in order around the boundary.
    boundary = models.JSONField(_("boundary"), default=list, blank=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="service_area_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class Team(BaseModel):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    service_area = models.ForeignKey(
        ServiceArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="teams"
    )
    home_base = models.CharField(_("home base"), max_length=200, blank=True)
    base_latitude = models.FloatField(_("home base latitude"))
    base_longitude = models.FloatField(_("home base longitude"))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    specialities = models.JSONField(_("specialities"), default=list, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    # Where the team is now and what it is doing, kept current by dispatch.actions.
    status = models.CharField(max_length=24, choices=STATUS_CHOICES, default=Status.AVAILABLE)
    status_since = models.DateTimeField(null=True, blank=True)
    call = models.ForeignKey(
        "calls.Call", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["program", "name"]
        # Recommendation asks for the newest change to decide whether to read teams again.
        indexes = [models.Index(fields=["updated_at"], name="team_changed")]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="team_name_once"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="team_status_known"
            ),
            # On a call exactly when the status says so.
            models.CheckConstraint(
                condition=Q(status__in=["available", "out_of_service"], call__isnull=True)
                | (~Q(status__in=["available", "out_of_service"]) & Q(call__isnull=False)),
                name="team_call_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status_words(self) -> str:
        return WORDS[Status(self.status)]

    @property
    def position(self) -> tuple[float, float]:
        if self.latitude is not None and self.longitude is not None:
            return self.latitude, self.longitude
        return self.base_latitude, self.base_longitude


class MemberRole(models.TextChoices):
    OFFICER = "officer", _("Officer")
    CLINICIAN = "clinician", _("Clinician")
    EMT = "emt", _("EMT / paramedic")


class TeamMember(BaseModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    role = models.CharField(_("role on the team"), max_length=16, choices=MemberRole.choices)
    phone = models.CharField(
        _("phone for dispatch messages"),
        max_length=32,
        blank=True,
        help_text=_("E.164, e.g. +15555550100"),
    )

    class Meta:
        ordering = ["team", "role"]
        indexes = [models.Index(fields=["updated_at"], name="team_member_changed")]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_once"),
            models.UniqueConstraint(fields=["team", "role"], name="team_one_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.team})"


class Shift(BaseModel):
    """A time the team is on duty."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    # Times given from outside, held to the program's bounds (core.time_bounds).
    given_times = GivenTimes(program="team__program", planned=("starts_at", "ends_at"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["starts_at", "ends_at"], name="shift_time"),
            models.Index(fields=["updated_at"], name="shift_changed"),
        ]

    def __str__(self) -> str:
        starts, ends = localtime(self.starts_at), localtime(self.ends_at)
        return f"{self.team}: {starts:%Y-%m-%d %H:%M} – {ends:%H:%M %Z}"

    def time_problems(self, now: datetime) -> dict[str, list[str]]:
        """Its start and end outside the program's bounds, each with the reason."""
        bounds = self.team.program.time_bounds(now, facing=Facing.PLANNED)
        return {
            name: [problem]
            for name in ("starts_at", "ends_at")
            if (at := getattr(self, name)) is not None and (problem := time_problem(at, bounds))
        }

    def clean(self) -> None:
        # The admin's shift rows: a year typed wrong is shown on its row, not saved.
        super().clean()
        if problems := self.time_problems(timezone.now()):
            raise ValidationError(problems)


class StandingMoves(models.Manager):
    """The moves that stand: neither taken back within the undo window nor a taking back.
    What every reader of a team's history (times on scene, the encounter's timeline, the
    KPIs) counts; `StatusEvent.every_move` keeps the mistakes and their undoing too."""

    def get_queryset(self):
        return super().get_queryset().filter(undoes__isnull=True, undone_by__isnull=True)


class StatusEvent(models.Model):
    """One move of a team's status, tied to the call it was about. Never edited: a move
    taken back stays, and the move back names it (`undoes`)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="status_events")
    call = models.ForeignKey(
        "calls.Call",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_events",
    )
    from_status = models.CharField(max_length=24, choices=STATUS_CHOICES)
    to_status = models.CharField(max_length=24, choices=STATUS_CHOICES)
    occurred_at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    # A move back within the undo window; one to one, so a move is taken back once.
    undoes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by"
    )

    every_move = models.Manager()
    objects = StandingMoves()

    class Meta:
        default_manager_name = "objects"
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["call", "occurred_at"], name="status_event_call")]

    def __str__(self) -> str:
        return f"{self.team}: {self.from_status} → {self.to_status}"

    @property
    def words(self) -> str:
        return WORDS[Status(self.to_status)]


class Notification(BaseModel):
    """What the program told a team member, by which channel, and whether it went out."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notifications")
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    sent = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
