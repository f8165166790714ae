"""Audit events of follow-up cases. Each function writes exactly one entry, on the person,
so the person's accounting of disclosures lists every read and write of their case."""

from __future__ import annotations

from coresponder.privacy.audit import Actor, Pending, record

CASE_OPENED = "cases.case_opened"
CASE_REOPENED = "cases.case_reopened"
CASE_CHANGED = "cases.case_changed"
CASE_CLOSED = "cases.case_closed"
CASE_FLAGGED = "cases.case_flagged"
CASE_VIEWED = "cases.case_viewed"
CASES_LISTED = "cases.cases_listed"
TASK_ADDED = "cases.task_added"
TASK_DONE = "cases.task_done"
TASK_REMINDED = "cases.task_reminded"
CONTACT_LOGGED = "cases.contact_logged"
GOAL_SET = "cases.goal_set"
SAFETY_PLAN_REVISED = "cases.safety_plan_revised"
SAFETY_PLAN_VIEWED = "cases.safety_plan_viewed"


def on_case(
    action: str, case, *, actor: Actor, fields=(), detail: dict | None = None, request=None
) -> None:
    record(
        action,
        actor=actor,
        object_type="person",
        object_id=case.person_id,
        fields=fields,
        detail={"case": str(case.pk), **(detail or {})},
        request=request,
    )


def on_person(
    action: str, person_id, *, actor: Actor, fields=(), detail: dict | None = None, request=None
) -> None:
    record(
        action,
        actor=actor,
        object_type="person",
        object_id=person_id,
        fields=fields,
        detail=detail or {},
        request=request,
    )


def cases_listed(cases, *, actor: Actor, classes: dict, channel: str) -> list[Pending]:
    """One entry per case shown on a list (a worklist, the API), for `record_many`.
    `classes` maps each person to the {class: basis} the row showed."""
    return [
        Pending(
            CASES_LISTED,
            actor,
            object_type="person",
            object_id=case.person_id,
            fields=sorted(classes[case.person_id]),
            detail={
                "case": str(case.pk),
                "channel": channel,
                "basis": ";".join(
                    f"{cls}={basis}" for cls, basis in sorted(classes[case.person_id].items())
                ),
            },
        )
        for case in cases
    ]
