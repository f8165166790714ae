"""Reading referrals through the privacy policy, for partners and for the program's staff.

Who acts on a referral is a `Principal`: a signed-in user, or a partner agency's API token.
A partner (a user with the partner role, or a token) sees only the referrals sent to its
own agency; of each it reads what the policy lets the agency read of the person: who and
what (operational) through its referral-recipient relation, the need, the contact details
and the notes (care coordination) only while a consent in force shares them with it. Staff
read the referrals of an encounter they may read, with the care-coordination details when
the policy lets them. Every read that shows a referral writes one audit entry on the person.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Agency, ApiToken, Role
from coresponder.calls.access import working_calls
from coresponder.core.audit import Actor
from coresponder.core.exceptions import NotFound
from coresponder.core.local_time import end_of_local_day
from coresponder.privacy import events as privacy_events
from coresponder.privacy import gate
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import (
    Action,
    Circumstances,
    Decision,
    Relation,
    Requester,
    decide,
)

from .loop import CLOSED, MOVES, PARTNER_MOVES, QUEUE_GROUPS, WAITING, WORDS, State, access_ends_at
from .models import PartnerLink, Referral, ReferralSettings

CARE = DataClass.CARE_COORDINATION
OPERATIONAL = DataClass.OPERATIONAL


@dataclass(frozen=True)
class Principal:
    """Who acts: a signed-in user, or an agency's API token (never both)."""

    user: Any = None
    token: ApiToken | None = None

    @classmethod
    def of_request(cls, request) -> Principal:
        token = getattr(request, "api_token", None)
        if token is not None:
            return cls(token=token)
        return cls(user=request.user)

    @property
    def agency(self) -> Agency:
        return self.token.agency if self.token is not None else self.user.agency

    @property
    def actor(self) -> Actor:
        return Actor.of_token(self.token) if self.token is not None else Actor.of_user(self.user)

    @property
    def name(self) -> str:
        if self.token is not None:
            return f"{self.token.agency.name} (API token {self.token.prefix})"
        return str(self.user)

    @property
    def is_partner(self) -> bool:
        """An agency's token, or a user with the partner role: acts for its agency."""
        if self.token is not None:
            return self.token.is_active
        return bool(self.user and self.user.is_active and self.user.has_role(Role.PARTNER))

    def partner_of(self, agency_id) -> bool:
        return self.is_partner and agency_id is not None and self.agency.pk == agency_id


def agency_requester(agency: Agency) -> Requester:
    """A partner agency as the policy sees it: what any partner of it may read."""
    return Requester(roles=frozenset({Role.PARTNER}), agency_id=agency.pk, agency_kind=agency.kind)


# A whole agency's circumstances towards each person (its token's): the gate works them out.
agency_circumstances = gate.agency_circumstances


REFERRAL_SENDERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER})


def may_send_referrals(user, rights) -> bool:
    """Whether the user may send referrals on a call, given their `rights_for` it:
    clinicians and case managers who may write its care-coordination information."""
    return user.has_role(*REFERRAL_SENDERS) and rights.writes(CARE)


def consent_to_send(agency: Agency, person_id, *, at: datetime | None = None) -> Decision:
    """Whether a consent in force lets the partner agency read the person's
    care-coordination information now, which sending a referral needs (falsy if not)."""
    circumstances = agency_circumstances(agency, [person_id], at=at)[person_id]
    return decide(agency_requester(agency), CARE, Action.READ, circumstances)


def partner_agencies(service_ids: Iterable) -> dict[object, Agency]:
    """The partner agency that answers for each service's organisation, when linked."""
    links = (
        PartnerLink.objects.filter(organization__services__id__in=list(service_ids))
        .annotate(service_id=F("organization__services__id"))
        .select_related("agency")
    )
    return {link.service_id: link.agency for link in links}


