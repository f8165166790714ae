"""Instruments as data: the shipped C-SSRS screener and safety plan, checks, skip logic."""

from __future__ import annotations

import copy
import io
import json
import re
from xml.etree import ElementTree

import pytest

from coresponder.encounters.instruments import (
    SHIPPED,
    InstrumentError,
    asked,
    load,
    parse_instrument,
    problems_with,
    score,
    shipped,
)
from coresponder.testing.shared_data import shared_data

CSSRS = json.loads((SHIPPED / "cssrs-screener.json").read_text())
Y, N = True, False


def screener():
    return shipped()["cssrs-screener"]


def test_the_shipped_instruments_load_and_pass_their_checks():
    assert set(shipped()) == {"cssrs-screener", "stanley-brown-safety-plan"}
    plan = shipped()["stanley-brown-safety-plan"]
    assert [q.number for q in plan.questions][:6] == ["1", "2", "3", "4", "5", "6"]
    assert plan.bands == ()


# (answers, level): the screener's published triage, case by case.
TRIAGE = [
    ({"wish_dead": N, "suicidal_thoughts": N, "behavior": N}, "none"),
    ({"wish_dead": Y, "suicidal_thoughts": N, "behavior": N}, "low"),
    (
        {
            "wish_dead": Y,
            "suicidal_thoughts": Y,
            "method": N,
            "intent": N,
            "plan": N,
            "behavior": N,
        },
        "low",
    ),
    (
        {
            "wish_dead": Y,
            "suicidal_thoughts": Y,
            "method": Y,
            "intent": N,
            "plan": N,
            "behavior": N,
        },
        "moderate",
    ),
    (
        {"wish_dead": N, "suicidal_thoughts": N, "behavior": Y, "behavior_recent": N},
        "moderate",
    ),
    (
        {
            "wish_dead": Y,
            "suicidal_thoughts": Y,
            "method": Y,
            "intent": Y,
            "plan": N,
            "behavior": N,
        },
        "high",
    ),
    (
        {
            "wish_dead": Y,
            "suicidal_thoughts": Y,
            "method": N,
            "intent": N,
            "plan": Y,
            "behavior": N,
        },
        "high",
    ),
    ({"wish_dead": N, "suicidal_thoughts": N, "behavior": Y, "behavior_recent": Y}, "high"),
]


@pytest.mark.parametrize(("answers", "level"), TRIAGE)
def test_the_screener_triages_as_published(answers, level):
    result = score(screener(), answers)
    assert result.complete, problems_with(screener(), answers)
    assert result.level == level


def test_questions_3_to_5_are_asked_only_after_a_yes_to_question_2():
    instrument = screener()
    assert [q.number for q in asked(instrument, {"suicidal_thoughts": False})] == [
        "1",
        "2",
        "6",
    ]
    assert [q.number for q in asked(instrument, {"suicidal_thoughts": True, "behavior": True})] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "6a",
    ]


def test_answers_are_checked_question_by_question():
    problems = problems_with(
        screener(),
        {"wish_dead": "maybe", "suicidal_thoughts": N, "method": Y, "behavior": N, "mood": Y},
    )
    assert problems == {
        "wish_dead": ["Answer yes or no."],
        "method": ["Not asked, given the answers before it."],
        "mood": ["No such question in this instrument."],
    }
    incomplete = score(screener(), {"wish_dead": Y})
    assert not incomplete.complete
    assert problems_with(screener(), {"wish_dead": Y})["suicidal_thoughts"] == ["Needs an answer."]


def test_the_screeners_questions_are_the_published_wording():
    """Items 1–5 read as in the C-SSRS Lifeline version shipped in ../shared/data/cssrs/."""
    path = shared_data("cssrs/cdisc_Columbia-Suicide_Severity_Scale_ODMv2.xml")
    odm = ElementTree.parse(path).getroot()  # noqa: S314 - the project's shared data, not input
    namespace = odm.tag.split("}")[0] + "}"
    published = {}
    for item in odm.iter(f"{namespace}ItemDef"):
        numbered = re.fullmatch(r"IT\.(\d)\.(.+)", item.get("OID", ""))
        question = item.find("{*}Question/{*}TranslatedText")
        if numbered and question is not None and not numbered[2].endswith("_Description"):
            published[numbered[1]] = " ".join(question.text.split())
    ours = {q.number: q.text for q in screener().questions}
    for number in "12345":
        assert ours[number] == published[number].replace("’", "'")


def broken(change) -> dict:
    definition = copy.deepcopy(CSSRS)
    change(definition)
    return definition


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop("questions"), "questions must be a list"),
        (lambda d: d.update(version=0), "version must be a whole number"),
        (lambda d: d["questions"][1].update(key="wish_dead"), "the key is used twice"),
        (lambda d: d["questions"][0].update(answer="slider"), "answer must be one of"),
        (
            lambda d: d["questions"][2].update(ask_if={"yes": "plan"}),
            "not a question asked before it",
        ),
        (lambda d: d["questions"][2].update(ask_if={"maybe": "wish_dead"}), "unknown condition"),
        (lambda d: d["bands"].pop(), "the last band must have no condition"),
        (lambda d: d["bands"][0].update(when={"yes": "mood"}), "not a question asked before it"),
        (lambda d: d["questions"][0].update(answer="choice"), "two or more choices"),
        (lambda d: d["questions"][0].update(text=""), "text must be a non-empty text"),
    ],
)
def test_a_broken_definition_is_refused_with_where_and_why(change, reason):
    with pytest.raises(InstrumentError, match=reason):
        parse_instrument(broken(change))


def test_an_unreadable_file_is_refused_by_name(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"bad\.json: cannot be read as JSON"):
        load(path)


def test_a_safety_plan_needs_its_required_steps():
    plan = shipped()["stanley-brown-safety-plan"]
    problems = problems_with(
        plan,
        {
            "warning_signs": ["Not sleeping", "Pulling away from friends"],
            "internal_coping": ["Walk the dog"],
            "professionals": [{"name": "988 Suicide & Crisis Lifeline", "phone": "988"}],
        },
    )
    assert problems == {"safe_environment": ["Needs an answer."]}
    assert score(plan, {}).complete is False


def test_the_check_command_refuses_a_broken_file_and_shows_a_good_one(tmp_path):
    from django.core.management import CommandError, call_command

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(CSSRS), encoding="utf-8")
    bad.write_text(json.dumps(broken(lambda d: d["bands"].pop())), encoding="utf-8")
    out = io.StringIO()
    call_command("instrument", "check", str(good), stdout=out)
    assert "usable" in out.getvalue()
    assert "(asked if {'yes': 'suicidal_thoughts'})" in out.getvalue()
    with pytest.raises(CommandError, match="the last band must have no condition"):
        call_command("instrument", "check", str(bad))


def test_a_date_answer_is_its_iso_text_and_a_null_character_is_refused():
    from coresponder.encounters.instruments import parse_instrument, problems_with

    follow_up = parse_instrument(
        {
            "key": "follow-up",
            "version": 1,
            "title": "Follow-up",
            "questions": [
                {"key": "when", "text": "Next appointment", "answer": "date"},
                {"key": "note", "text": "Note", "answer": "text"},
            ],
        }
    )
    assert problems_with(follow_up, {"when": "2026-12-01", "note": "Clinic"}) == {}
    assert problems_with(follow_up, {"when": "01/12/2026"}) == {
        "when": ["Give a date as YYYY-MM-DD."]
    }
    assert problems_with(follow_up, {"note": "a\x00b"}) == {"note": ["Remove the null character."]}
