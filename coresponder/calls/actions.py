"""Writes to calls: intake, triage override, notes, closing, and the triage rule set.

Each action runs in one transaction, names who acted and writes one audit event. Bad
input is refused with a `DomainError` naming each bad field; nothing is written then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import AgencyKind, Role
from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, Invalid, PermissionDenied
from coresponder.core.time_bounds import TimeBounds, time_problem
from coresponder.people.models import Person
from coresponder.privacy.access import requester_of
from coresponder.privacy.policy import PROGRAM_STAFF, Action, Circumstances, Relation, decide

from . import crews, events, signals, triage
from .access import DESK, working_calls
from .models import (
    CORRECTABLE,
    OPEN_STATES,
    WITHOUT_DAY,
    Call,
    CallCorrection,
    CallerRelation,
    CallNote,
    CallSequence,
    CallState,
    Origin,
    TimePrecision,
    TriageRuleSet,
)

# Looked up once: an import checks every row against them.
RELATIONS = frozenset(CallerRelation.values)
PRECISIONS = frozenset(TimePrecision.values)
CALL_TAKERS = (Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR)
# Whose machines (CAD, 988 platforms) may send calls in.
CALL_TAKING_AGENCIES = (
    AgencyKind.LAW_ENFORCEMENT,
    AgencyKind.BEHAVIORAL_HEALTH,
    AgencyKind.FIRE_EMS,
)
RULE_EDITORS = (Role.ADMINISTRATOR,)
# Rows inserted in one statement by `take_calls`.
IMPORT_BATCH = 2000
MAX_TEXT = {"address": 300, "caller_name": 200, "caller_phone": 32, "language": 40}


@dataclass
class CallIn:
    """What intake knows of a call: from the page, the API, a CAD system or an import."""

    source: str
    concerns: list[str] = field(default_factory=list)
    screening: list[str] = field(default_factory=list)
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    caller_name: str = ""
    caller_phone: str = ""
    caller_relation: str = CallerRelation.UNKNOWN
    person_id: uuid.UUID | None = None
    language: str = ""
    summary: str = ""
    received_at: datetime | None = None
    # An export may know the time only to the hour, day, month or year (received_at is then
    # the start of it), and the weekday and hour without the day.
    received_precision: str = TimePrecision.MINUTE
    received_weekday: int | None = None
    received_hour: int | None = None
    external_id: str = ""
    # A call-taker who disagrees with triage sets these, with a reason.
    response: str = ""
    priority: int | None = None
    override_reason: str = ""


def rules_in_force(program) -> TriageRuleSet:
    """The newest rule set of the program; a new program starts with the default rules."""
    rule_set = TriageRuleSet.objects.filter(program=program).order_by("-version").first()
    if rule_set is None:
        TriageRuleSet.objects.bulk_create(
            [
                TriageRuleSet(
                    program=program,
                    version=1,
                    rules=triage.DEFAULT_RULES,
                    note="The default rules Coresponder ships.",
                )
            ],
            ignore_conflicts=True,
        )
        rule_set = TriageRuleSet.objects.filter(program=program).order_by("-version").first()
    return rule_set


def _triaged(rule_set: TriageRuleSet, *, source: str, concerns, screening) -> triage.Decision:
    """The rule set's decision for a call's line, concerns and screening as stored."""
    facts = triage.CallFacts(
        source=triage.Source(source),
        concerns=frozenset(triage.Concern(c) for c in concerns),
        screening=frozenset(triage.Screening(s) for s in screening),
    )
    return triage.triage(facts, rule_set.parsed())


def preview(program, *, source: str, concerns, screening) -> triage.Decision:
    """Triage as the call-taker types: no call is written."""
    return _triaged(rules_in_force(program), source=source, concerns=concerns, screening=screening)


def problems_with(call_in: CallIn, bounds: TimeBounds) -> dict[str, list[str]]:
    """Each bad field of an intake, with what is wrong, in words; `received_at` is held
    to the program's bounds (`Program.time_bounds`)."""
    problems: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if call_in.source not in triage.Source._value2member_map_:
        bad("source", _("Unknown source %(value)r.") % {"value": call_in.source})
    for name, kind in (("concerns", triage.Concern), ("screening", triage.Screening)):
        values = getattr(call_in, name)
        if isinstance(values, str) or not isinstance(values, list | tuple | set | frozenset):
            bad(name, _("Give a list."))
            continue
        unknown = sorted(str(v) for v in values if v not in kind._value2member_map_)
        if unknown:
            bad(name, _("Unknown values: %(values)s.") % {"values": ", ".join(unknown)})
    if call_in.caller_relation not in RELATIONS:
        bad(
            "caller_relation", _("Unknown relation %(value)r.") % {"value": call_in.caller_relation}
        )
    if (call_in.latitude is None) != (call_in.longitude is None):
        bad("latitude", _("Give both latitude and longitude, or neither."))
    if call_in.latitude is not None and not -90 <= call_in.latitude <= 90:
        bad("latitude", _("Latitude is between -90 and 90."))
    if call_in.longitude is not None and not -180 <= call_in.longitude <= 180:
        bad("longitude", _("Longitude is between -180 and 180."))
    for name, limit in MAX_TEXT.items():
        if len(getattr(call_in, name) or "") > limit:
            bad(name, _("At most %(limit)d characters.") % {"limit": limit})
    for name in (*MAX_TEXT, "summary", "external_id"):
        if "\x00" in (getattr(call_in, name) or ""):
            bad(name, _("Text may not contain NUL characters."))
    if not call_in.address.strip() and call_in.latitude is None:
        bad("address", _("Say where: an address, a place or coordinates."))
    if call_in.received_at is not None:
        problem = time_problem(call_in.received_at, bounds)
        if problem:
            bad("received_at", problem)
    if call_in.received_precision not in PRECISIONS:
        bad(
            "received_at", _("Unknown precision %(value)r.") % {"value": call_in.received_precision}
        )
    elif (
        call_in.received_weekday is not None or call_in.received_hour is not None
    ) and call_in.received_precision not in WITHOUT_DAY:
        bad("received_at", _("A weekday or an hour on its own is for a time without its day."))
    overriding = bool(call_in.response) or call_in.priority is not None
    if overriding:
        if call_in.response and call_in.response not in triage.Response._value2member_map_:
            bad("response", _("Unknown response %(value)r.") % {"value": call_in.response})
        if call_in.priority is not None and call_in.priority not in triage.PRIORITIES:
            bad("priority", _("Priority is 1 (most urgent) to 4."))
        if not call_in.override_reason.strip():
            bad("override_reason", _("Say why you override the triage."))
    return problems


