"""Instruments as data ⇄ FHIR Questionnaire, both ways (issue 21, item 1). Pure: no
database."""

from __future__ import annotations

import json

import pytest

from coresponder.encounters import instruments
from coresponder.interop.fhir import questionnaires

from .conftest import validated

SHIPPED = sorted(instruments.SHIPPED.glob("*.json"))

NESTED = {
    "key": "nested-check",
    "version": 3,
    "title": "A check with every kind of condition",
    "source": "Made for this test",
    "instructions": "Ask in order.",
    "questions": [
        {"key": "a", "text": "A?", "answer": "yes_no"},
        {"key": "b", "text": "Which?", "answer": "choice", "choices": ["x", "y"]},
        {"key": "n", "text": "How many?", "answer": "number", "required": False},
        {"key": "c", "text": "When?", "answer": "date", "required": False, "ask_if": {"no": "a"}},
        {
            "key": "d",
            "text": "Why?",
            "answer": "text",
            "required": False,
            "ask_if": {"any": [{"yes": "a"}, {"equals": {"question": "b", "value": "y"}}]},
        },
        {
            "key": "e",
            "text": "Who?",
            "answer": "contacts",
            "required": False,
            "ask_if": {"all": [{"answered": "n"}, {"any": [{"yes": "a"}, {"no": "a"}]}]},
        },
    ],
    "bands": [
        {"level": "high", "label": "High", "when": {"yes": "a"}, "says": "Act.", "action": "Now."},
        {"level": "low", "label": "Low", "when": {}, "says": "Watch."},
    ],
}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_each_shipped_instrument_goes_there_and_back(path):
    # given a shipped instrument
    definition = json.loads(path.read_text())
    parsed = instruments.parse_instrument(definition)
    # when it is made a Questionnaire and read back
    questionnaire = questionnaires.questionnaire_of(parsed)
    back = questionnaires.instrument_of(questionnaire)
    # then the Questionnaire is valid FHIR, and the instrument is the same
    validated(questionnaire)
    assert instruments.parse_instrument(back) == parsed


def test_every_kind_of_condition_and_answer_goes_there_and_back():
    parsed = instruments.parse_instrument(NESTED)
    questionnaire = questionnaires.questionnaire_of(parsed)
    validated(questionnaire)
    items = {item["linkId"]: item for item in questionnaire["item"]}
    # FHIR says one level of conditions itself; a nested one travels as our extension
    assert items["c"]["enableWhen"] == [{"question": "a", "operator": "=", "answerBoolean": False}]
    assert items["d"]["enableBehavior"] == "any"
    assert items["d"]["enableWhen"][1] == {"question": "b", "operator": "=", "answerString": "y"}
    assert "enableWhen" not in items["e"]
    assert items["e"]["type"] == "group"
    assert items["b"]["answerOption"] == [{"valueString": "x"}, {"valueString": "y"}]
    assert instruments.parse_instrument(questionnaires.instrument_of(questionnaire)) == parsed


def test_a_questionnaire_an_instrument_cannot_hold_is_refused_with_the_reason():
    questionnaire = questionnaires.questionnaire_of(instruments.parse_instrument(NESTED))
    questionnaire["item"][0]["enableWhen"] = [
        {"question": "b", "operator": ">", "answerDecimal": 1}
    ]
    with pytest.raises(questionnaires.QuestionnaireError) as refused:
        questionnaires.instrument_of(questionnaire)
    assert str(refused.value) == "item 1 (a): enableWhen operator '>' is not supported."
    with pytest.raises(questionnaires.QuestionnaireError) as refused:
        questionnaires.instrument_of({"resourceType": "Patient"})
    assert str(refused.value) == "Not a Questionnaire."
    questionnaire = questionnaires.questionnaire_of(instruments.parse_instrument(NESTED))
    questionnaire["item"][3]["enableWhen"][0]["question"] = "e"
    with pytest.raises(questionnaires.QuestionnaireError) as refused:
        questionnaires.instrument_of(questionnaire)
    assert "not a question asked before it" in str(refused.value)


def test_answers_become_response_items_in_the_instruments_order():
    parsed = instruments.parse_instrument(NESTED)
    items = questionnaires.response_items(
        parsed,
        {
            "b": "y",
            "a": False,
            "n": 2,
            "c": "2026-01-31",
            "d": "",
            "e": [{"name": "Sister", "phone": "555"}, {"name": "Pastor"}],
        },
    )
    assert items == [
        {"linkId": "a", "text": "A?", "answer": [{"valueBoolean": False}]},
        {"linkId": "b", "text": "Which?", "answer": [{"valueString": "y"}]},
        {"linkId": "n", "text": "How many?", "answer": [{"valueDecimal": 2}]},
        {"linkId": "c", "text": "When?", "answer": [{"valueDate": "2026-01-31"}]},
        {
            "linkId": "e",
            "text": "Who?",
            "item": [
                {"linkId": "e.name", "answer": [{"valueString": "Sister"}]},
                {"linkId": "e.phone", "answer": [{"valueString": "555"}]},
            ],
        },
        {
            "linkId": "e",
            "text": "Who?",
            "item": [{"linkId": "e.name", "answer": [{"valueString": "Pastor"}]}],
        },
    ]
