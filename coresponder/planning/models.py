"""Scenarios a planner keeps, and each run of one with its figures.

A scenario keeps the TOML it was written in (`scenario.py` reads it), so that it can be run
again on newer history; a run keeps the history period it was fitted on, its progress and
its result (figures with their intervals, as JSON). Nothing here holds a person's data:
the figures are aggregates over simulated calls.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Program
from coresponder.core.models import BaseModel


class Scenario(BaseModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    text = models.TextField(_("scenario (TOML)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="plan_scenario_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class RunState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Run(BaseModel):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    text = models.TextField(_("scenario as run"))  # the scenario may change afterwards
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.QUEUED)
    replications = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    seed = models.BigIntegerField()
    history_start = models.DateField()
    history_end = models.DateField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("replications")), name="plan_run_done_at_most_all"
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(result__isnull=False),
                name="plan_run_done_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} ({self.get_state_display()})"
