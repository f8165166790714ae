"""Who may read or write which class of a person's information. One pure function.

`decide()` knows nothing of the database: the caller says who asks (`Requester`), what is
asked (a `DataClass` and an `Action`) and the circumstances (the requester's relations to
the person, the person's consents in force now, an open break-the-glass grant). Access
functions, querysets, pages, the API and exports all come here; none decides alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from coresponder.accounts.models import AgencyKind, Role

from .classification import DataClass


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


class Relation(StrEnum):
    ON_CALL = "on_call"  # a responder on a call about the person
    CARE_TEAM = "care_team"  # on the person's care team (follow-up case)
    # The person's case waits in the agency's follow-up queue: triage (who, why the case
    # opened, its care coordination), never the clinical record.
    FOLLOW_UP_QUEUE = "follow_up_queue"
    REFERRAL_RECIPIENT = "referral_recipient"  # the agency received a referral for them
    SUPERVISOR = "supervisor"  # supervises someone of their agency who has a relation
    # Wrote the record read (a section): of that record only, never a relation to the person.
    AUTHOR = "author"


class ConsentKind(StrEnum):
    GENERAL = "general"
    PART2 = "part2"


@dataclass(frozen=True)
class Requester:
    roles: frozenset[str]
    agency_id: int
    agency_kind: str


@dataclass(frozen=True)
class ConsentTerms:
    """A consent in force: which classes it shares with which agencies or kinds of agency."""

    consent_id: str
    kind: ConsentKind
    classes: frozenset[str]
    agency_ids: frozenset[int] = frozenset()
    agency_kinds: frozenset[str] = frozenset()

    def names(self, requester: Requester) -> bool:
        if self.kind == ConsentKind.PART2:
            # Part 2 consents name their recipients; a kind of agency is not a recipient.
            return requester.agency_id in self.agency_ids
        return requester.agency_id in self.agency_ids or requester.agency_kind in self.agency_kinds


@dataclass(frozen=True)
class Circumstances:
    relations: frozenset[Relation] = frozenset()
    consents: tuple[ConsentTerms, ...] = ()  # those in force at the time asked about
    break_glass: bool = False
    # Relations that rest on a consent (a referral recipient's): (relation, consent id),
    # held only while that consent is among `consents`.
    resting_on: frozenset[tuple[Relation, str]] = frozenset()


def held_relations(circumstances: Circumstances) -> frozenset[Relation]:
    """The relations that hold: a relation resting on a consent ends with it, revoked or
    expired, whether or not anything has yet written its end."""
    in_force = {consent.consent_id for consent in circumstances.consents}
    return circumstances.relations | {
        relation for relation, consent_id in circumstances.resting_on if consent_id in in_force
    }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str  # why it was allowed ("role", "relation:on_call", "consent:<id>", ...) or refused

    def __bool__(self) -> bool:
        return self.allowed


DENIED = Decision(False, "no right")

# Roles whose work is the calls: they read who a person is.
PROGRAM_STAFF = frozenset(
    {
        Role.DISPATCHER,
        Role.OFFICER,
        Role.CLINICIAN,
        Role.EMT,
        Role.CASE_MANAGER,
        Role.SUPERVISOR,
    }
)
BEHAVIORAL_HEALTH_STAFF = frozenset({Role.CLINICIAN, Role.CASE_MANAGER})
HEALTH_AGENCIES = frozenset({AgencyKind.BEHAVIORAL_HEALTH, AgencyKind.HOSPITAL})
FIELD_RELATIONS = frozenset({Relation.ON_CALL, Relation.CARE_TEAM})
# What a case's queue gives the agency's staff: the case, to triage and take it.
TRIAGE_RELATIONS = FIELD_RELATIONS | {Relation.FOLLOW_UP_QUEUE}
# Who may receive what a consent shares: evaluators see de-identified data only, and
# administrators run the program, not the care.
CONSENT_RECIPIENT_ROLES = frozenset(Role) - {Role.EVALUATOR, Role.ADMINISTRATOR}
PART2_RECIPIENT_ROLES = frozenset(
    {Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR, Role.PARTNER}
)
BREAK_GLASS_ROLES = PROGRAM_STAFF


def decide(
    requester: Requester,
    data_class: DataClass | str,
    action: Action,
    circumstances: Circumstances,
) -> Decision:
    if circumstances.resting_on:
        circumstances = replace(
            circumstances, relations=held_relations(circumstances), resting_on=frozenset()
        )
    if action == Action.WRITE:
        return _write(requester, DataClass(data_class), circumstances)
    decision = _read_by_right(requester, DataClass(data_class), circumstances)
    if decision:
        return decision
    decision = _read_by_consent(requester, DataClass(data_class), circumstances)
    if decision:
        return decision
    # The program's staff read what they wrote themselves (the EMT the medical section,
    # not the clinician's note); Part 2 still only by a Part 2 consent.
    if (
        Relation.AUTHOR in circumstances.relations
        and data_class != DataClass.SUD_PART2
        and requester.roles & PROGRAM_STAFF
    ):
        return Decision(True, f"relation:{Relation.AUTHOR}")
    if (
        circumstances.break_glass
        # Break-the-glass never opens Part 2 records: only a Part 2 consent does.
        and data_class != DataClass.SUD_PART2
        and requester.roles & BREAK_GLASS_ROLES
    ):
        return Decision(True, "break_glass")
    return DENIED


def _has(requester: Requester, *roles: str) -> bool:
    return bool(requester.roles & set(roles))


def _relation(circumstances: Circumstances, *relations: Relation) -> Relation | None:
    for relation in relations:
        if relation in circumstances.relations:
            return relation
    return None


def _part2_consent(requester: Requester, circumstances: Circumstances) -> ConsentTerms | None:
    for consent in circumstances.consents:
        if (
            consent.kind == ConsentKind.PART2
            and DataClass.SUD_PART2 in consent.classes
            and consent.names(requester)
        ):
            return consent
    return None


def _read_by_right(
    requester: Requester, data_class: DataClass, circumstances: Circumstances
) -> Decision:
    law_enforcement = requester.agency_kind == AgencyKind.LAW_ENFORCEMENT
    health_agency = requester.agency_kind in HEALTH_AGENCIES
    # A community organisation on a care team reads health information only by consent.
    community = requester.agency_kind == AgencyKind.COMMUNITY_ORGANIZATION
    if data_class == DataClass.OPERATIONAL:
        if _has(requester, *PROGRAM_STAFF, Role.ADMINISTRATOR):
            return Decision(True, "role")
        if _has(requester, Role.PARTNER) and Relation.REFERRAL_RECIPIENT in circumstances.relations:
            return Decision(True, f"relation:{Relation.REFERRAL_RECIPIENT}")
        return DENIED
    if data_class == DataClass.PUBLIC_SAFETY:
        if law_enforcement and _has(requester, Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR):
            return Decision(True, "role")
        # A 988 call-taker of a health agency working a call must know of its weapons.
        if _has(requester, Role.CLINICIAN, Role.EMT, Role.CASE_MANAGER, Role.DISPATCHER) and (
            relation := _relation(circumstances, Relation.ON_CALL)
        ):
            return Decision(True, f"relation:{relation}")
        if _has(requester, Role.SUPERVISOR) and (
            relation := _relation(
                circumstances, Relation.ON_CALL, Relation.CARE_TEAM, Relation.SUPERVISOR
            )
        ):
            return Decision(True, f"relation:{relation}")
        return DENIED
    if data_class in (DataClass.CLINICAL, DataClass.CARE_COORDINATION):
        # The queue triages the case; the clinical record is for those named on it.
        relations = FIELD_RELATIONS if data_class == DataClass.CLINICAL else TRIAGE_RELATIONS
        if (
            _has(requester, *BEHAVIORAL_HEALTH_STAFF)
            and not community
            and (relation := _relation(circumstances, *relations))
        ):
            return Decision(True, f"relation:{relation}")
        if (
            health_agency
            and _has(requester, Role.SUPERVISOR)
            and (relation := _relation(circumstances, *relations, Relation.SUPERVISOR))
        ):
            return Decision(True, f"relation:{relation}")
        return DENIED
    if data_class == DataClass.SUD_PART2:
        consent = _part2_consent(requester, circumstances)
        if consent is not None and requester.roles & PART2_RECIPIENT_ROLES:
            return Decision(True, f"consent:{consent.consent_id}")
        return DENIED
    return DENIED


def _read_by_consent(
    requester: Requester, data_class: DataClass, circumstances: Circumstances
) -> Decision:
    if data_class == DataClass.SUD_PART2 or not requester.roles & CONSENT_RECIPIENT_ROLES:
        return DENIED
    for consent in circumstances.consents:
        if (
            consent.kind == ConsentKind.GENERAL
            and data_class in consent.classes
            and consent.names(requester)
        ):
            return Decision(True, f"consent:{consent.consent_id}")
    # Whoever may see any part of a person's record by consent may see who the person is.
    if data_class == DataClass.OPERATIONAL:
        for consent in circumstances.consents:
            if consent.names(requester) and (
                consent.kind == ConsentKind.GENERAL or requester.roles & PART2_RECIPIENT_ROLES
            ):
                return Decision(True, f"consent:{consent.consent_id}")
    return DENIED


def _write(requester: Requester, data_class: DataClass, circumstances: Circumstances) -> Decision:
    """Writing needs a right of one's own: never a consent, never break-the-glass."""
    law_enforcement = requester.agency_kind == AgencyKind.LAW_ENFORCEMENT
    if data_class == DataClass.OPERATIONAL:
        return Decision(True, "role") if _has(requester, *PROGRAM_STAFF) else DENIED
    if data_class == DataClass.PUBLIC_SAFETY:
        if law_enforcement and _has(requester, Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR):
            return Decision(True, "role")
        # The call-taker records the caller's safety screening, whatever the agency.
        if _has(requester, Role.DISPATCHER) and Relation.ON_CALL in circumstances.relations:
            return Decision(True, f"relation:{Relation.ON_CALL}")
        return DENIED
    relation = _relation(circumstances, *FIELD_RELATIONS)
    community = requester.agency_kind == AgencyKind.COMMUNITY_ORGANIZATION
    if data_class in (DataClass.CLINICAL, DataClass.CARE_COORDINATION):
        if data_class == DataClass.CARE_COORDINATION:
            # The queue's staff work the case (contacts, tasks) before one takes it.
            relation = _relation(circumstances, *TRIAGE_RELATIONS)
        if _has(requester, *BEHAVIORAL_HEALTH_STAFF) and relation and not community:
            return Decision(True, f"relation:{relation}")
        # The EMT on the call writes the medical section: health information, so clinical,
        # though the EMT reads only what they wrote (`Relation.AUTHOR`), not the clinician's.
        if (
            data_class == DataClass.CLINICAL
            and _has(requester, Role.EMT)
            and Relation.ON_CALL in circumstances.relations
        ):
            return Decision(True, f"relation:{Relation.ON_CALL}")
        return DENIED
    if data_class == DataClass.SUD_PART2:
        consent = _part2_consent(requester, circumstances)
        if _has(requester, Role.CLINICIAN) and relation and consent is not None:
            return Decision(True, f"consent:{consent.consent_id}")
        return DENIED
    return DENIED


def allowed_classes(
    requester: Requester, action: Action, circumstances: Circumstances
) -> dict[str, Decision]:
    """Each class the requester may read (or write), with the basis; refused ones left out."""
    return {
        data_class.value: decision
        for data_class in DataClass
        if (decision := decide(requester, data_class, action, circumstances))
    }


__all__ = [
    "Action",
    "Circumstances",
    "ConsentKind",
    "ConsentTerms",
    "DataClass",
    "Decision",
    "Relation",
    "Requester",
    "allowed_classes",
    "decide",
    "held_relations",
]
