"""From the database to the policy: who asks, in what circumstances, about whom.

Everything that shows or changes a person's information asks here, and this asks
`policy.decide()`; nothing else decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from coresponder.accounts.models import Role

from .classification import DataClass
from .models import AccessRelation, BreakGlassGrant, Consent
from .policy import (
    PART2_RECIPIENT_ROLES,
    PROGRAM_STAFF,
    Action,
    Circumstances,
    ConsentKind,
    ConsentTerms,
    Decision,
    Relation,
    Requester,
    allowed_classes,
    decide,
)


def requester_of(user) -> Requester | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Requester(
        roles=frozenset(user.roles), agency_id=user.agency_id, agency_kind=user.agency.kind
    )


def consents_in_force(
    person_ids: Iterable, *, at: datetime, among: QuerySet | None = None
) -> dict[object, list[ConsentTerms]]:
    """Each person's consents in force at `at`, as the policy reads them (two queries).
    `among`, a query of the same person ids, is sent instead of a long list of them."""
    consents: dict[object, list[ConsentTerms]] = defaultdict(list)
    recipients: dict[object, set[int]] = defaultdict(set)
    rows = Consent.objects.in_force(at).filter(
        person_id__in=among if among is not None else list(person_ids)
    )
    for consent_id, agency_id in rows.values_list("pk", "recipient_agencies"):
        if agency_id is not None:
            recipients[consent_id].add(agency_id)
    for consent in rows:
        consents[consent.person_id].append(
            ConsentTerms(
                consent_id=str(consent.pk),
                kind=ConsentKind(consent.kind),
                classes=frozenset(consent.data_classes),
                agency_ids=frozenset(recipients[consent.pk]),
                agency_kinds=frozenset(consent.recipient_agency_kinds),
            )
        )
    return consents


def circumstances_for_many(
    user, person_ids: Iterable, *, at: datetime | None = None, among: QuerySet | None = None
) -> dict[object, Circumstances]:
    """The circumstances of `user` towards each person, in four queries in all. `among`,
    a query selecting the same person ids, is sent to the database instead of the list:
    a list of hundreds of ids costs more to send than the subquery to run."""
    at = at or timezone.now()
    person_ids = list(person_ids)
    selected = among if among is not None else person_ids
    relations: dict[object, set[Relation]] = defaultdict(set)
    resting: dict[object, set[tuple[Relation, str]]] = defaultdict(set)
    in_force = AccessRelation.objects.in_force(at).filter(person_id__in=selected)
    for (
        person_id,
        kind,
        related_user,
        agency_id,
        related_agency,
        consent_id,
    ) in in_force.values_list(
        "person_id", "kind", "user_id", "agency_id", "user__agency_id", "consent_id"
    ):
        if related_user == user.pk or agency_id == user.agency_id:
            relation = Relation(kind)
        elif user.has_role(Role.SUPERVISOR) and user.agency_id in (agency_id, related_agency):
            relation = Relation.SUPERVISOR
        else:
            continue
        if consent_id is None:
            relations[person_id].add(relation)
        else:  # the policy holds it to its consent
            resting[person_id].add((relation, str(consent_id)))

    consents = consents_in_force(person_ids, at=at, among=among)

    glass = set(
        BreakGlassGrant.objects.filter(
            person_id__in=selected, user=user, granted_at__lte=at, expires_at__gt=at
        ).values_list("person_id", flat=True)
    )
    return {
        person_id: Circumstances(
            relations=frozenset(relations[person_id]),
            consents=tuple(consents[person_id]),
            break_glass=person_id in glass,
            resting_on=frozenset(resting[person_id]),
        )
        for person_id in person_ids
    }


def circumstances_for(user, person, *, at: datetime | None = None) -> Circumstances:
    return circumstances_for_many(user, [person.pk], at=at)[person.pk]


def decide_for(
    user, person, data_class: DataClass | str, action: Action, *, at: datetime | None = None
) -> Decision:
    requester = requester_of(user)
    if requester is None or person.program_id != user.agency.program_id:
        return Decision(False, "outside the program")
    return decide(requester, data_class, action, circumstances_for(user, person, at=at))


def readable_for_many(
    user,
    persons: Iterable,
    *,
    at: datetime | None = None,
    classes: Iterable[str] = (),
    among: QuerySet | None = None,
) -> dict[object, dict[str, Decision]]:
    """For each person, the classes `user` may read now, with the basis of each; only
    those of `classes` when given (a long list asks about the few it shows). `among`: see
    `circumstances_for_many`."""
    persons = list(persons)
    requester = requester_of(user)
    if requester is None:
        return {person.pk: {} for person in persons}
    every = circumstances_for_many(user, [person.pk for person in persons], at=at, among=among)
    asked = [DataClass(name) for name in classes]
    if not asked:
        return {
            person.pk: allowed_classes(requester, Action.READ, every[person.pk])
            if person.program_id == user.agency.program_id
            else {}
            for person in persons
        }
    return {
        person.pk: {
            name.value: decision
            for name in asked
            if (decision := decide(requester, name, Action.READ, every[person.pk]))
        }
        if person.program_id == user.agency.program_id
        else {}
        for person in persons
    }


def persons_visible_to(user, persons: QuerySet) -> QuerySet:
    """Persons whose identity (operational class) `user` may read.

    Mirrors the policy's operational rules in SQL so that lists start from what may be
    seen; a test holds the two to each other.
    """
    requester = requester_of(user)
    if requester is None:
        return persons.none()
    persons = persons.filter(program_id=user.agency.program_id)
    if requester.roles & (PROGRAM_STAFF | {Role.ADMINISTRATOR}):
        return persons
    if Role.PARTNER not in requester.roles:
        return persons.none()
    now = timezone.now()
    related = (
        AccessRelation.objects.holding(now)
        .filter(kind=AccessRelation.Kind.REFERRAL_RECIPIENT)
        .filter(Q(agency_id=user.agency_id) | Q(user=user))
        .values("person_id")
    )
    in_force = Consent.objects.in_force(now)
    if not requester.roles & PART2_RECIPIENT_ROLES:
        in_force = in_force.filter(kind=Consent.Kind.GENERAL)
    named = set(
        in_force.filter(recipient_agencies=user.agency_id).values_list("person_id", flat=True)
    )
    # Kinds of agency are a short JSON list; SQLite cannot search inside it, so read them.
    by_kind = {
        person_id
        for person_id, kinds in in_force.filter(kind=Consent.Kind.GENERAL)
        .exclude(recipient_agency_kinds=[])
        .values_list("person_id", "recipient_agency_kinds")
        if user.agency.kind in kinds
    }
    return persons.filter(Q(pk__in=related) | Q(pk__in=named | by_kind))


def allowed_for(
    user, person, action: Action, *, situation: Circumstances | None = None
) -> dict[str, Decision]:
    """The classes of `person` that `user` may read or write now. Pass `situation` when it
    was already worked out for this user and person."""
    requester = requester_of(user)
    if requester is None or person.program_id != user.agency.program_id:
        return {}
    return allowed_classes(requester, action, situation or circumstances_for(user, person))


def writable_classes(user, person) -> list[str]:
    return list(allowed_for(user, person, Action.WRITE))


# A relation tells something about the person: a care team means behavioural-health care,
# a referral means services. Each kind is shown only to whoever may read what it reveals.
RELATION_REVEALS = {
    AccessRelation.Kind.CARE_TEAM: DataClass.CLINICAL,
    AccessRelation.Kind.FOLLOW_UP_QUEUE: DataClass.CARE_COORDINATION,
    AccessRelation.Kind.REFERRAL_RECIPIENT: DataClass.CARE_COORDINATION,
}


def relations_of(person, *, user, readable: Iterable[str]) -> QuerySet:
    """Who works with the person now, and why, as far as the reader may know it. Who went
    on a call (police among them) is for the program's own staff, not partners."""
    readable = set(readable)
    kinds = [kind for kind, reveals in RELATION_REVEALS.items() if reveals in readable]
    if user.has_role(*PROGRAM_STAFF):
        kinds.append(AccessRelation.Kind.ON_CALL)
    return (
        AccessRelation.objects.holding()
        .filter(person=person, kind__in=kinds)
        .select_related("user__agency", "agency")
        .order_by("kind", "starts_at")
    )