def reference_year(program, at: datetime) -> int:
    """The year a call received at `at` is numbered in: the year on the program's clock,
    whichever way the call came in (a call at 23:59 on 31 December is that year's)."""
    return timezone.localtime(at, program.zone).year


@dataclass(frozen=True)
class ReportedOutcome:
    """How a call ended as another system (a CAD) reports it."""

    disposition: str  # one of the program's dispositions or "other", checked by the caller
    outcome: str = ""  # the system's own words
    cleared_at: datetime | None = None
    covers: tuple[str, ...] = ()  # the dispositions the system could have said


REPORTED_OUTCOME_MAX = 200


def record_reported_outcome(
    call: Call, reported: ReportedOutcome, *, actor: Actor, request=None
) -> tuple[Call, bool]:
    """Keeps what another system says of how the call ended; the same again changes
    nothing and writes nothing. Returns the call and whether it changed."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        problems: dict[str, list[str]] = {}
        if not reported.disposition:
            problems["disposition"] = [_("Say how the call ended.")]
        if len(reported.outcome) > REPORTED_OUTCOME_MAX or "\x00" in reported.outcome:
            problems["outcome"] = [
                _("At most %(limit)d characters, and no NUL.") % {"limit": REPORTED_OUTCOME_MAX}
            ]
        cleared = reported.cleared_at
        if cleared is not None and cleared < call.received_at:
            problems["cleared_at"] = [_("A call cannot be cleared before it was received.")]
        elif cleared is not None and cleared > timezone.now():
            problems["cleared_at"] = [_("A call cannot be cleared in the future.")]
        if problems:
            raise DomainError(_("The outcome could not be recorded."), fields=problems)
        covers = sorted(reported.covers)
        now = (
            call.reported_disposition,
            call.reported_outcome,
            call.reported_cleared_at,
            call.reported_covers,
        )
        if now == (reported.disposition, reported.outcome, cleared, covers):
            return call, False
        call.reported_disposition = reported.disposition
        call.reported_outcome = reported.outcome
        call.reported_cleared_at = cleared
        call.reported_covers = covers
        call.save(
            update_fields=[
                "reported_disposition",
                "reported_outcome",
                "reported_cleared_at",
                "reported_covers",
                "updated_at",
            ]
        )
        events.outcome_reported(call=call, actor=actor, request=request)
    return call, True


# Standard SQL that PostgreSQL and SQLite (3.35 and later) both run.
TAKE_NUMBERS = (
    'UPDATE "calls_callsequence" SET "last" = "last" + %s '
    'WHERE "program_id" = %s AND "year" = %s RETURNING "last"'
)


def reserve_references(program, at: datetime, count: int = 1) -> list[str]:
    """Call numbers `YYYY-NNNNNN` of the year `at` falls in on the program's clock, taken
    under a row lock so none is given twice."""
    year = reference_year(program, at)
    # One statement locks the year's row and takes the numbers: every intake waits on this
    # lock until its commit, so the lock costs one round trip, not three.
    with connection.cursor() as cursor:
        cursor.execute(TAKE_NUMBERS, [count, program.pk, year])
        row = cursor.fetchone()
        if row is None:  # the year's first call
            CallSequence.objects.bulk_create(
                [CallSequence(program=program, year=year)], ignore_conflicts=True
            )
            cursor.execute(TAKE_NUMBERS, [count, program.pk, year])
            row = cursor.fetchone()
    first = row[0] - count + 1
    return [f"{year}-{number:06d}" for number in range(first, first + count)]


def _actor_and_agency(acting_user, actor: Actor | None, agency):
    if acting_user is not None:
        if not acting_user.has_role(*CALL_TAKERS):
            raise PermissionDenied(_("Only call-takers, officers and supervisors take calls."))
        return Actor.of_user(acting_user), acting_user.agency
    if actor is None or agency is None:
        raise PermissionDenied(_("A call is taken by a user or an agency's system."))
    if agency.kind not in CALL_TAKING_AGENCIES:
        raise PermissionDenied(_("Only police, behavioural-health and EMS systems send calls."))
    return actor, agency


def _taken_call(
    call_in: CallIn,
    *,
    program,
    agency,
    acting_user,
    origin: str,
    rule_set: TriageRuleSet,
    decision: triage.Decision,
    now: datetime,
    person=None,
    reported: ReportedOutcome | None = None,
) -> Call:
    """The one definition of a taken call, not yet saved nor numbered: what `take_call`
    and `take_calls` insert. `call_in` has been checked (`problems_with`)."""
    response = call_in.response or decision.response
    priority = call_in.priority or decision.priority
    overridden = (response, priority) != (decision.response, decision.priority)
    if origin == Origin.IMPORT:
        # Past calls come in as closed history, never to be dispatched.
        phone = response == triage.Response.PHONE_RESOLUTION
        state = CallState.RESOLVED_BY_PHONE if phone else CallState.CLOSED
    else:
        state = CallState.OPEN
    return Call(
        program=program,
        reference="",
        # A clock a little ahead of ours (within the bounds' skew) is not a call from the future.
        received_at=min(call_in.received_at or now, now),
        received_precision=call_in.received_precision,
        received_weekday=call_in.received_weekday,
        received_hour=call_in.received_hour,
        source=call_in.source,
        origin=origin,
        taken_by_agency=agency,
        # Each given, not defaulted: a default costs a lookup per row of an import.
        taken_by=acting_user,
        person=person,
        overridden_by=acting_user if overridden else None,
        external_id=call_in.external_id,
        address=call_in.address.strip(),
        latitude=call_in.latitude,
        longitude=call_in.longitude,
        caller_name=call_in.caller_name.strip(),
        caller_phone=call_in.caller_phone.strip(),
        caller_relation=call_in.caller_relation,
        concerns=sorted(set(call_in.concerns), key=triage.CONCERN_ORDER.__getitem__),
        screening=sorted(set(call_in.screening), key=triage.SCREENING_ORDER.__getitem__),
        language=call_in.language.strip(),
        summary=call_in.summary.strip(),
        rule_set=rule_set,
        triage_response=decision.response,
        triage_priority=decision.priority,
        triage_rule=decision.rule.key,
        triage_says=decision.rule.says,
        response=response,
        priority=priority,
        override_reason=call_in.override_reason.strip() if overridden else "",
        state=state,
        reported_disposition=reported.disposition if reported else "",
        reported_outcome=reported.outcome if reported else "",
        reported_cleared_at=reported.cleared_at if reported else None,
        reported_covers=sorted(reported.covers) if reported else [],
    )


def take_call(
    call_in: CallIn,
    *,
    acting_user=None,
    actor: Actor | None = None,
    agency=None,
    origin: str = Origin.INTAKE,
    request=None,
) -> Call:
    """Records a call, triages it by the program's rules and keeps the decision's reason."""
    actor, agency = _actor_and_agency(acting_user, actor, agency)
    program = agency.program
    now = timezone.now()
    bounds = program.time_bounds(now)
    problems = problems_with(call_in, bounds)
    person = None
    if call_in.person_id is not None and not problems:
        person = Person.objects.filter(pk=call_in.person_id, program=program).first()
        if person is None:
            problems["person_id"] = [_("No such person in this program.")]
    if problems:
        # A time outside the bounds is refused as a value off its range is: 422 `invalid`.
        refusal = Invalid if "received_at" in problems else DomainError
        raise refusal(_("The call could not be recorded."), fields=problems)

    rule_set = rules_in_force(program)
    decision = _triaged(
        rule_set, source=call_in.source, concerns=call_in.concerns, screening=call_in.screening
    )
    call = _taken_call(
        call_in,
        program=program,
        agency=agency,
        acting_user=acting_user,
        origin=origin,
        rule_set=rule_set,
        decision=decision,
        now=now,
        person=person,
    )
    with transaction.atomic():
        # The call-number sequence and the audit chain head are row locks every intake
        # waits on until commit, so both are taken last: the insert and its indexes run
        # before, under a provisional number no real one can equal (32 hex digits).
        call.reference = uuid.uuid4().hex
        call.save(force_insert=True)
        if person is not None:
            signals.person_called.send(Call, call=call)
        call.reference = reserve_references(program, call.received_at)[0]
        Call.objects.filter(pk=call.pk).update(reference=call.reference)
        events.call_taken(
            call=call,
            actor=actor,
            fields=[f"call:{c}" for c in ("operational", "public_safety")],
            request=request,
        )
        if (call.response, call.priority) != (call.triage_response, call.triage_priority):
            events.triage_overridden(call=call, actor=actor, request=request)
    return call


@dataclass(frozen=True)
class CheckedCall:
    """A call `problems_with` found nothing wrong with, its triage by the rules in force,
    and what its own system said of how it ended."""

    call_in: CallIn
    decision: triage.Decision
    reported: ReportedOutcome | None = None


def take_calls(
    checked: list[CheckedCall], *, agency, rule_set: TriageRuleSet, origin: str = Origin.IMPORT
) -> list[Call]:
    """The bulk form of `take_call`, for an export's history: the same calls, numbered a
    year at a time and inserted together. Runs inside the caller's transaction, which has
    checked and triaged each call and writes one audit event for them all.

    Unlike `take_call`, the numbers are reserved before the insert: the caller holds the
    sequence's lock from its first batch to its one commit whatever the order, and a number
    given after the insert would cost an update per row."""
    if any(one.call_in.person_id is not None for one in checked):
        raise DomainError(_("Calls taken together name no person; take such a call alone."))
    program, now = agency.program, timezone.now()
    by_year: dict[int, list[Call]] = {}
    for one in checked:
        call = _taken_call(
            one.call_in,
            program=program,
            agency=agency,
            acting_user=None,
            origin=origin,
            rule_set=rule_set,
            decision=one.decision,
            now=now,
            reported=one.reported,
        )
        by_year.setdefault(reference_year(program, call.received_at), []).append(call)
    calls = []
    with transaction.atomic():
        for year_calls in by_year.values():
            references = reserve_references(program, year_calls[0].received_at, len(year_calls))
            for call, reference in zip(year_calls, references, strict=True):
                call.reference = reference
            calls += year_calls
        Call.objects.bulk_create(calls, batch_size=IMPORT_BATCH)
    return calls


def override_triage(
    call: Call, *, response: str, priority: int, reason: str, acting_user, request=None
) -> Call:
    if not acting_user.has_role(*DESK):
        raise PermissionDenied(_("Only dispatchers and supervisors override triage."))
    problems = problems_with(
        CallIn(
            source=call.source,
            address=call.address or "-",
            response=response,
            priority=priority,
            override_reason=reason,
        ),
        call.program.time_bounds(timezone.now()),
    )
    if problems:
        raise DomainError(_("The override could not be recorded."), fields=problems)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict(_("The call is closed; its response can no longer change."))
        locked.response, locked.priority = response, priority
        locked.override_reason = reason.strip()
        locked.overridden_by = acting_user
        locked.revision += 1
        locked.save(
            update_fields=[
                "response",
                "priority",
                "override_reason",
                "overridden_by",
                "revision",
                "updated_at",
            ]
        )
        events.triage_overridden(call=locked, actor=Actor.of_user(acting_user), request=request)
    return locked


# A call's notes are for those working it now; past this many the page polled every second
# grows too heavy to read (and to send), and what matters belongs in the summary or the
# encounter record. docs/dispatch.md says so.
MAX_NOTES_PER_CALL = 200


def add_note(call: Call, *, text: str, acting_user, request=None) -> CallNote:
    """A note from someone working the call (the desk, its call-taker, a team sent to it) or
    a supervisor, while the call is open, up to `MAX_NOTES_PER_CALL`."""
    text = (text or "").strip()
    if not acting_user.has_role(*PROGRAM_STAFF):
        raise PermissionDenied(_("Only the program's staff add notes to a call."))
    if call.program_id != acting_user.agency.program_id:
        raise PermissionDenied(_("That call is not in your program."))
    if not text:
        raise DomainError(_("Write the note first."), fields={"text": [_("The note is empty.")]})
    if len(text) > 2000 or "\x00" in text:
        raise DomainError(
            _("The note could not be saved."),
            fields={"text": [_("At most 2,000 characters, without NUL characters.")]},
        )
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict(_("The call is closed; it takes no more notes."))
        if not acting_user.has_role(Role.SUPERVISOR) and locked.pk not in working_calls(
            acting_user, [locked]
        ):
            raise PermissionDenied(
                _("Only those working the call and supervisors add notes to it.")
            )
        if CallNote.objects.filter(call=locked).count() >= MAX_NOTES_PER_CALL:
            raise Conflict(
                _(
                    "This call has %(count)d notes, the most a call takes. Put what matters "
                    "in the call's summary or the encounter record."
                )
                % {"count": MAX_NOTES_PER_CALL}
            )
        note = CallNote.objects.create(call=locked, author=acting_user, text=text)
        locked.revision += 1
        locked.save(update_fields=["revision", "updated_at"])
        call.revision = locked.revision
        events.note_added(note=note, actor=Actor.of_user(acting_user), request=request)
    return note


CLOSING_STATES = (CallState.RESOLVED_BY_PHONE, CallState.CLOSED, CallState.CANCELLED)


MAX_CLOSE_REASON = 500


def close_call(call: Call, *, state: str, acting_user, reason: str = "", request=None) -> Call:
    """The desk closes a call: resolved by phone, closed, or cancelled, which needs a reason
    (a cancelled call has no encounter to say what happened)."""
    if state not in CLOSING_STATES:
        raise DomainError(_("A call is closed as resolved by phone, closed or cancelled."))
    if not acting_user.has_role(*DESK):
        raise PermissionDenied(_("Only dispatchers and supervisors close calls."))
    reason = reason.strip()
    if state == CallState.CANCELLED and not reason:
        problem = _("Say why the call is cancelled.")
        raise DomainError(problem, fields={"reason": [problem]})
    if len(reason) > MAX_CLOSE_REASON or "\x00" in reason:
        raise DomainError(
            _("The reason is too long."),
            fields={"reason": [_("At most %(n)s characters.") % {"n": MAX_CLOSE_REASON}]},
        )
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict(_("The call is already closed."))
        still = crews.teams_on(locked)
        if still:
            raise Conflict(
                _("%(teams)s still on the call; clear the team first.")
                % {"teams": ", ".join(still)}
            )
        locked.state, locked.closed_at = state, timezone.now()
        locked.closed_by, locked.close_reason = acting_user, reason
        locked.revision += 1
        locked.save(
            update_fields=[
                "state",
                "closed_at",
                "closed_by",
                "close_reason",
                "revision",
                "updated_at",
            ]
        )
        events.call_closed(call=locked, actor=Actor.of_user(acting_user), request=request)
    return locked


# --- moves dispatch asks for ---------------------------------------------------------------
# A team sent, moved or cleared moves the call it is on. Dispatch calls these inside its
# own action's transaction, which writes that action's one audit event; each locks the
# call's row before it looks at the state and bumps the revision the live pages poll on.


def _move_state(call: Call, *, expected, **values) -> None:
    """Writes the move, only from a state it may be made from: the lock is held, so a
    row that is not in one of them is a mistake in the caller, never a lost race."""
    values["updated_at"] = timezone.now()
    moved = Call.objects.filter(pk=call.pk, state__in=expected).update(
        revision=F("revision") + 1, **values
    )
    if moved != 1:
        raise Conflict(_("Call %(call)s has moved on since.") % {"call": call.reference})
    for name, value in values.items():
        setattr(call, name, value)
    call.revision += 1


def send_team_to(call: Call) -> Call:
    """A team is sent to the call: refused when the call is closed. Returns the locked call."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict(
                _("Call %(call)s is %(state)s; it needs no team.")
                % {"call": locked.reference, "state": locked.get_state_display().lower()}
            )
        _move_state(locked, expected=OPEN_STATES, state=CallState.DISPATCHED)
    return locked


