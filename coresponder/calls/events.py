"""Audit events of calls. Each function writes exactly one entry."""

from __future__ import annotations

from coresponder.core.audit import Actor, record

CALL_TAKEN = "calls.call_taken"
CALL_VIEWED = "calls.call_viewed"
TRIAGE_OVERRIDDEN = "calls.triage_overridden"
NOTE_ADDED = "calls.note_added"
CALL_CLOSED = "calls.call_closed"
PERSON_LINKED = "calls.person_linked"
RULES_CHANGED = "calls.triage_rules_changed"
OUTCOME_REPORTED = "calls.outcome_reported"
CALL_CORRECTED = "calls.call_corrected"


def _ids(call) -> dict:
    return {"call": str(call.pk), "reference": call.reference}


def call_taken(*, call, actor: Actor, fields: list[str], request=None) -> None:
    # Object is the person when there is one, so the person's accounting lists the call.
    record(
        CALL_TAKEN,
        actor=actor,
        object_type="person" if call.person_id else "call",
        object_id=call.person_id or call.pk,
        fields=fields,
        detail={**_ids(call), "origin": call.origin},
        request=request,
    )


def triage_overridden(*, call, actor: Actor, request=None) -> None:
    record(
        TRIAGE_OVERRIDDEN,
        actor=actor,
        object_type="call",
        object_id=call.pk,
        fields=["response", "priority", "override_reason"],
        detail={
            "reference": call.reference,
            "triage": f"{call.triage_response}/{call.triage_priority}",
            "chosen": f"{call.response}/{call.priority}",
        },
        request=request,
    )


def note_added(*, note, actor: Actor, request=None) -> None:
    record(
        NOTE_ADDED,
        actor=actor,
        object_type="call",
        object_id=note.call_id,
        fields=["note:operational"],
        detail={"note": str(note.pk)},
        request=request,
    )


def outcome_reported(*, call, actor: Actor, request=None) -> None:
    record(
        OUTCOME_REPORTED,
        actor=actor,
        object_type="call",
        object_id=call.pk,
        fields=["reported_disposition", "reported_outcome", "reported_cleared_at"],
        detail={
            "reference": call.reference,
            "disposition": call.reported_disposition,
            "cleared_at": call.reported_cleared_at.isoformat()
            if call.reported_cleared_at
            else None,
        },
        request=request,
    )


def call_closed(*, call, actor: Actor, request=None) -> None:
    record(
        CALL_CLOSED,
        actor=actor,
        object_type="call",
        object_id=call.pk,
        fields=["state", "close_reason"],
        detail={"reference": call.reference, "state": call.state},
        request=request,
    )


def person_linked(*, call, actor: Actor, request=None) -> None:
    record(
        PERSON_LINKED,
        actor=actor,
        object_type="person",
        object_id=call.person_id,
        fields=["person"],
        detail=_ids(call),
        request=request,
    )


def rules_changed(*, rule_set, actor: Actor, request=None) -> None:
    record(
        RULES_CHANGED,
        actor=actor,
        object_type="triage_rules",
        object_id=rule_set.pk,
        detail={"version": rule_set.version, "rules": len(rule_set.rules)},
        request=request,
    )


def _codes(value) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


# Coded fields whose before and after the entry itself carries; free text (a caller's
# name, what they said) and the screening (public safety) stay in the correction record,
# read through the gate, so that the chain holds no more of a person than it must.
CODED = ("source", "concerns", "caller_relation", "language")


def call_corrected(*, correction, call, fields: list[str], actor: Actor, request=None) -> None:
    detail = {
        **_ids(call),
        "correction": correction.pk,
        "fields": ",".join(fields),
        "reason": bool(correction.reason),
        "triage": "{} → {}".format(
            "{response}/{priority}".format(**correction.triage_before),
            "{response}/{priority}".format(**correction.triage_after),
        ),
        "response": "{} → {}".format(
            "{response}/{priority}".format(**correction.response_before),
            "{response}/{priority}".format(**correction.response_after),
        ),
    }
    for name in CODED:
        if name in correction.changes:
            before, after = correction.changes[name]
            detail[name] = f"{_codes(before)} → {_codes(after)}"
    record(
        CALL_CORRECTED,
        actor=actor,
        object_type="person" if call.person_id else "call",
        object_id=call.person_id or call.pk,
        fields=[f"call:{name}" for name in fields],
        detail=detail,
        request=request,
    )
