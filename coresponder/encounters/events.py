"""Audit events of encounters and response plans. Each function writes exactly one entry.

The entry's object is the person when the call names one, so the person's accounting of
disclosures lists every read of their encounter.
"""

from __future__ import annotations

from coresponder.core.audit import Actor, record

ENCOUNTER_STARTED = "encounters.encounter_started"
ENCOUNTER_VIEWED = "encounters.encounter_viewed"
SECTION_SAVED = "encounters.section_saved"
SECTION_SIGNED = "encounters.section_signed"
ADDENDUM_ADDED = "encounters.addendum_added"
ASSESSMENT_RECORDED = "encounters.assessment_recorded"
DISPOSITION_SET = "encounters.disposition_set"
ARRIVED = "encounters.arrived_at_destination"
ENCOUNTER_COMPLETED = "encounters.encounter_completed"
PLAN_SAVED = "encounters.plan_saved"
PLAN_APPROVED = "encounters.plan_approved"
PLAN_VIEWED = "encounters.plan_viewed"
INSTRUMENT_ADDED = "encounters.instrument_added"


def _object(encounter, person_id) -> tuple[str, object]:
    return ("person", person_id) if person_id else ("encounter", encounter.pk)


def on_encounter(
    action: str,
    encounter,
    *,
    person_id,
    actor: Actor,
    fields=(),
    detail: dict | None = None,
    request=None,
) -> None:
    object_type, object_id = _object(encounter, person_id)
    record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        fields=fields,
        detail={"encounter": str(encounter.pk), **(detail or {})},
        request=request,
    )


def on_plan(action: str, plan, *, actor: Actor, fields=(), detail=None, request=None) -> None:
    record(
        action,
        actor=actor,
        object_type="person",
        object_id=plan.person_id,
        fields=fields,
        detail={"plan": str(plan.pk), **(detail or {})},
        request=request,
    )