def note_team_moved(call: Call, *, last_cleared_at: datetime | None = None) -> Call:
    """A team on the call moved; `last_cleared_at` when it was the last to clear, which
    ends the call's field work: the call closes then, closed by no one."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if last_cleared_at is not None and locked.state in OPEN_STATES:
            _move_state(
                locked, expected=OPEN_STATES, state=CallState.CLOSED, closed_at=last_cleared_at
            )
        else:
            _move_state(locked, expected=CallState.values)
    return locked


def reopen_cleared(call: Call, *, cleared_at: datetime) -> Call:
    """A clearing taken back: the call it closed (closed by no one, at `cleared_at`) has
    its team again. A call closed since, some other way, stays closed."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        closed_by_the_clearing = (
            locked.state == CallState.CLOSED
            and locked.closed_by_id is None
            and locked.closed_at == cleared_at
        )
        if not closed_by_the_clearing:
            raise Conflict(
                _("Call %(call)s has been closed since: move the status instead.")
                % {"call": locked.reference}
            )
        _move_state(locked, expected=[CallState.CLOSED], state=CallState.DISPATCHED, closed_at=None)
    return locked


def link_person(call: Call, person, *, acting_user, request=None) -> Call:
    if not acting_user.has_role(*CALL_TAKERS):
        raise PermissionDenied(_("Only call-takers, officers and supervisors link persons."))
    if person.program_id != call.program_id:
        raise DomainError(_("That person is not in the call's program."))
    with transaction.atomic():
        Call.objects.filter(pk=call.pk).update(person=person, revision=call.revision + 1)
        call.person = person
        events.person_linked(call=call, actor=Actor.of_user(acting_user), request=request)
        signals.person_called.send(Call, call=call)
    return call


