"""Audit events of planning. No person is read: the history is read as aggregates."""

from __future__ import annotations

from coresponder.core.audit import Actor, record

SCENARIO_SAVED = "planning.scenario_saved"
RUN_STARTED = "planning.run_started"
RUN_FINISHED = "planning.run_finished"


def on_scenario(action: str, scenario, *, actor: Actor, detail: dict | None = None):
    record(action, actor=actor, object_type="plan_scenario", object_id=scenario.pk, detail=detail)


def on_run(action: str, run, *, actor: Actor, detail: dict | None = None):
    record(action, actor=actor, object_type="plan_run", object_id=run.pk, detail=detail)
