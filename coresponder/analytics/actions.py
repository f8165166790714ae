"""The outcomes' writes: one transaction, an acting user, one audit event each."""

from __future__ import annotations

from django.db import transaction

from coresponder.privacy.audit import Actor

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
