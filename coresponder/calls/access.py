"""Reading calls: what of a call a user may see, decided by the privacy policy.

A call is information about a person (where they were, what the caller said, whether a
weapon was reported), so its fields carry privacy classes like the person index's. Who
"works" a call is the call-level relation: the dispatch desk while the call is open, the
call-taker, and the members of every team sent to it. Each page or API read of calls that
name a person writes one audit entry per such call; the board, which never names anyone,
writes entries only when what it shows has changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from coresponder.accounts.models import Role
from coresponder.core.exceptions import NotFound
from coresponder.core.languages import language_name
from coresponder.privacy import gate
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import PROGRAM_STAFF, Relation

from . import crews, events
from .models import (
    CONCERN_WORDS,
    CORRECTABLE,
    SCREENING_WORDS,
    SOURCE_WORDS,
    Call,
    CallerRelation,
    CallState,
)
from .triage import RESPONSE_WORDS, Response

CALL_READERS = (*PROGRAM_STAFF, Role.ADMINISTRATOR)
# The dispatch desk works every open call; responders work the calls their team is sent to.
DESK = (Role.DISPATCHER, Role.SUPERVISOR)
RESPONDERS = (Role.OFFICER, Role.CLINICIAN, Role.EMT)


def working_calls(user, calls: list[Call]) -> set:
    """The ids of the calls among `calls` that `user` works (one query for any number)."""
    working = set()
    desk = user.has_role(*DESK)
    for call in calls:
        if call.taken_by_id == user.pk or (desk and call.is_open):
            working.add(call.pk)
    rest = [call.pk for call in calls if call.pk not in working]
    if rest:
        working |= crews.calls_sent_to(user, rest)
    return working


@dataclass
class CallView:
    """A call as one user may see it. A class the user may not read is absent (None)."""

    id: Any
    reference: str
    state: str
    state_words: str
    priority: int
    response: str
    response_words: str
    received_at: datetime
    source_words: str
    address: str
    latitude: float | None
    longitude: float | None
    concerns: list[str]
    concern_words: list[str]
    language: str
    summary: str
    caller_name: str
    caller_phone: str
    caller_relation_words: str
    triage_response_words: str
    triage_priority: int
    triage_says: str
    triage_rule: str
    override_reason: str
    has_person: bool
    person_id: Any
    external_id: str
    screening: list[str] | None = None  # None: not the reader's to see
    screening_words: list[str] | None = None
    classes: list[str] = field(default_factory=list)
    revision: int = 0
    overridden_by_name: str = ""
    closed_at: datetime | None = None
    closed_by_name: str = ""
    close_reason: str = ""
    # How much of received_at is known (`models.TimePrecision`): an import may know less.
    received_precision: str = "minute"
    # How the call ended as a CAD or an export reported it (not an encounter's record).
    reported_disposition: str = ""
    reported_outcome: str = ""
    reported_cleared_at: datetime | None = None
    # Its corrections since intake, oldest first, when asked for (`with_corrections`).
    corrections: list[CorrectionView] = field(default_factory=list)

    @property
    def reported_disposition_words(self) -> str:
        # The codes are words already; the encounters app, above this one, has the labels.
        return self.reported_disposition.replace("_", " ")

    @property
    def is_open(self) -> bool:
        return self.state in (CallState.OPEN, CallState.DISPATCHED)

    @property
    def language_words(self) -> str:
        """The language needed by name ("Spanish"), however it came in ("es")."""
        return language_name(self.language)

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def danger(self) -> bool:
        """Whether the screening reported a danger to responders (when the reader may know)."""
        return bool(self.screening and {"weapon", "violence_or_threats"} & set(self.screening))

    def as_dict(self) -> dict:
        data = {
            "id": self.id,
            "reference": self.reference,
            "state": self.state,
            "priority": self.priority,
            "response": self.response,
            "received_at": self.received_at,
            "source": self.source_words,
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "concerns": self.concerns,
            "language": self.language,
            "summary": self.summary,
            "caller_name": self.caller_name,
            "caller_phone": self.caller_phone,
            "triage": {
                "response": self.triage_response_words,
                "priority": self.triage_priority,
                "rule": self.triage_rule,
                "says": self.triage_says,
            },
            "override_reason": self.override_reason,
            "person_id": self.person_id,
            "external_id": self.external_id,
        }
        if self.screening is not None:
            data["screening"] = self.screening
        return data


@dataclass
class CorrectionView:
    """One correction of a call as its reader may see it: each field before and after,
    in words; the screening only for those who may read it."""

    id: Any
    at: datetime
    by_name: str
    reason: str
    lines: list[tuple[str, str, str]]  # (what, before, after)
    values: dict[str, list]  # each field shown: [before, after] as stored
    triage_before: str
    triage_after: str
    response_before: str
    response_after: str

    @property
    def response_changed(self) -> bool:
        """Whether the call's response moved otherwise than its triage did (an override
        kept, or given up): said on a line of its own."""
        return self.response_before != self.response_after and (
            self.response_before != self.triage_before or self.response_after != self.triage_after
        )

    @property
    def triage_changed(self) -> bool:
        return self.triage_before != self.triage_after


def _field_words(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if name == "concerns":
        return ", ".join(str(CONCERN_WORDS.get(c, c)) for c in value)
    if name == "screening":
        return ", ".join(str(SCREENING_WORDS.get(s, s)) for s in value)
    if name == "source":
        return str(SOURCE_WORDS.get(value, value))
    if name == "caller_relation":
        return str(CallerRelation(value).label) if value in CallerRelation.values else value
    if name == "language":
        return language_name(value)
    return str(value)


def triage_words(decided: dict) -> str:
    response = decided.get("response", "")
    words = RESPONSE_WORDS.get(Response(response), response) if response else ""
    return _("%(response)s, priority %(priority)s") % {
        "response": words,
        "priority": decided.get("priority", ""),
    }


def _correction_view(projection: gate.Projection) -> CorrectionView:
    shown = projection.fields
    lines = []
    changes = shown.get("changes") or {}
    if shown.get("screening_before") is not None or shown.get("screening_after") is not None:
        changes = {**changes, "screening": [shown["screening_before"], shown["screening_after"]]}
    for name in CORRECTABLE:
        if name in changes:
            before, after = changes[name]
            lines.append(
                (
                    str(Call._meta.get_field(name).verbose_name),
                    _field_words(name, before),
                    _field_words(name, after),
                )
            )
    by = shown["corrected_by"]
    return CorrectionView(
        id=projection.id,
        values={name: list(changes[name]) for name in CORRECTABLE if name in changes},
        at=shown["created_at"],
        by_name=str(by) if by is not None else "",
        reason=shown.get("reason", ""),
        lines=lines,
        triage_before=triage_words(shown["triage_before"]),
        triage_after=triage_words(shown["triage_after"]),
        response_before=triage_words(shown["response_before"]),
        response_after=triage_words(shown["response_after"]),
    )


def _view(projection: gate.Projection) -> CallView:
    """A call's view, built from what the gate let through (never from the row)."""
    shown = projection.fields
    screening = shown.get("screening")
    overridden_by = shown["overridden_by"]
    return CallView(
        id=projection.id,
        reference=shown["reference"],
        state=shown["state"],
        state_words=str(CallState(shown["state"]).label),
        priority=shown["priority"],
        response=shown["response"],
        response_words=RESPONSE_WORDS[Response(shown["response"])],
        received_at=shown["received_at"],
        received_precision=shown["received_precision"],
        reported_disposition=shown["reported_disposition"],
        reported_outcome=shown["reported_outcome"],
        reported_cleared_at=shown["reported_cleared_at"],
        source_words=str(SOURCE_WORDS.get(shown["source"], shown["source"])),
        address=shown["address"],
        latitude=shown["latitude"],
        longitude=shown["longitude"],
        concerns=list(shown["concerns"]),
        concern_words=[str(CONCERN_WORDS.get(c, c)) for c in shown["concerns"]],
        language=shown["language"],
        summary=shown["summary"],
        caller_name=shown["caller_name"],
        caller_phone=shown["caller_phone"],
        caller_relation_words=str(CallerRelation(shown["caller_relation"]).label),
        triage_response_words=RESPONSE_WORDS[Response(shown["triage_response"])],
        triage_priority=shown["triage_priority"],
        triage_says=shown["triage_says"],
        triage_rule=shown["triage_rule"],
        override_reason=shown["override_reason"],
        has_person=projection.person_id is not None,
        person_id=projection.person_id,
        external_id=shown["external_id"],
        screening=list(screening) if screening is not None else None,
        screening_words=[str(SCREENING_WORDS.get(s, s)) for s in screening]
        if screening is not None
        else None,
        classes=sorted(projection.readable),
        revision=shown["revision"],
        overridden_by_name=str(overridden_by) if overridden_by is not None else "",
        closed_at=shown["closed_at"],
        closed_by_name=str(closed_by) if (closed_by := shown["closed_by"]) is not None else "",
        close_reason=shown["close_reason"],
        corrections=[_correction_view(row) for row in projection.extra.get("corrections", [])],
    )


