"""Audit events of the outcomes. None of them reads a person: the figures are aggregates
and the extract is de-identified; they are logged because who took what out of the program
is itself something a program must be able to answer."""

from __future__ import annotations

from coresponder.core.audit import Actor, record

OUTCOMES_VIEWED = "analytics.outcomes_viewed"
REPORT_MADE = "analytics.report_made"
EXTRACT_MADE = "analytics.deidentified_extract_made"
STATE_EXPORT_MADE = "analytics.state_export_made"
COSTS_CHANGED = "analytics.costs_changed"
# The facts builder reads people's date of birth, sex, veteran status and postal code to
# make age bands and codes: a system read, logged once per rebuild with how many people.
FACTS_REBUILT = "analytics.facts_rebuilt"


def on_program(action: str, program, *, actor: Actor, detail: dict | None = None, request=None):
    record(
        action,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
        request=request,
    )
