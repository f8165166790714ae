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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Agency, ApiToken, Role
from coresponder.core.exceptions import NotFound
from coresponder.privacy import events as privacy_events
from coresponder.privacy.access import (
    circumstances_for_many,
    consents_in_force,
    readable_for_many,
    requester_of,
)
from coresponder.privacy.audit import Actor, record_many
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation
from coresponder.privacy.policy import (
    Action,
    Circumstances,
    Decision,
    Relation,
    Requester,
    allowed_classes,
    decide,
)

from .loop import CLOSED, WORDS, State, access_ends_at
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


def agency_circumstances(
    agency: Agency, person_ids: Iterable, *, at: datetime | None = None
) -> dict[object, Circumstances]:
    """A whole agency's circumstances towards each person: its relations and the
    person's consents in force. For tokens, and for deciding what a referral may carry."""
    at = at or timezone.now()
    person_ids = list(person_ids)
    related, resting = set(), defaultdict(set)
    for person_id, consent_id in (
        AccessRelation.objects.in_force(at)
        .filter(
            person_id__in=person_ids,
            agency=agency,
            kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
        )
        .values_list("person_id", "consent_id")
    ):
        if consent_id is None:
            related.add(person_id)
        else:  # the policy holds it to its consent
            resting[person_id].add((Relation.REFERRAL_RECIPIENT, str(consent_id)))
    consents = consents_in_force(person_ids, at=at)
    return {
        person_id: Circumstances(
            relations=frozenset({Relation.REFERRAL_RECIPIENT} if person_id in related else ()),
            consents=tuple(consents[person_id]),
            resting_on=frozenset(resting[person_id]),
        )
        for person_id in person_ids
    }


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
    """For each person, the classes a partner principal may read now, with the basis."""
    person_ids = list(person_ids)
    if principal.token is not None:
        requester = agency_requester(principal.agency)
        every = agency_circumstances(principal.agency, person_ids)
    else:
        requester = requester_of(principal.user)
        if requester is None:
            return {person_id: {} for person_id in person_ids}
        every = circumstances_for_many(principal.user, person_ids)
    return {
        person_id: allowed_classes(requester, Action.READ, every[person_id])
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
    return referrals.select_related("service", "organization", "sent_by").prefetch_related("events")


def _project(referral: Referral, readable: dict[str, Decision]) -> ReferralView:
    care = CARE in readable
    return ReferralView(
        id=referral.pk,
        encounter_id=referral.encounter_id,
        person_id=referral.person_id,
        kind=referral.kind,
        voluntary=referral.voluntary,
        state=referral.state,
        state_words=str(WORDS[State(referral.state)]),
        service_id=referral.service_id,
        service=referral.service.name,
        organization_id=referral.organization_id,
        organization=referral.organization.name,
        appointment_at=referral.appointment_at,
        decline_reason=referral.decline_reason,
        sent_by=str(referral.sent_by),
        sent_at=referral.sent_at,
        moved_at=referral.moved_at,
        need=referral.need if care else None,
        contact=referral.contact if care else None,
        moves=[
            MoveView(
                from_state=event.from_state,
                to_state=event.to_state,
                at=event.at,
                by=event.by_name,
                note=event.note if care else None,
            )
            for event in referral.events.all()
        ],
        classes=sorted(cls for cls in readable if cls in (OPERATIONAL, CARE)),
    )


def partner_access_ended(
    referral: Referral,
    readable: dict[str, Decision],
    *,
    days_after_attended: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether the partner's access to the person through this referral has ended: its
    relation has (the consent revoked or expired), or the referral was declined or
    withdrawn, or attended longer ago than the program's grace period."""
    if OPERATIONAL not in readable:
        return True
    if days_after_attended is None:
        days_after_attended = ReferralSettings.days_after_attended_of(referral.program_id)
    ends = access_ends_at(State(referral.state), referral.moved_at, days_after_attended)
    return ends is not None and ends <= (now or timezone.now())


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


def _record(principal: Principal, shown, *, channel: str, request=None) -> None:
    """One audit entry per referral about a person shown, naming the classes and basis.

    A referral's details are held by the sending agency; shown to anyone of another
    agency, they are a disclosure and appear in the person's accounting."""
    reader_agency = principal.agency.pk
    items = [
        {
            "person_id": referral.person_id,
            "classes": {f"referral:{cls}": readable[cls].basis for cls in view.classes},
            "disclosed": {f"referral:{cls}" for cls in view.classes}
            if referral.sent_by.agency_id != reader_agency
            else set(),
            "part2": False,
        }
        for referral, view, readable in shown
        if referral.person_id is not None
    ]
    pending = privacy_events.person_reads(actor=principal.actor, shown=items, channel=channel)
    for entry, (referral, _view, _readable) in zip(
        pending, [s for s in shown if s[0].person_id is not None], strict=True
    ):
        entry.detail["referral"] = str(referral.pk)
    record_many(pending, request=request)


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
    readable = partner_readable(principal, {r.person_id for r in referrals})
    shown, views = [], []
    days = ReferralSettings.days_after_attended_of(principal.agency.program_id)
    for referral in referrals:
        classes = readable[referral.person_id]
        if partner_access_ended(referral, classes, days_after_attended=days):
            views.append(_project_ended(referral))
            continue
        shown.append((referral, _project(referral, classes), classes))
        views.append(shown[-1][1])
    _record(principal, shown, channel=channel, request=request)
    return views


def _staff_readable(user, referrals: list[Referral]) -> dict[object, dict[str, Decision]]:
    """What a staff user may read of each referral: as of its encounter's call when it has
    one (the call's workers are on it), else as of the person."""
    from coresponder.encounters.access import rights_for

    result: dict[object, dict[str, Decision]] = {}
    by_person = readable_for_many(
        user, [r.person for r in referrals if r.encounter_id is None and r.person_id]
    )
    calls = {}
    for referral in referrals:
        if referral.encounter_id is not None:
            call = referral.encounter.call
            if call.pk not in calls:
                calls[call.pk] = rights_for(user, call).readable
            result[referral.pk] = calls[call.pk]
        else:
            result[referral.pk] = by_person.get(referral.person_id, {})
    return result


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
    if (
        principal.user is not None
        and OPERATIONAL in _staff_readable(principal.user, [referral])[referral.pk]
    ):
        return referral
    raise NotFound(_("No such referral."))


def view_referral(
    principal: Principal, referral: Referral, *, channel: str, request=None
) -> ReferralView:
    """One referral as the principal may see it (fetched by `access_referral_by_id`)."""
    if principal.is_partner:
        readable = partner_readable(principal, [referral.person_id])[referral.person_id]
        if partner_access_ended(referral, readable):
            return _project_ended(referral)
    else:
        readable = _staff_readable(principal.user, [referral])[referral.pk]
    if OPERATIONAL not in readable:
        raise NotFound(_("No such referral."))
    view = _project(referral, readable)
    _record(principal, [(referral, view, readable)], channel=channel, request=request)
    return view


def referrals_of_encounter(user, encounter, *, channel: str, request=None) -> list[ReferralView]:
    """The referrals made on an encounter, for staff who may read the encounter."""
    referrals = list(
        _with_related(
            Referral.objects.filter(encounter=encounter).select_related("encounter__call")
        ).order_by("sent_at")
    )
    if not referrals:
        return []
    readable = _staff_readable(user, referrals)
    shown = [
        (referral, _project(referral, readable[referral.pk]), readable[referral.pk])
        for referral in referrals
        if OPERATIONAL in readable[referral.pk]
    ]
    principal = Principal(user=user)
    _record(principal, shown, channel=channel, request=request)
    return [view for _referral, view, _classes in shown]


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

    def as_dict(self) -> dict:
        return dict(vars(self))


def encounter_outcomes(encounter) -> list[OutcomeView]:
    """What became of the encounter's referrals, for whoever may read the encounter's
    operational part (the caller has decided that, and audits the encounter's read)."""
    referrals = (
        Referral.objects.filter(encounter=encounter)
        .select_related("service", "organization")
        .prefetch_related("events")
        .order_by("sent_at")
    )
    outcomes = []
    for referral in referrals:
        moves = list(referral.events.all())
        last = moves[-1] if moves else None
        outcomes.append(
            OutcomeView(
                id=referral.pk,
                kind=referral.kind,
                service=referral.service.name,
                organization=referral.organization.name,
                state=referral.state,
                state_words=str(WORDS[State(referral.state)]),
                appointment_at=referral.appointment_at,
                last_move=last.to_state if last else referral.state,
                last_move_at=last.at if last else referral.moved_at,
                last_move_by=last.by_name if last else "",
            )
        )
    return outcomes
