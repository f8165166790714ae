"""The match model trained by Splink on synthetic persons, and the same numbers scored in
plain Python: both must give every pair the same weight."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import pytest

from coresponder.people.linkage import FIELDS_BY_NAME, Parameters, make_record
from coresponder.people.training import TooFewPersons, predict_pairs, train

from .synthetic import entries, records_of


@pytest.fixture(scope="module")
def trained():
    made = entries()
    records = records_of(made)
    ids = [f"p{index}" for index in range(len(made))]
    return made, records, ids, train(records, ids, seed=3)


def frequencies_of(records) -> dict:
    shares = {}
    for column in ("given_name", "family_name"):
        counts = Counter(record[column] for record in records if record[column])
        total = sum(counts.values())
        shares[column] = {value: count / total for value, count in counts.items()}
    return shares


def test_agreement_weighs_for_a_match_and_disagreement_against(trained):
    # given
    _, _, _, model = trained
    parameters = model.parameters
    # then
    for field in ("given_name", "family_name", "birth_date", "identifier_state_id"):
        assert parameters.level_weight(field, "same") > 2, field
        assert parameters.level_weight(field, "different") < -1, field
    assert parameters.level_weight("birth_date", "swapped") > 0
    # Fields nobody holds are not in the model: the synthetic persons have no phone.
    assert set(parameters.levels) == {
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "identifier_state_id",
        "city",
        "postal_code",
    }


def test_python_scoring_gives_splinks_weights_for_every_pair(trained):
    # given
    _, records, ids, model = trained
    by_id = dict(zip(ids, records, strict=True))
    shares = frequencies_of(records)
    from splink import DuckDBAPI, Linker  # noqa: F401 - Splink's predict is the reference

    from coresponder.people.training import linker_for

    settings = dict(model.splink_model)
    settings["blocking_rules_to_generate_predictions"] = [
        "l.birth_date = r.birth_date",
        "l.family_sound = r.family_sound",
    ]
    linker = linker_for(records, ids, settings)
    # when
    rows = (
        linker.inference.predict()
        .as_duckdbpyrelation()
        .select("unique_id_l, unique_id_r, match_weight")
        .fetchall()
    )
    # then
    assert len(rows) > 100
    for left, right, splink_weight in rows:
        ours = model.parameters.score(by_id[left], by_id[right], shares).weight
        assert math.isclose(ours, splink_weight, abs_tol=1e-6), (left, right)


def test_the_model_finds_the_persons_entered_twice(trained):
    # given
    made, records, ids, model = trained
    true = {}
    for unique_id, entry in zip(ids, made, strict=True):
        true.setdefault(entry.number, []).append(unique_id)
    true_pairs = {frozenset(pair) for pair in true.values() if len(pair) == 2}
    # when
    found = predict_pairs(
        records,
        ids,
        model.splink_model,
        [
            "l.birth_date = r.birth_date",
            "l.family_sound = r.family_sound",
            "l.given_sound = r.given_sound",
        ],
        threshold=0.5,
    )
    # then
    assert len(found & true_pairs) >= 0.9 * len(true_pairs)
    assert len(found - true_pairs) <= 0.1 * len(found)


def test_reasons_say_each_field_with_its_weight():
    # given
    parameters = Parameters(
        prior=0.001,
        levels={
            "birth_date": {
                "same": {"m": 0.9, "u": 0.9 / 2**6.1},
                "different": {"m": 0.05, "u": 0.9},
            },
            "family_name": {
                "same": {"m": 0.8, "u": 0.01},
                "spelled_alike": {"m": 0.1, "u": 0.1 / 2**4.3},
                "different": {"m": 0.05, "u": 0.8},
            },
            "postal_code": {
                "same": {"m": 0.8, "u": 0.1},
                "different": {"m": 0.2, "u": 0.2 * 2**1.2},
            },
        },
    )
    query = make_record(family="Quillfeathr", date_of_birth=date(1994, 3, 15), postal_code="4011")
    found = make_record(family="Quillfeather", date_of_birth=date(1994, 3, 15), postal_code="5020")
    # when
    score = parameters.score(query, found)
    # then
    assert score.reasons() == [
        "same date of birth +6.1",
        "family name spelled alike +4.3",
        "different postal code \u22121.2",
    ]
    assert math.isclose(score.weight, math.log2(0.001 / 0.999) + 6.1 + 4.3 - 1.2)
    assert math.isclose(score.probability, 2**score.weight / (1 + 2**score.weight))


def test_too_few_persons_to_learn_from_is_refused():
    records = records_of(entries(12, twice=2))
    with pytest.raises(TooFewPersons):
        train(records, [str(number) for number in range(len(records))])


def test_every_level_is_known_by_key():
    for field in FIELDS_BY_NAME.values():
        keys = [level.key for level in field.levels]
        assert len(keys) == len(set(keys)), field.name