def change_rules(program, *, rules: list, note: str, acting_user, request=None) -> TriageRuleSet:
    """A new version of the program's rules; refused with the reason if it cannot be used."""
    if not acting_user.has_role(*RULE_EDITORS):
        raise PermissionDenied(_("Only administrators change the triage rules."))
    try:
        triage.parse_rules(rules)
    except triage.RuleError as error:
        raise DomainError(str(error), fields={"rules": [str(error)]}) from None
    with transaction.atomic():
        current = rules_in_force(program)
        rule_set = TriageRuleSet.objects.create(
            program=program,
            version=current.version + 1,
            rules=rules,
            note=note,
            created_by=acting_user,
        )
        events.rules_changed(rule_set=rule_set, actor=Actor.of_user(acting_user), request=request)
    return rule_set


# Correcting a call after intake ------------------------------------------------------------

# Who corrects what: the desk and whoever took the call correct every intake fact; a
# clinician sent to the call corrects what was reported (the concerns), which is what
# the referral step matches on. The privacy policy then decides each field by its class
# (the screening is public safety: written by law enforcement and a dispatcher on the call).
CLINICIAN_CORRECTS = frozenset({"concerns"})
MAX_SUMMARY = 4000
MAX_CORRECTION_REASON = 500


def fields_correctable_by(user, call: Call) -> frozenset[str]:
    """The intake facts of `call` that `user` may correct now (empty: none)."""
    requester = requester_of(user)
    if requester is None or call.program_id != user.agency.program_id:
        return frozenset()
    working = call.pk in working_calls(user, [call])
    if user.has_role(*DESK) or call.taken_by_id == user.pk:
        wanted = frozenset(CORRECTABLE)
    elif working and user.has_role(Role.CLINICIAN):
        wanted = CLINICIAN_CORRECTS
    else:
        return frozenset()
    circumstances = Circumstances(relations=frozenset({Relation.ON_CALL}) if working else ())
    writable = {
        data_class
        for data_class in {Call.privacy_classes[name] for name in wanted}
        if decide(requester, data_class, Action.WRITE, circumstances)
    }
    return frozenset(name for name in wanted if Call.privacy_classes[name] in writable)


