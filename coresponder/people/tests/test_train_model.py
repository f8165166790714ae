"""`coresponder people train` stores the program's match model as a new version, and the
administrators' page shows its match-weight chart; no one else may open it."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.people import actions
from coresponder.people import actions as people
from coresponder.people.events import LINKAGE_MODEL_TRAINED
from coresponder.people.matching import PersonQuery, search
from coresponder.people.models import LinkageModel

from .synthetic import entries

pytestmark = pytest.mark.django_db


def register(entries_made, registrar):
    for entry in entries_made:
        people.register_person(
            people.PersonIn(
                names=[people.NameIn(given=entry.given, family=entry.family)],
                date_of_birth=entry.date_of_birth,
                sex=entry.sex,
                identifiers=[
                    people.IdentifierIn(
                        system="state_id", issuer="State DMV", value=entry.identifier
                    )
                ]
                if entry.identifier
                else [],
            ),
            acting_user=registrar,
        )


@pytest.mark.slow
def test_train_stores_a_version_the_administrator_sees_as_a_chart(make_user, sign_in, client):
    # given
    registrar = make_user(Role.DISPATCHER)
    register(entries(160, twice=40, seed=11), registrar)
    output = StringIO()
    # when
    call_command("people", "train", stdout=output)
    call_command("people", "train", stdout=output)
    # then
    models = list(LinkageModel.objects.order_by("version"))
    assert [(model.version, model.persons) for model in models] == [(1, 160), (2, 160)]
    assert models[1].parameters["levels"]["birth_date"]["same"]["m"] > 0.5
    assert models[1].parameters["names_held"] == {"given_name": 160, "family_name": 160}
    said = output.getvalue()
    assert "Read 160 persons" in said
    assert "Expectation-maximisation 1/2" in said
    assert "Stored version 2, learned from 160 persons." in said
    events = AuditEntry.objects.filter(action=LINKAGE_MODEL_TRAINED).order_by("seq")
    assert [entry.detail for entry in events] == [
        {"version": 1, "persons": 160},
        {"version": 2, "persons": 160},
    ]
    page = sign_in(make_user(Role.ADMINISTRATOR)).get("/people/matching-model/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Version 2, learned from 160 persons" in body
    assert 'aria-labelledby="match-weights-title match-weights-desc"' in body
    assert "same date of birth" not in body  # the chart says levels, not reasons
    assert body.count("<rect") == sum(1 for row in page.context["rows"] if row.weight is not None)
    # Only administrators: a dispatcher is refused the page.
    client.logout()
    refused = sign_in(registrar).get("/people/matching-model/")
    assert refused.status_code == 403


@pytest.mark.slow
def test_search_scores_with_the_newest_model_and_says_each_fields_weight(make_user):
    # given persons entered twice with slips, and the model trained on them
    registrar = make_user(Role.DISPATCHER)
    made = entries(160, twice=40, seed=11)
    register(made, registrar)
    program = registrar.agency.program
    before = search(program, PersonQuery(name="x"), limit=5)
    actions.train_linkage_model(program, now=timezone.now())
    by_number = {}
    for entry in made:
        by_number.setdefault(entry.number, []).append(entry)
    original, again = next(
        pair
        for pair in by_number.values()
        if len(pair) == 2 and pair[0].given == pair[1].given and pair[1].date_of_birth
    )
    # when the second entry is searched for as it was typed
    found = search(
        program,
        PersonQuery(
            name=f"{again.given} {again.family}",
            date_of_birth=again.date_of_birth,
            identifier=again.identifier,
        ),
        limit=5,
    )
    # then both entries come first, with a probability and each field's weight in words
    assert before == []
    wanted = {(original.given, original.family), (again.given, again.family)}
    top = found[:2]
    assert {(c.person.names.get().given, c.person.names.get().family) for c in top} <= wanted
    best = found[0]
    assert best.probability > 0.9
    assert best.score == pytest.approx(100 * best.probability)
    assert any(reason.startswith("same given name +") for reason in best.reasons)
    assert all(re.fullmatch(r".+ [+−]\d+\.\d", reason) for reason in best.reasons)
    weights = [c.weight for c in found]
    assert weights == sorted(weights, reverse=True)


def test_too_few_persons_stores_nothing(make_user):
    # given
    register(entries(12, twice=2), make_user(Role.DISPATCHER))
    # when
    with pytest.raises(CommandError, match="Too few persons"):
        call_command("people", "train", stdout=StringIO())
    # then
    assert not LinkageModel.objects.exists()
    assert not AuditEntry.objects.filter(action=LINKAGE_MODEL_TRAINED).exists()


def test_without_a_model_the_page_says_how_to_train_one(make_user, sign_in):
    page = sign_in(make_user(Role.ADMINISTRATOR)).get("/people/matching-model/")
    assert page.status_code == 200
    assert "No model has been trained yet" in page.content.decode()
