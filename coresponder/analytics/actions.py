"""The outcomes' writes: one transaction, an acting user, one audit event each."""

from __future__ import annotations

from django.db import transaction

from coresponder.core.audit import Actor

from . import events
from .forms import CostSettingsForm
from .models import CostSettings


def change_cost_settings(program, *, values: dict, acting_user, request=None) -> CostSettings:
    """Set the program's unit costs and baseline; one audit event naming what changed."""
    with transaction.atomic():
        costs, _created = CostSettings.objects.get_or_create(program=program)
        costs = CostSettings.objects.select_for_update().get(pk=costs.pk)
        changed = {
            name: [getattr(costs, name), values[name]]
            for name in CostSettingsForm.Meta.fields
            if getattr(costs, name) != values[name]
        }
        if not changed:
            return costs
        for name in changed:
            setattr(costs, name, values[name])
        costs.save(update_fields=[*changed, "updated_at"])
        events.on_program(
            events.COSTS_CHANGED,
            program,
            actor=Actor.of_user(acting_user),
            detail={name: f"{old} → {new}" for name, (old, new) in changed.items()},
            request=request,
        )
    return costs


def _period_detail(start, end, via: str | None, **more) -> dict:
    detail = {"from": start.isoformat(), "to": end.isoformat(), **more}
    if via:
        detail["via"] = via
    return detail


def take_extract(
    target, *, program, start, end, dates, actor: Actor, via=None, request=None, **options
):
    """Write the de-identified extract and log who took it; a refused one logs nothing."""
    from .deidentified import write_extract

    made = write_extract(target, program=program, start=start, end=end, dates=dates, **options)
    events.on_program(
        events.EXTRACT_MADE,
        program,
        actor=actor,
        detail=_period_detail(start, end, via, rows=made.rows, dates=dates),
        request=request,
    )
    return made


def take_state_export(target, *, program, start, end, actor: Actor, via=None, request=None):
    """Write the state's monthly files and log who took them."""
    from .state_export import write_state_export

    exported = write_state_export(target, program=program, start=start, end=end)
    events.on_program(
        events.STATE_EXPORT_MADE,
        program,
        actor=actor,
        detail=_period_detail(start, end, via, months=len(exported.files)),
        request=request,
    )
    return exported
