"""Planning's writes: a scenario saved, a run started and finished. One transaction, an
acting user (None: the system, e.g. the command run by an operator), one audit event each.
Progress is bookkeeping, not an action: one conditional update per replication."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coresponder.core.audit import Actor

from . import events
from .history import NoHistory, inputs_for
from .models import Run, RunState, Scenario
from .replications import replicate
from .scenario import parse_scenario


class RunNotQueued(ValueError):
    """A run that has already started or finished."""


def save_scenario(program, *, text: str, acting_user=None) -> Scenario:
    """The scenario in `text` kept under its name: a new one, or the same name replaced.
    Refuses (ScenarioError) a scenario that cannot run, changing nothing."""
    parsed = parse_scenario(text)
    with transaction.atomic():
        scenario = (
            Scenario.objects.select_for_update().filter(program=program, name=parsed.name).first()
        )
        if scenario is None:
            scenario = Scenario.objects.create(
                program=program, name=parsed.name, text=text, created_by=acting_user
            )
        else:
            scenario.text = text
            scenario.save(update_fields=["text", "updated_at"])
        events.on_scenario(events.SCENARIO_SAVED, scenario, actor=Actor.of_user(acting_user))
    return scenario


def start_run(scenario: Scenario, *, acting_user=None) -> Run:
    """A queued run of the scenario as it reads now."""
    parsed = parse_scenario(scenario.text)
    with transaction.atomic():
        run = Run.objects.create(
            scenario=scenario,
            text=scenario.text,
            replications=parsed.replications,
            seed=parsed.seed,
            history_start=parsed.history_start,
            history_end=parsed.history_end,
            started_by=acting_user,
        )
        events.on_run(
            events.RUN_STARTED,
            run,
            actor=Actor.of_user(acting_user),
            detail={"scenario": scenario.name, "replications": run.replications},
        )
    return run


def _note_progress(run_id, done: int) -> None:
    Run.objects.filter(pk=run_id, done__lt=done).update(done=done, updated_at=timezone.now())


def execute_run(run: Run, *, workers: int | None = None, progress=None) -> Run:
    """Fits the run's inputs from the program's history, runs its replications in
    parallel, and keeps the figures; a run whose history cannot be fitted fails with the
    reason. `progress(done, total)` is told too."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("scenario__program").get(pk=run.pk)
        if run.state != RunState.QUEUED:
            raise RunNotQueued(run)
        run.state, run.started_at = RunState.RUNNING, timezone.now()
        run.save(update_fields=["state", "started_at", "updated_at"])
    parsed = parse_scenario(run.text)

    def told(done: int, total: int) -> None:
        _note_progress(run.pk, done)
        if progress:
            progress(done, total)

    try:
        inputs = inputs_for(run.scenario.program, parsed)
    except NoHistory as error:
        return _finish(run, result=None, error=str(error))
    outcome = replicate(
        inputs,
        replications=parsed.replications,
        seed=parsed.seed,
        workers=workers,
        progress=told,
    )
    result = outcome.as_dict()
    result["teams"] = [team.name for team in inputs.teams]
    result["kinds"] = len(inputs.demand.kinds)
    return _finish(run, result=result, error="")


def _finish(run: Run, *, result, error: str) -> Run:
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run.pk)
        run.state = RunState.DONE if result is not None else RunState.FAILED
        run.result, run.error = result, error[:500]
        run.done = F("done") if result is None else run.replications
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "result", "error", "done", "finished_at", "updated_at"])
        events.on_run(
            events.RUN_FINISHED,
            run,
            actor=Actor.system(),
            detail={"state": run.state, "scenario_id": run.scenario_id},
        )
    run.refresh_from_db()
    return run
