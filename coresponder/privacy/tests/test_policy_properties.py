"""Properties that hold for every combination, found by hypothesis rather than listed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coresponder.accounts.models import AgencyKind, Role
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import (
    Action,
    Circumstances,
    ConsentKind,
    ConsentTerms,
    Relation,
    Requester,
    decide,
)

agency_ids = st.integers(min_value=1, max_value=6)
requesters = st.builds(
    Requester,
    roles=st.frozensets(st.sampled_from(list(Role)), min_size=0, max_size=4),
    agency_id=agency_ids,
    agency_kind=st.sampled_from(list(AgencyKind)),
)
consents = st.builds(
    ConsentTerms,
    consent_id=st.uuids().map(str),
    kind=st.sampled_from(list(ConsentKind)),
    classes=st.frozensets(st.sampled_from(list(DataClass))),
    agency_ids=st.frozensets(agency_ids, max_size=3),
    agency_kinds=st.frozensets(st.sampled_from(list(AgencyKind)), max_size=3),
)
circumstances = st.builds(
    Circumstances,
    relations=st.frozensets(st.sampled_from(list(Relation))),
    consents=st.lists(consents, max_size=4).map(tuple),
    break_glass=st.booleans(),
)
actions = st.sampled_from(list(Action))


def names_requester_for_part2(consent: ConsentTerms, requester: Requester) -> bool:
    return (
        consent.kind == ConsentKind.PART2
        and DataClass.SUD_PART2 in consent.classes
        and requester.agency_id in consent.agency_ids
    )


@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(requesters, circumstances, actions)
def test_part2_is_never_reached_without_a_part2_consent_naming_the_recipient(
    requester, situation, action
):
    decision = decide(requester, DataClass.SUD_PART2, action, situation)

    if decision.allowed:
        assert any(names_requester_for_part2(c, requester) for c in situation.consents)
        assert decision.basis.startswith("consent:")


@settings(max_examples=400, deadline=None)
@given(requesters, circumstances, st.sampled_from(list(DataClass)))
def test_writing_never_rests_on_consent_or_break_the_glass(requester, situation, data_class):
    without_glass = Circumstances(relations=situation.relations, consents=situation.consents)
    general_only_removed = Circumstances(
        relations=situation.relations,
        consents=tuple(c for c in situation.consents if c.kind == ConsentKind.PART2),
        break_glass=situation.break_glass,
    )

    decision = decide(requester, data_class, Action.WRITE, situation)

    assert decision.allowed == decide(requester, data_class, Action.WRITE, without_glass).allowed
    assert (
        decision.allowed
        == decide(requester, data_class, Action.WRITE, general_only_removed).allowed
    )


@settings(max_examples=400, deadline=None)
@given(
    st.frozensets(st.sampled_from([Role.EVALUATOR]), min_size=1),
    agency_ids,
    st.sampled_from(list(AgencyKind)),
    circumstances,
    actions,
    st.sampled_from(list(DataClass)),
)
def test_evaluators_see_no_ones_record(roles, agency_id, kind, situation, action, data_class):
    requester = Requester(roles=roles, agency_id=agency_id, agency_kind=kind)

    assert not decide(requester, data_class, action, situation).allowed


@settings(max_examples=400, deadline=None)
@given(requesters, circumstances, actions, st.sampled_from(list(DataClass)))
def test_a_user_with_no_role_gets_nothing(requester, situation, action, data_class):
    nobody = Requester(
        roles=frozenset(), agency_id=requester.agency_id, agency_kind=requester.agency_kind
    )

    assert not decide(nobody, data_class, action, situation).allowed


@settings(max_examples=400, deadline=None)
@given(requesters, circumstances, st.sampled_from(list(DataClass)))
def test_more_circumstances_never_take_a_read_away(requester, situation, data_class):
    fewer = Circumstances()

    if decide(requester, data_class, Action.READ, fewer).allowed:
        assert decide(requester, data_class, Action.READ, situation).allowed


@settings(max_examples=400, deadline=None)
@given(
    requesters,
    circumstances,
    st.sampled_from(list(Relation)),
    st.sampled_from(list(DataClass)),
    actions,
)
def test_a_relation_resting_on_a_consent_holds_exactly_while_the_consent_is_in_force(
    requester, situation, relation, data_class, action
):
    consent_id = "the consent it rests on"  # no generated consent has this id
    # given a relation resting on a consent that is not in force (absent from `consents`)
    lapsed = Circumstances(
        relations=situation.relations,
        consents=situation.consents,
        break_glass=situation.break_glass,
        resting_on=frozenset({(relation, consent_id)}),
    )
    # and the same with that consent in force
    terms = ConsentTerms(consent_id=consent_id, kind=ConsentKind.GENERAL, classes=frozenset())
    in_force = Circumstances(
        relations=situation.relations,
        consents=(*situation.consents, terms),
        break_glass=situation.break_glass,
        resting_on=frozenset({(relation, consent_id)}),
    )
    held = Circumstances(
        relations=situation.relations | {relation},
        consents=(*situation.consents, terms),
        break_glass=situation.break_glass,
    )

    # then the lapsed relation gives nothing, and the one in force all a relation gives
    assert decide(requester, data_class, action, lapsed) == decide(
        requester, data_class, action, situation
    )
    assert decide(requester, data_class, action, in_force) == decide(
        requester, data_class, action, held
    )


@settings(max_examples=400, deadline=None)
@given(requesters, circumstances, actions)
def test_the_follow_up_queue_never_opens_the_clinical_record(requester, situation, action):
    with_queue = Circumstances(
        relations=situation.relations | {Relation.FOLLOW_UP_QUEUE},
        consents=situation.consents,
        break_glass=situation.break_glass,
    )
    without_queue = Circumstances(
        relations=situation.relations - {Relation.FOLLOW_UP_QUEUE},
        consents=situation.consents,
        break_glass=situation.break_glass,
    )

    for data_class in (DataClass.CLINICAL, DataClass.SUD_PART2, DataClass.PUBLIC_SAFETY):
        assert (
            decide(requester, data_class, action, with_queue).allowed
            == decide(requester, data_class, action, without_queue).allowed
        )