def _ordered(values, kind) -> list[str]:
    return sorted(set(values), key=list(kind).index)


def _corrected_value(name: str, value):
    if name == "concerns":
        return _ordered(value, triage.Concern)
    if name == "screening":
        return _ordered(value, triage.Screening)
    if isinstance(value, str):
        return value.strip()
    return value


def _triage_of(response: str, priority: int, rule: str = "") -> dict:
    return {"response": response, "priority": priority, **({"rule": rule} if rule else {})}


def _check_correction(call: Call, changes: dict, acting_user, reason: str) -> str:
    """Refuses, before anything is locked, a correction of unknown fields, of fields the
    user may not correct, or with a reason or summary past its limit; returns the reason."""
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise DomainError(
            _("These are not facts of a call that can be corrected: %(fields)s.")
            % {"fields": ", ".join(unknown)},
            fields={name: [_("Not correctable.")] for name in unknown},
        )
    allowed = fields_correctable_by(acting_user, call)
    if not allowed:
        raise PermissionDenied(
            _("Only the desk, whoever took the call and a clinician sent to it correct a call.")
        )
    refused = sorted(set(changes) - allowed)
    if refused:
        raise PermissionDenied(
            _("You may not correct these facts of this call: %(fields)s.")
            % {"fields": ", ".join(refused)},
            fields={name: [_("Not yours to correct.")] for name in refused},
        )
    reason = (reason or "").strip()
    problems: dict[str, list[str]] = {}
    if len(reason) > MAX_CORRECTION_REASON or "\x00" in reason:
        problems["reason"] = [
            _("At most %(limit)d characters, without NUL characters.")
            % {"limit": MAX_CORRECTION_REASON}
        ]
    summary = changes.get("summary")
    if summary is not None and len(summary) > MAX_SUMMARY:
        problems["summary"] = [_("At most %(limit)d characters.") % {"limit": MAX_SUMMARY}]
    if problems:
        raise DomainError(_("The correction could not be recorded."), fields=problems)

    return reason


