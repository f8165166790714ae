"""Assessment instruments held as data: questions, skip logic and risk bands.

An instrument definition is a plain mapping (shipped ones are JSON files beside this
module; a program's administrators will add their own as data). `parse_instrument`
checks a definition whole and refuses a broken one with the place and the reason;
`asked`, `problems_with` and `score` are pure functions over a parsed instrument and a
person's answers. Nothing here knows of the database.

Conditions, used by `ask_if` (skip logic) and by the bands, are data too:
`{"yes": "q"}`, `{"no": "q"}`, `{"answered": "q"}`, `{"equals": {"question": "q",
"value": v}}`, `{"any": [...]}`, `{"all": [...]}`; `{}` always holds. A condition may
only name a question that comes before the one it gates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

SHIPPED = Path(__file__).parent / "instruments"
# The C-SSRS screener: asked first on every encounter, and what follow-up triages by.
SCREENER = "cssrs-screener"
ANSWER_TYPES = ("yes_no", "choice", "number", "text", "date", "list", "contacts")
CONDITION_KINDS = ("yes", "no", "answered", "equals", "any", "all")
MAX_TEXT = 2000
NUL = "\x00"


class InstrumentError(ValueError):
    """A definition that cannot be used, with where and why."""


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answer: str
    number: str = ""
    period: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    ask_if: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    level: str
    label: str
    when: Mapping
    says: str
    action: str


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    title: str
    source: str
    instructions: str
    questions: tuple[Question, ...]
    bands: tuple[Band, ...]

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)


@dataclass(frozen=True)
class Result:
    complete: bool
    level: str = ""  # the band's level; "" for an instrument without bands
    label: str = ""
    says: str = ""
    action: str = ""


def _check_condition(condition: Any, where: str, known: set[str]) -> None:
    if not isinstance(condition, Mapping):
        raise InstrumentError(f'{where}: a condition is an object, e.g. {{"yes": "q2"}}.')
    if len(condition) > 1:
        raise InstrumentError(f"{where}: one condition per object; combine with any or all.")
    for kind, value in condition.items():
        if kind not in CONDITION_KINDS:
            raise InstrumentError(
                f"{where}: unknown condition {kind!r}; use one of {', '.join(CONDITION_KINDS)}."
            )
        if kind in ("any", "all"):
            if not isinstance(value, list) or not value:
                raise InstrumentError(f"{where}: {kind} needs a list of conditions.")
            for position, inner in enumerate(value, start=1):
                _check_condition(inner, f"{where} › {kind} {position}", known)
            continue
        named = value.get("question") if kind == "equals" and isinstance(value, Mapping) else value
        if kind == "equals" and not (isinstance(value, Mapping) and "value" in value):
            raise InstrumentError(f"{where}: equals needs a question and a value.")
        if named not in known:
            raise InstrumentError(
                f"{where}: {kind} names {named!r}, which is not a question asked before it."
            )


def _text(item: Mapping, name: str, where: str, *, required: bool = True) -> str:
    value = item.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InstrumentError(f"{where}: {name} must be a non-empty text.")
    return value.strip()


def _question(item: Any, where: str, seen: set[str]) -> Question:
    if not isinstance(item, Mapping):
        raise InstrumentError(f"{where}: a question is an object.")
    qkey = _text(item, "key", where)
    here = f"{where} ({qkey})"
    if qkey in seen:
        raise InstrumentError(f"{here}: the key is used twice.")
    answer = item.get("answer")
    if answer not in ANSWER_TYPES:
        raise InstrumentError(
            f"{here}: answer must be one of {', '.join(ANSWER_TYPES)}, not {answer!r}."
        )
    choices = item.get("choices", [])
    if answer == "choice":
        if not isinstance(choices, list) or len(choices) < 2:
            raise InstrumentError(f"{here}: a choice question needs two or more choices.")
        if len(set(map(str, choices))) != len(choices):
            raise InstrumentError(f"{here}: a choice is listed twice.")
    elif choices:
        raise InstrumentError(f"{here}: only choice questions have choices.")
    ask_if = item.get("ask_if", {})
    if ask_if:
        _check_condition(ask_if, f"{here} › ask_if", seen)
    required = item.get("required", answer == "yes_no")
    if not isinstance(required, bool):
        raise InstrumentError(f"{here}: required is true or false.")
    return Question(
        key=qkey,
        text=_text(item, "text", here),
        answer=answer,
        number=str(item.get("number", "")),
        period=str(item.get("period", "")),
        required=required,
        choices=tuple(str(c) for c in choices),
        ask_if=ask_if,
    )


def _band(item: Any, where: str, levels: set[str], questions: set[str]) -> Band:
    if not isinstance(item, Mapping):
        raise InstrumentError(f"{where}: a band is an object.")
    level = _text(item, "level", where)
    if level in levels:
        raise InstrumentError(f"{where}: the level {level!r} is used twice.")
    when = item.get("when", {})
    if when:
        _check_condition(when, f"{where} ({level}) › when", questions)
    return Band(
        level=level,
        label=_text(item, "label", where),
        when=when,
        says=_text(item, "says", where),
        action=_text(item, "action", where, required=False),
    )


def parse_instrument(raw: Any) -> Instrument:
    """Checks a definition as stored; refuses the first problem by its place."""
    if not isinstance(raw, Mapping):
        raise InstrumentError("An instrument is an object with key, version, title, questions.")
    key = _text(raw, "key", "the instrument")
    where = f"instrument {key!r}"
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InstrumentError(f"{where}: version must be a whole number from 1.")
    questions_raw = raw.get("questions")
    if not isinstance(questions_raw, list) or not questions_raw:
        raise InstrumentError(f"{where}: questions must be a list of one or more questions.")
    questions, seen = [], set()
    for position, item in enumerate(questions_raw, start=1):
        question = _question(item, f"{where}, question {position}", seen)
        questions.append(question)
        seen.add(question.key)
    bands_raw = raw.get("bands", [])
    if not isinstance(bands_raw, list):
        raise InstrumentError(f"{where}: bands must be a list.")
    bands, levels = [], set()
    for position, item in enumerate(bands_raw, start=1):
        band = _band(item, f"{where}, band {position}", levels, seen)
        bands.append(band)
        levels.add(band.level)
    if bands and bands[-1].when:
        raise InstrumentError(
            f"{where}: the last band must have no condition, so every screen has a level."
        )
    return Instrument(
        key=key,
        version=version,
        title=_text(raw, "title", where),
        source=_text(raw, "source", where, required=False),
        instructions=_text(raw, "instructions", where, required=False),
        questions=tuple(questions),
        bands=tuple(bands),
    )


def holds(condition: Mapping, answers: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    ((kind, value),) = condition.items()
    if kind == "yes":
        return answers.get(value) is True
    if kind == "no":
        return answers.get(value) is False
    if kind == "answered":
        return answers.get(value) not in (None, "", [])
    if kind == "equals":
        return answers.get(value["question"]) == value["value"]
    if kind == "any":
        return any(holds(inner, answers) for inner in value)
    return all(holds(inner, answers) for inner in value)


def asked(instrument: Instrument, answers: Mapping[str, Any]) -> list[Question]:
    """The questions to ask, given the answers so far (skip logic)."""
    return [q for q in instrument.questions if holds(q.ask_if, answers)]


def _bad_answer(question: Question, value: Any) -> str:
    kind = question.answer
    if kind == "yes_no" and not isinstance(value, bool):
        return "Answer yes or no."
    if kind == "choice" and value not in question.choices:
        return f"Choose one of: {', '.join(question.choices)}."
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "Give a number."
    if kind == "text" and (not isinstance(value, str) or len(value) > MAX_TEXT):
        return f"Give a text of at most {MAX_TEXT} characters."
    if kind == "date" and not _is_date(value):
        return "Give a date as YYYY-MM-DD."
    if kind == "list" and not (
        isinstance(value, list) and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value)
    ):
        return "Give a list of short texts."
    if kind == "contacts" and not (
        isinstance(value, list)
        and all(
            isinstance(v, Mapping)
            and isinstance(v.get("name"), str)
            and all(isinstance(part, str) and len(part) <= MAX_TEXT for part in v.values())
            for v in value
        )
    ):
        return "Give a list of contacts, each with a name (and a phone)."
    if _holds_nul(value):
        # PostgreSQL cannot store it, and no keyboard types it.
        return "Remove the null character."
    return ""


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        return any(_holds_nul(part) for part in value.values())
    if isinstance(value, list):
        return any(_holds_nul(part) for part in value)
    return False


def _is_date(value: Any) -> bool:
    """Answers travel as JSON, so a date is its ISO text."""
    if isinstance(value, date):
        return True
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def problems_with(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each question answered wrongly, skipped though asked, or answered though skipped."""
    problems: dict[str, list[str]] = {}
    keys = {q.key for q in instrument.questions}
    for unknown in sorted(set(answers) - keys):
        problems[unknown] = ["No such question in this instrument."]
    to_ask = {q.key for q in asked(instrument, answers)}
    for question in instrument.questions:
        value = answers.get(question.key)
        empty = value is None or value in ("", [])
        if question.key not in to_ask:
            if not empty:
                problems[question.key] = ["Not asked, given the answers before it."]
            continue
        if empty:
            if question.required:
                problems[question.key] = ["Needs an answer."]
            continue
        if message := _bad_answer(question, value):
            problems[question.key] = [message]
    return problems


def score(instrument: Instrument, answers: Mapping[str, Any]) -> Result:
    """The risk band the answers fall in: the first, in order, whose condition holds."""
    complete = not problems_with(instrument, answers)
    for band in instrument.bands:
        if holds(band.when, answers):
            return Result(complete, band.level, band.label, band.says, band.action)
    return Result(complete)


def load(path: Path) -> Instrument:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InstrumentError(f"{path.name}: cannot be read as JSON ({error}).") from None
    return parse_instrument(raw)


def shipped() -> dict[str, Instrument]:
    """The instruments Coresponder ships, each checked as it is loaded."""
    instruments = {}
    for path in sorted(SHIPPED.glob("*.json")):
        instrument = load(path)
        instruments[instrument.key] = instrument
    return instruments