def _corrections_of(call: Call) -> list:
    return list(call.corrections.select_related("corrected_by").order_by("created_at", "pk"))


def view_calls(
    user,
    calls: list[Call],
    *,
    channel: str,
    request=None,
    now: datetime | None = None,
    with_corrections: bool = False,
) -> list[CallView]:
    """The calls as `user` may see them, through the read gate: decided (those who work a
    call are on it), projected, and each read of a person's call audited (one entry per
    reader, call and window). `with_corrections`: each call's corrections too, projected
    with it (the call page's history; one query per call)."""
    if not user.has_role(*CALL_READERS):
        return []
    working = working_calls(user, calls)
    prefetch_related_objects(calls, "overridden_by", "closed_by")
    projections = gate.read(
        user,
        calls,
        channel=channel,
        request=request,
        now=now,
        event=events.CALL_VIEWED,
        label="call",
        relations={call.pk: {Relation.ON_CALL} for call in calls if call.pk in working},
        # A call is about what happened, not the person's record: operational and public
        # safety are all it holds.
        classes={DataClass.OPERATIONAL, DataClass.PUBLIC_SAFETY},
        detail=lambda call: {"call": str(call.pk), "reference": call.reference},
        anonymous=False,  # a call naming no one reveals no one
        children={"corrections": _corrections_of} if with_corrections else None,
    )
    return [_view(projection) for projection in projections]


def access_call_by_id(user, call_id) -> Call:
    """The call, for an action to act on; NotFound for another program's or a bad id."""
    try:
        call_id = uuid.UUID(str(call_id))
    except ValueError:
        raise NotFound(_("No such call.")) from None
    call = (
        Call.objects.filter(pk=call_id, program_id=user.agency.program_id)
        .select_related("program")
        .first()
        if user.has_role(*CALL_READERS)
        else None
    )
    if call is None:
        raise NotFound(_("No such call."))
    return call


def view_call(user, call_id, *, channel: str, request=None, now=None) -> CallView:
    call = access_call_by_id(user, call_id)
    views = view_calls(user, [call], channel=channel, request=request, now=now)
    if not views:
        raise NotFound(_("No such call."))
    return views[0]