def correct_call(
    call: Call,
    *,
    changes: dict,
    acting_user,
    reason: str = "",
    keep_override: bool = True,
    request=None,
) -> CallCorrection | None:
    """Corrects intake facts of a call (`CORRECTABLE`), re-runs triage with the rules in
    force and keeps the new decision, in one `CallCorrection` and one audit event.

    An override stays unless `keep_override` is False (then the call takes the new
    triage's response); one the new triage now agrees with is no longer an override. A
    closed call is corrected too (its record feeds the program's figures), with a reason.
    Values equal to the call's change nothing; if nothing changes, nothing is written and
    None is returned.
    """
    reason = _check_correction(call, changes, acting_user, reason)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if set(changes) - fields_correctable_by(acting_user, locked):
            # Closed since it was checked: the desk no longer works it.
            raise PermissionDenied(_("You may no longer correct these facts of this call."))
        if locked.state not in OPEN_STATES and not reason:
            problem = _("The call is closed: say why it is corrected.")
            raise DomainError(problem, fields={"reason": [problem]})
        merged = {name: getattr(locked, name) for name in CORRECTABLE}
        merged.update(changes)
        for name in ("address", "caller_name", "caller_phone", "language", "summary"):
            merged[name] = merged[name] or ""
        problems = problems_with(CallIn(**merged), locked.program.time_bounds(timezone.now()))
        problems = {name: found for name, found in problems.items() if name in CORRECTABLE}
        if problems:
            raise DomainError(_("The correction could not be recorded."), fields=problems)
        corrected = {
            name: (before, after)
            for name in changes
            if (before := getattr(locked, name)) != (after := _corrected_value(name, merged[name]))
        }
        if not corrected:
            return None

        for name, (_before, after) in corrected.items():
            setattr(locked, name, after)
        rule_set = rules_in_force(locked.program)
        decision = _triaged(
            rule_set, source=locked.source, concerns=locked.concerns, screening=locked.screening
        )
        triage_before = _triage_of(
            locked.triage_response, locked.triage_priority, locked.triage_rule
        )
        response_before = _triage_of(locked.response, locked.priority)
        locked.rule_set = rule_set
        locked.triage_response, locked.triage_priority = decision.response, decision.priority
        locked.triage_rule, locked.triage_says = decision.rule.key, decision.rule.says
        chosen = (locked.response, locked.priority)
        if not locked.override_reason or not keep_override:
            chosen = (decision.response, decision.priority)
        locked.response, locked.priority = chosen
        if chosen == (decision.response, decision.priority):
            locked.override_reason, locked.overridden_by = "", None
        locked.revision += 1
        locked.save(
            update_fields=[
                *corrected,
                "rule_set",
                "triage_response",
                "triage_priority",
                "triage_rule",
                "triage_says",
                "response",
                "priority",
                "override_reason",
                "overridden_by",
                "revision",
                "updated_at",
            ]
        )
        screening = corrected.get("screening")
        correction = CallCorrection.objects.create(
            call=locked,
            corrected_by=acting_user,
            reason=reason,
            changes={
                name: [before, after]
                for name, (before, after) in corrected.items()
                if name != "screening"
            },
            screening_before=screening[0] if screening else None,
            screening_after=screening[1] if screening else None,
            triage_before=triage_before,
            triage_after=_triage_of(decision.response, decision.priority, decision.rule.key),
            response_before=response_before,
            response_after=_triage_of(locked.response, locked.priority),
        )
        events.call_corrected(
            correction=correction,
            call=locked,
            fields=[name for name in CORRECTABLE if name in corrected],
            actor=Actor.of_user(acting_user),
            request=request,
        )
    call.revision = locked.revision
    return correction
