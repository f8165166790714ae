"""Audit events of follow-up cases. Each function writes exactly one entry, on the person,
so the person's accounting of disclosures lists every read and write of their case."""

from __future__ import annotations

from coresponder.core.audit import Actor, record

CASE_OPENED = "cases.case_opened"
CASE_REOPENED = "cases.case_reopened"
CASE_CHANGED = "cases.case_changed"
CASE_CLOSED = "cases.case_closed"
CASE_FLAGGED = "cases.case_flagged"
CASE_VIEWED = "cases.case_viewed"
CASES_LISTED = "cases.cases_listed"
# The person page's list of their calls, encounters, cases and referrals.
PERSON_RECORDS_READ = "cases.person_records_read"
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