def partner_readable(
    principal: Principal, person_ids: Iterable
) -> dict[object, dict[str, Decision]]:
    """For each person, the classes a partner principal may read now, with the basis (for
    an action to check what it may write; reads go through the gate)."""
    reader = gate.Reader.of(principal)
    every = gate.circumstances_of(reader, person_ids)
    return {
        person_id: gate.decide_all(reader, every.get(person_id, Circumstances()))
        for person_id in person_ids
    }


@dataclass
class MoveView:
    from_state: str
    to_state: str
    at: datetime
    by: str
    note: str | None  # None: not the reader's to see

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class ReferralView:
    id: Any
    encounter_id: Any
    person_id: Any
    kind: str
    voluntary: bool | None  # None: not the reader's to see (access ended)
    state: str
    state_words: str
    service_id: Any
    service: str
    organization_id: Any
    organization: str
    appointment_at: datetime | None
    decline_reason: str
    sent_by: str
    sent_at: datetime
    moved_at: datetime
    need: str | None  # None: not the reader's to see (care coordination)
    contact: str | None
    moves: list[MoveView]
    classes: list[str]
    access_ended: bool = False

    def as_dict(self) -> dict:
        data = dict(vars(self))
        data["moves"] = [move.as_dict() for move in self.moves]
        return data


def _with_related(referrals):
    return referrals.select_related(
        "service", "organization", "sent_by", "encounter__call"
    ).prefetch_related("events")


def _view(projection: gate.Projection) -> ReferralView:
    """A referral's view, built from what the gate let through (never from the row)."""
    shown = projection.fields
    return ReferralView(
        id=projection.id,
        # The encounter is given as its id when it was not fetched with the referral.
        encounter_id=getattr(shown["encounter"], "pk", shown["encounter"]),
        person_id=projection.person_id,
        kind=shown["kind"],
        voluntary=shown["voluntary"],
        state=shown["state"],
        state_words=str(WORDS[State(shown["state"])]),
        service_id=shown["service"].pk,
        service=shown["service"].name,
        organization_id=shown["organization"].pk,
        organization=shown["organization"].name,
        appointment_at=shown["appointment_at"],
        decline_reason=shown["decline_reason"],
        sent_by=str(shown["sent_by"]),
        sent_at=shown["sent_at"],
        moved_at=shown["moved_at"],
        need=shown.get("need"),
        contact=shown.get("contact"),
        moves=[
            MoveView(
                from_state=move["from_state"],
                to_state=move["to_state"],
                at=move["at"],
                by=move["by_name"],
                note=move.get("note"),
            )
            for move in projection.extra["moves"]
            if move.has("to_state")
        ],
        classes=sorted(projection.shown),
    )


def _closed_for_partner(
    referral: Referral, days_after_attended: int | None = None, now: datetime | None = None
) -> bool:
    """Whether the referral itself has ended the partner's access to the person: declined
    or withdrawn, or attended longer ago than the program's grace period. (A relation
    ended with its consent ends it too: the gate then shows nothing.)"""
    if days_after_attended is None:
        days_after_attended = ReferralSettings.days_after_attended_of(referral.program_id)
    ends = access_ends_at(State(referral.state), referral.moved_at, days_after_attended)
    return ends is not None and ends <= (now or timezone.now())


def partner_access_ended(principal: Principal, referral: Referral) -> bool:
    """Whether the partner no longer reaches the person through this referral (checked
    before a partner's move; shows nothing, so not audited)."""
    return _closed_for_partner(referral) or not gate.may_read(principal, referral, "service")


def _project_ended(referral: Referral) -> ReferralView:
    """What a partner whose access has ended sees: that the referral was sent, when, to
    which service, and its state if final; nothing about the person. Not a read of the
    person, so not audited."""
    final = State(referral.state) in CLOSED
    return ReferralView(
        id=referral.pk,
        encounter_id=None,
        person_id=None,
        kind=referral.kind,
        voluntary=None,
        state=referral.state if final else "",
        state_words=str(WORDS[State(referral.state)]) if final else _("access ended"),
        service_id=referral.service_id,
        service=referral.service.name,
        organization_id=referral.organization_id,
        organization=referral.organization.name,
        appointment_at=None,
        decline_reason="",
        sent_by=str(referral.sent_by),
        sent_at=referral.sent_at,
        moved_at=referral.moved_at,
        need=None,
        contact=None,
        moves=[],
        classes=[],
        access_ended=True,
    )


