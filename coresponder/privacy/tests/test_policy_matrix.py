"""Every role × class × relation × consent × action, through the real access layer.

The expected answers come from the tables below, written from DESIGN.md's privacy classes
independently of the policy's code; the test walks every combination against the
database (relations, consents and their states are real rows).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.privacy import actions as privacy
from coresponder.privacy.access import decide_for, persons_visible_to
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation, Consent
from coresponder.privacy.policy import Action

pytestmark = pytest.mark.django_db

# What a role may do with a class by its own right. "always": the role alone;
# "on_call": with an on-call relation; "related": on the call, or the person's case in
# the follow-up queue of the user's agency (triage: care coordination, never clinical);
# "part2": with a Part 2 consent naming its agency; "on_call+part2": both; "never": no
# right of its own (consent may still share it).
#                 operational  public_safety  clinical   sud_part2       care_coordination
RIGHTS = {
    Role.DISPATCHER: {
        "read": ("always", "always", "never", "never", "never"),
        "write": ("always", "always", "never", "never", "never"),
    },
    Role.OFFICER: {
        "read": ("always", "always", "never", "never", "never"),
        "write": ("always", "always", "never", "never", "never"),
    },
    Role.CLINICIAN: {
        "read": ("always", "on_call", "on_call", "part2", "related"),
        "write": ("always", "never", "on_call", "on_call+part2", "related"),
    },
    Role.EMT: {  # writes the medical section (clinical) of the calls it works
        "read": ("always", "on_call", "never", "never", "never"),
        "write": ("always", "never", "on_call", "never", "never"),
    },
    Role.CASE_MANAGER: {
        "read": ("always", "on_call", "on_call", "part2", "related"),
        "write": ("always", "never", "on_call", "never", "related"),
    },
    Role.PARTNER: {
        "read": ("never", "never", "never", "part2", "never"),
        "write": ("never", "never", "never", "never", "never"),
    },
    Role.SUPERVISOR: {  # of a behavioural-health agency
        "read": ("always", "on_call", "on_call", "part2", "related"),
        "write": ("always", "never", "never", "never", "never"),
    },
    Role.EVALUATOR: {
        "read": ("never", "never", "never", "never", "never"),
        "write": ("never", "never", "never", "never", "never"),
    },
    Role.ADMINISTRATOR: {
        "read": ("always", "never", "never", "never", "never"),
        "write": ("never", "never", "never", "never", "never"),
    },
}
CLASSES = [
    DataClass.OPERATIONAL,
    DataClass.PUBLIC_SAFETY,
    DataClass.CLINICAL,
    DataClass.SUD_PART2,
    DataClass.CARE_COORDINATION,
]
RELATIONS = ["none", "on_call", "follow_up_queue"]
CONSENTS = ["none", "general", "part2", "revoked", "expired"]
ACTIONS = ["read", "write"]
# A consent shares with the people of the named agency who work with persons.
CONSENT_RECIPIENTS = set(Role) - {Role.EVALUATOR, Role.ADMINISTRATOR}
PART2_RECIPIENTS = {Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR, Role.PARTNER}


def expected(role: Role, data_class: DataClass, action: str, relation: str, consent: str) -> bool:
    rule = RIGHTS[role][action][CLASSES.index(data_class)]
    on_call = relation == "on_call"
    part2 = consent == "part2"
    by_right = (
        rule == "always"
        or (rule == "on_call" and on_call)
        or (rule == "related" and relation in ("on_call", "follow_up_queue"))
        or (rule == "part2" and part2)
        or (rule == "on_call+part2" and on_call and part2)
    )
    if action == "write" or by_right:
        return by_right
    shared = (
        consent == "general" and data_class != DataClass.SUD_PART2 and role in CONSENT_RECIPIENTS
    )
    identity_with_part2 = part2 and data_class == DataClass.OPERATIONAL and role in PART2_RECIPIENTS
    return shared or identity_with_part2


@pytest.fixture
def staff(make_user) -> dict[Role, object]:
    return {role: make_user(role) for role in Role}


def build_person(*, registrar, relation: str, consent: str, staff, agencies, recorder):
    person = register_person(
        PersonIn(names=[NameIn(family=f"{relation}-{consent}")]), acting_user=registrar
    )
    if relation == "on_call":
        for user in staff.values():
            privacy.grant_relation(
                person,
                kind=AccessRelation.Kind.ON_CALL,
                user=user,
                source="matrix call",
                acting_user=None,
            )
    if relation == "follow_up_queue":
        for agency in {user.agency for user in staff.values()}:
            privacy.grant_relation(
                person,
                kind=AccessRelation.Kind.FOLLOW_UP_QUEUE,
                agency=agency,
                source="matrix case queue",
                acting_user=None,
            )
    now = timezone.now()
    starts, ends = now - timedelta(days=1), now + timedelta(days=30)
    if consent == "expired":
        starts, ends = now - timedelta(days=10), now - timedelta(days=1)
    kinds = {
        "general": ["general"],
        "part2": ["part2"],
        "revoked": ["general", "part2"],
        "expired": ["general", "part2"],
        "none": [],
    }[consent]
    for kind in kinds:
        classes = (
            [DataClass.SUD_PART2]
            if kind == "part2"
            else [c for c in CLASSES if c != DataClass.SUD_PART2]
        )
        made = privacy.record_consent(
            person,
            kind=kind,
            data_classes=classes,
            recipient_agencies=agencies.values(),
            purpose=Consent.Purpose.CARE_COORDINATION,
            starts_at=starts,
            ends_at=ends,
            form_kind=Consent.FormKind.VERBAL,
            acting_user=recorder,
        )
        if consent == "revoked":
            privacy.revoke_consent(made, acting_user=recorder)
    return person


def test_every_role_class_relation_consent_and_action(staff, agencies, make_user):
    # given one person per relation × consent, and one user per role
    registrar = make_user(Role.DISPATCHER)
    recorder = make_user(Role.CLINICIAN)
    persons = {
        (relation, consent): build_person(
            registrar=registrar,
            relation=relation,
            consent=consent,
            staff=staff,
            agencies=agencies,
            recorder=recorder,
        )
        for relation, consent in product(RELATIONS, CONSENTS)
    }

    # when every combination is asked
    cases, wrong = 0, []
    for role, data_class, relation, consent, action in product(
        Role, CLASSES, RELATIONS, CONSENTS, ACTIONS
    ):
        decision = decide_for(staff[role], persons[relation, consent], data_class, Action(action))
        cases += 1
        if decision.allowed != expected(role, data_class, action, relation, consent):
            wrong.append(
                (
                    role.value,
                    data_class.value,
                    relation,
                    consent,
                    action,
                    decision.allowed,
                    decision.basis,
                )
            )

    # then
    assert cases == 9 * 5 * 3 * 5 * 2 == 1350
    assert wrong == []


def test_lists_start_from_exactly_the_persons_whose_identity_may_be_read(
    staff, agencies, make_user
):
    registrar = make_user(Role.DISPATCHER)
    recorder = make_user(Role.CLINICIAN)
    persons = [
        build_person(
            registrar=registrar,
            relation=relation,
            consent=consent,
            staff=staff,
            agencies=agencies,
            recorder=recorder,
        )
        for relation, consent in product(["none"], CONSENTS)
    ]
    from coresponder.people.models import Person

    for role, user in staff.items():
        listed = set(persons_visible_to(user, Person.objects.all()).values_list("pk", flat=True))
        readable = {
            person.pk
            for person in persons
            if decide_for(user, person, DataClass.OPERATIONAL, Action.READ)
        }
        assert listed == readable, role
