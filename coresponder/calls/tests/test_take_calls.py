"""`take_calls`, the bulk form of `take_call` the CSV import uses (issue 19): one
definition of a taken call, so the same call in gives the same row either way."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from coresponder.calls import actions, triage
from coresponder.calls.models import Call, CallState, Origin
from coresponder.core.exceptions import DomainError

pytestmark = pytest.mark.django_db

# What differs between two takings of one call: the row, its number, who took it, when.
NOT_COMPARED = {"id", "reference", "taken_by", "created_at", "updated_at"}


def call_in(at, **fields) -> actions.CallIn:
    return actions.CallIn(
        source="911",
        concerns=["substance_use", "suicidal", "suicidal"],
        screening=["weapon"],
        address="  1400 Test Street ",
        caller_name=" A caller ",
        summary=" Worried about a neighbour. ",
        received_at=at,
        external_id="E-1",
        **fields,
    )


def row(call: Call) -> dict:
    values = model_to_dict(Call.objects.get(pk=call.pk))
    return {name: value for name, value in values.items() if name not in NOT_COMPARED}


def test_the_same_call_in_gives_the_same_row_either_way(desk):
    # given a past call taken alone
    agency, program = desk.agency, desk.agency.program
    rule_set = actions.rules_in_force(program)
    one = actions.take_call(call_in(None), acting_user=desk, origin=Origin.IMPORT)
    given = call_in(one.received_at)
    decision = triage.triage(
        triage.CallFacts(
            source=triage.Source(given.source),
            concerns=frozenset(triage.Concern(c) for c in given.concerns),
            screening=frozenset(triage.Screening(s) for s in given.screening),
        ),
        rule_set.parsed(),
    )

    # when it is taken again with the bulk form
    [bulk] = actions.take_calls(
        [actions.CheckedCall(given, decision)], agency=agency, rule_set=rule_set
    )

    # then both rows are the same call: trimmed, concerns once each in the vocabulary's
    # order, closed history numbered in its year
    assert row(bulk) == row(one)
    assert (bulk.address, bulk.concerns) == ("1400 Test Street", ["suicidal", "substance_use"])
    assert bulk.state in (CallState.CLOSED, CallState.RESOLVED_BY_PHONE)
    assert bulk.reference.split("-")[0] == str(actions.reference_year(program, bulk.received_at))
    assert int(bulk.reference.split("-")[1]) == int(one.reference.split("-")[1]) + 1


def test_calls_taken_together_name_no_person(desk, person):
    rule_set = actions.rules_in_force(desk.agency.program)
    given = call_in(None, person_id=person.pk)
    decision = actions.preview(desk.agency.program, source=given.source, concerns=[], screening=[])

    with pytest.raises(DomainError, match="name no person"):
        actions.take_calls(
            [actions.CheckedCall(given, decision)], agency=desk.agency, rule_set=rule_set
        )
    assert not Call.objects.exists()