def _read(
    principal, referrals, *, channel: str, request=None, relations=None, event=None, children=None
):
    """The referrals through the read gate: decided, projected (a referral shows only
    when its service may be read: see `Referral.derived_class`) and audited."""
    return gate.read(
        principal,
        referrals,
        channel=channel,
        request=request,
        event=event or privacy_events.PERSON_READ,
        label="referral",
        relations=relations,
        require=None,
        require_field="service",
        children=children or {"moves": lambda referral: referral.events.all()},
        # A referral's details are held by the sending agency; shown to another agency,
        # they are a disclosure and appear in the person's accounting.
        holder=lambda referral: referral.sent_by.agency_id,
        detail=lambda referral: {"referral": str(referral.pk)},
        anonymous=False,
    )


def referrals_for_partner(
    principal: Principal, *, channel: str, request=None, state: str | None = None
) -> list[ReferralView]:
    """The referrals sent to the principal's agency, newest first, as it may see them."""
    if not principal.is_partner:
        return []
    referrals = Referral.objects.filter(
        agency=principal.agency, kind=Referral.Kind.REFERRAL
    ).order_by("-sent_at")
    if state:
        referrals = referrals.filter(state=state)
    referrals = list(_with_related(referrals))
    # A partner whose access has ended (the referral closed past its grace period, or the
    # relation ended with its consent: the gate then shows nothing) sees that it existed.
    days = ReferralSettings.days_after_attended_of(principal.agency.program_id)
    now = timezone.now()
    open_ones = [r for r in referrals if not _closed_for_partner(r, days, now)]
    shown = {
        projection.id: projection
        for projection in _read(principal, open_ones, channel=channel, request=request)
    }
    return [
        _view(shown[referral.pk]) if referral.pk in shown else _project_ended(referral)
        for referral in referrals
    ]


# The partner's queue -----------------------------------------------------------------------


def answer_within() -> timedelta:
    """How long a partner has to answer a referral, or to book one it accepted: the
    deadline past which reminders go (`COR_REFERRAL_REMINDER_HOURS`)."""
    return timedelta(hours=int(getattr(settings, "COR_REFERRAL_REMINDER_HOURS", 24)))


def with_due(referrals: QuerySet) -> QuerySet:
    """The referrals with `due_at`: when the partner's next step is due. An answer is due
    `answer_within()` after sending, a booking as long after accepting, an attendance at
    the appointment; nothing is due of the no-shows and the closed."""
    within = Value(answer_within())
    return referrals.annotate(
        due_at=Case(
            When(state__in=[State.SENT, State.RECEIVED], then=F("sent_at") + within),
            When(state=State.ACCEPTED, then=F("moved_at") + within),
            When(state=State.SCHEDULED, then=F("appointment_at")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def _partner_referrals(principal: Principal) -> QuerySet:
    return Referral.objects.filter(agency=principal.agency, kind=Referral.Kind.REFERRAL)


@dataclass(frozen=True)
class PartnerCounts:
    """How many of a partner's referrals wait on it, by what they wait for."""

    new: int  # sent, not yet opened
    received: int  # opened, not yet answered
    to_book: int  # accepted, no appointment yet
    booked: int  # an appointment made, not yet kept
    overdue: int = 0  # their next step past its due time
    no_show: int = 0
    closed: int = 0

    @property
    def waiting(self) -> int:
        return self.new + self.received + self.to_book

    @property
    def total(self) -> int:
        return self.waiting + self.booked + self.no_show + self.closed


def _counts(referrals: QuerySet, now: datetime) -> PartnerCounts:
    by = {
        "new": Q(state=State.SENT),
        "received": Q(state=State.RECEIVED),
        "to_book": Q(state=State.ACCEPTED),
        "booked": Q(state=State.SCHEDULED),
        "no_show": Q(state=State.NO_SHOW),
        "closed": Q(state__in=list(CLOSED)),
        "overdue": Q(due_at__lt=now),
    }
    figures = with_due(referrals).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in by.items()}
    )
    return PartnerCounts(**figures)


def partner_counts(principal: Principal, *, now: datetime | None = None) -> PartnerCounts:
    """Counts of the referrals sent to the principal's agency: figures of its own work,
    with nothing of any person (one query)."""
    if not principal.is_partner:
        return PartnerCounts(0, 0, 0, 0)
    return _counts(_partner_referrals(principal), now or timezone.now())


# The queue's filters, as the page's address names them.
STATE_FILTERS: dict[str, frozenset[State]] = {
    "waiting": WAITING,
    State.SENT.value: frozenset({State.SENT}),
    State.RECEIVED.value: frozenset({State.RECEIVED}),
    State.ACCEPTED.value: frozenset({State.ACCEPTED}),
    State.SCHEDULED.value: frozenset({State.SCHEDULED}),
    State.NO_SHOW.value: frozenset({State.NO_SHOW}),
    "closed": CLOSED - {State.INFORMATION_GIVEN},
}
DUE_FILTERS = ("overdue", "today", "week")
QUEUE_PAGE = 25


def filtered(referrals: QuerySet, *, state: str = "", due: str = "", now: datetime) -> QuerySet:
    """The referrals in the state (a key of `STATE_FILTERS`) and due when asked: overdue,
    by the end of today, or by the end of the seventh day (the program's days; overdue
    ones included)."""
    if state in STATE_FILTERS:
        referrals = referrals.filter(state__in=list(STATE_FILTERS[state]))
    if due == "overdue":
        referrals = referrals.filter(due_at__lt=now)
    elif due == "today":
        referrals = referrals.filter(due_at__lte=end_of_local_day(now))
    elif due == "week":
        referrals = referrals.filter(due_at__lte=end_of_local_day(now + timedelta(days=6)))
    return referrals


def queue_order(referrals: QuerySet) -> QuerySet:
    """What waits on the partner first, the most overdue first; then the booked, the
    no-shows and the closed, the newest first."""
    group = Case(
        *[
            When(state__in=list(states), then=Value(rank))
            for rank, states in enumerate(QUEUE_GROUPS)
        ],
        default=Value(len(QUEUE_GROUPS)),
        output_field=IntegerField(),
    )
    return referrals.annotate(queue_group=group).order_by(
        "queue_group", F("due_at").asc(nulls_last=True), "-sent_at", "pk"
    )


@dataclass
class QueueRow:
    view: ReferralView
    moves: list[str]  # the partner's moves open from the referral's state
    due_at: datetime | None
    overdue: bool
    # Who the person is and how to reach them, as the gate let them through: None or
    # empty when not the reader's to see.
    name: str | None = None
    born: date | None = None
    phone: str = ""
    email: str = ""


@dataclass
class PartnerQueue:
    rows: list[QueueRow]
    counts: PartnerCounts
    state: str = ""
    due: str = ""
    matching: int = 0
    page: int = 1
    pages: int = 1
    per_page: int = QUEUE_PAGE
    now: datetime | None = None
    first: int = field(init=False, default=0)  # the rows' place among those matching

    def __post_init__(self) -> None:
        self.first = (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


# What the queue shows of the person, read with the referral by the same reader.
PERSON_SHOWN = frozenset({"date_of_birth", "phone", "email"})
NAME_SHOWN = frozenset({"kind", "given", "middle", "family"})
QUEUE_CHILDREN = {
    "moves": lambda referral: referral.events.all(),
    "person": gate.Rows(
        lambda referral: [referral.person] if referral.person_id else [],
        only=PERSON_SHOWN,
        children={"names": gate.Rows(lambda person: person.names.all(), only=NAME_SHOWN)},
    ),
}


def _queue_row(
    referral: Referral, projection: gate.Projection | None, *, now: datetime
) -> QueueRow:
    if projection is None:
        return QueueRow(_project_ended(referral), [], None, False)
    view = _view(projection)
    row = QueueRow(
        view,
        sorted(MOVES[State(view.state)] & PARTNER_MOVES, key=list(State).index),
        referral.due_at,
        referral.due_at is not None and referral.due_at < now,
    )
    for person in projection.extra.get("person", []):
        names = [
            (
                name["kind"],
                " ".join(name[part] for part in ("given", "middle", "family") if name[part]),
            )
            for name in person.extra["names"]
            if name.has("given")
        ]
        legal = [full for kind, full in names if kind == "legal"]
        row.name = (legal or [full for _kind, full in names] or [None])[0]
        row.born = person.get("date_of_birth")
        row.phone, row.email = person.get("phone") or "", person.get("email") or ""
    return row


def partner_queue(
    principal: Principal,
    *,
    channel: str,
    state: str = "",
    due: str = "",
    page: int = 1,
    per_page: int = QUEUE_PAGE,
    now: datetime | None = None,
    request=None,
) -> PartnerQueue:
    """One page of the referrals sent to the principal's agency, in the queue's order
    (`queue_order`), with the counts of all of them. Only the page's rows are read through
    the gate, each with who the person is and how to reach them as far as the agency may
    read them, and audited. A constant number of queries however many referrals
    (tests/test_partner_queue.py lists them)."""
    now = now or timezone.now()
    if not principal.is_partner:
        return PartnerQueue([], PartnerCounts(0, 0, 0, 0), now=now)
    state = state if state in STATE_FILTERS else ""
    due = due if due in DUE_FILTERS else ""
    referrals = with_due(_partner_referrals(principal))
    counts = _counts(referrals, now)
    referrals = filtered(referrals, state=state, due=due, now=now)
    matching = referrals.count()
    pages = max(1, -(-matching // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    chosen = list(
        queue_order(referrals)
        .select_related("service", "organization", "sent_by", "person")
        .prefetch_related("events", "person__names")[start : start + per_page]
    )
    days = ReferralSettings.days_after_attended_of(principal.agency.program_id)
    open_ones = [r for r in chosen if not _closed_for_partner(r, days, now)]
    shown = {
        projection.id: projection
        for projection in _read(
            principal, open_ones, channel=channel, request=request, children=QUEUE_CHILDREN
        )
    }
    return PartnerQueue(
        [_queue_row(referral, shown.get(referral.pk), now=now) for referral in chosen],
        counts,
        state=state,
        due=due,
        matching=matching,
        page=page,
        pages=pages,
        per_page=per_page,
        now=now,
    )


def _on_call(user, referrals: list[Referral]) -> dict[object, set[Relation]]:
    """The call's workers are on its referrals' person: the relation the gate adds."""
    calls = [r.encounter.call for r in referrals if r.encounter_id is not None]
    working = working_calls(user, list({call.pk: call for call in calls}.values()))
    return {
        r.pk: {Relation.ON_CALL}
        for r in referrals
        if r.encounter_id is not None and r.encounter.call_id in working
    }


def _staff_shown(user, referrals: list[Referral], **read) -> list[gate.Projection]:
    return _read(Principal(user=user), referrals, relations=_on_call(user, referrals), **read)


def access_referral_by_id(principal: Principal, referral_id) -> Referral:
    """The referral, for a view or an action; NotFound for a bad id, another program's,
    another partner's, or one the user may not read, so existence never leaks."""
    try:
        referral_id = uuid.UUID(str(referral_id))
    except ValueError:
        raise NotFound(_("No such referral.")) from None
    referral = (
        Referral.objects.filter(pk=referral_id, program_id=principal.agency.program_id)
        .select_related("service", "organization", "sent_by", "encounter__call", "person", "agency")
        .first()
    )
    if referral is None:
        raise NotFound(_("No such referral."))
    if principal.is_partner:
        if referral.kind == Referral.Kind.REFERRAL and principal.partner_of(referral.agency_id):
            return referral
        raise NotFound(_("No such referral."))
    if principal.user is not None and _may_see(principal.user, referral):
        return referral
    raise NotFound(_("No such referral."))


def _may_see(user, referral: Referral) -> bool:
    """Whether the staff user may read the referral's service (a check for an action; it
    shows nothing, so it is not a read)."""
    return gate.may_read(
        user, referral, "service", relations=_on_call(user, [referral]).get(referral.pk, ())
    )


def view_referral(
    principal: Principal, referral: Referral, *, channel: str, request=None
) -> ReferralView:
    """One referral as the principal may see it (fetched by `access_referral_by_id`)."""
    if principal.is_partner:
        if _closed_for_partner(referral):
            return _project_ended(referral)
        shown = _read(principal, [referral], channel=channel, request=request)
        if not shown:  # its agency's referral, the relation ended: that it existed
            return _project_ended(referral)
    else:
        shown = _staff_shown(principal.user, [referral], channel=channel, request=request)
    if not shown:
        raise NotFound(_("No such referral."))
    return _view(shown[0])


def referrals_of_encounter(user, encounter, *, channel: str, request=None) -> list[ReferralView]:
    """The referrals made on an encounter, for staff who may read the encounter."""
    referrals = list(
        _with_related(Referral.objects.filter(encounter=encounter)).order_by("sent_at")
    )
    if not referrals:
        return []
    return [
        _view(projection)
        for projection in _staff_shown(user, referrals, channel=channel, request=request)
    ]


def referral_made_on(encounter) -> bool:
    """Whether a referral was sent on the encounter and stands (not withdrawn or declined):
    what a voluntary-referral disposition takes instead of asking for the service again.
    A yes or no, no service named: which service it was may be Part 2."""
    return (
        Referral.objects.filter(encounter=encounter, kind=Referral.Kind.REFERRAL)
        .exclude(state__in=(State.WITHDRAWN, State.DECLINED))
        .exists()
    )


@dataclass
class OutcomeView:
    """A referral's outcome on its encounter: operational facts only, no details."""

    id: Any
    kind: str
    service: str
    organization: str
    state: str
    state_words: str
    appointment_at: datetime | None
    last_move: str
    last_move_at: datetime
    last_move_by: str
    part2: bool = False  # Part 2 information: its reader is given the re-disclosure notice

    def as_dict(self) -> dict:
        return dict(vars(self))


def encounter_outcomes(user, encounter, *, channel: str, request=None) -> list[OutcomeView]:
    """What became of the encounter's referrals, as far as `user` may read each: a
    referral to a health service is care coordination, to a substance-use service Part 2
    (`Referral.derived_class`); a referral the reader may not read is left out. The
    gate audits each outcome shown."""
    referrals = list(
        _with_related(Referral.objects.filter(encounter=encounter)).order_by("sent_at")
    )
    if not referrals:
        return []
    outcomes = []
    for projection in _staff_shown(user, referrals, channel=channel, request=request):
        shown = projection.fields
        moves = [move for move in projection.extra["moves"] if move.has("to_state")]
        last = moves[-1] if moves else None
        outcomes.append(
            OutcomeView(
                id=projection.id,
                kind=shown["kind"],
                service=shown["service"].name,
                organization=shown["organization"].name,
                state=shown["state"],
                state_words=str(WORDS[State(shown["state"])]),
                appointment_at=shown["appointment_at"],
                last_move=last["to_state"] if last else shown["state"],
                last_move_at=last["at"] if last else shown["moved_at"],
                last_move_by=last["by_name"] if last else "",
                part2=DataClass.SUD_PART2 in projection.shown,
            )
        )
    return outcomes


class ReferralsOfEncounters:
    """Referrals' answers to what encounters asks (`encounters/referrals_made.py`)."""

    def made_on(self, encounter) -> bool:
        return referral_made_on(encounter)

    def outcomes(self, user, encounter, *, channel: str, request=None) -> list[OutcomeView]:
        return encounter_outcomes(user, encounter, channel=channel, request=request)


referrals_of_encounters = ReferralsOfEncounters()
