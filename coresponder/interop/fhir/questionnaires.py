"""Instruments as data ⇄ FHIR `Questionnaire`, and an assessment's answers as a
`QuestionnaireResponse`.

An instrument (`encounters.instruments`) maps onto a Questionnaire item by item: its answer
types onto FHIR item types, its skip logic (`ask_if`) onto `enableWhen`, and what FHIR has
no element for (the source, the risk bands, a condition nested inside `any`/`all`) onto
extensions of ours, so that `instrument_of(questionnaire_of(x))` gives `x` back. Pure
functions: nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from coresponder.encounters import instruments

BASE = "https://coresponder.org/fhir"
EXTENSION = f"{BASE}/StructureDefinition"
SOURCE_EXT = f"{EXTENSION}/instrument-source"
BAND_EXT = f"{EXTENSION}/instrument-band"
CONDITION_EXT = f"{EXTENSION}/instrument-condition"  # the ask_if FHIR cannot say alone
PERIOD_EXT = f"{EXTENSION}/question-period"
NUMBER_EXT = f"{EXTENSION}/question-number"
ANSWER_EXT = f"{EXTENSION}/instrument-answer-type"

# Our answer types as FHIR item types; `list` and `contacts` repeat.
ITEM_TYPES = {
    "yes_no": "boolean",
    "choice": "choice",
    "number": "decimal",
    "text": "text",
    "date": "date",
    "list": "string",
    "contacts": "group",
}
CONTACT_PARTS = ("name", "phone")


class QuestionnaireError(ValueError):
    """A Questionnaire that does not make an instrument, with where and why."""


def questionnaire_id(key: str, version: int) -> str:
    return f"{key}-v{version}"


def questionnaire_url(key: str) -> str:
    return f"{BASE}/Questionnaire/{key}"


def canonical(key: str, version: int) -> str:
    return f"{questionnaire_url(key)}|{version}"


def _enable_when(condition: Mapping) -> tuple[list[dict], str] | None:
    """`ask_if` as FHIR enableWhen and its behaviour, when FHIR can say it (one level)."""
    if not condition:
        return [], ""
    ((kind, value),) = condition.items()
    if kind in ("yes", "no"):
        return [{"question": value, "operator": "=", "answerBoolean": kind == "yes"}], ""
    if kind == "answered":
        return [{"question": value, "operator": "exists", "answerBoolean": True}], ""
    if kind == "equals":
        answer = value["value"]
        if isinstance(answer, bool):
            typed = {"answerBoolean": answer}
        elif isinstance(answer, int | float):
            typed = {"answerDecimal": answer}
        else:
            typed = {"answerString": str(answer)}
        return [{"question": value["question"], "operator": "=", **typed}], ""
    parts = [_enable_when(inner) for inner in value]
    if any(part is None or part[1] or len(part[0]) != 1 for part in parts):
        return None  # nested any/all: FHIR's enableWhen is one level deep
    return [part[0][0] for part in parts], kind


def questionnaire_of(instrument: instruments.Instrument) -> dict:
    """The instrument as a FHIR R4 Questionnaire (a dict, ready to validate)."""
    items = []
    for question in instrument.questions:
        item: dict[str, Any] = {
            "linkId": question.key,
            "text": question.text,
            "type": ITEM_TYPES[question.answer],
            "required": question.required,
            "extension": [{"url": ANSWER_EXT, "valueCode": question.answer}],
        }
        if question.number:
            item["prefix"] = question.number
            item["extension"].append({"url": NUMBER_EXT, "valueString": question.number})
        if question.period:
            item["extension"].append({"url": PERIOD_EXT, "valueString": question.period})
        if question.answer in ("list", "contacts"):
            item["repeats"] = True
        if question.answer == "choice":
            item["answerOption"] = [{"valueString": choice} for choice in question.choices]
        if question.answer == "contacts":
            item["item"] = [
                {
                    "linkId": f"{question.key}.{part}",
                    "text": part,
                    "type": "string",
                    "required": part == "name",
                }
                for part in CONTACT_PARTS
            ]
        if question.ask_if:
            said = _enable_when(question.ask_if)
            if said is None:
                item["extension"].append(
                    {"url": CONDITION_EXT, "valueString": json.dumps(question.ask_if)}
                )
            else:
                item["enableWhen"], behaviour = said
                if behaviour:
                    item["enableBehavior"] = behaviour
        items.append(item)
    resource = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(instrument.key, instrument.version),
        "url": questionnaire_url(instrument.key),
        "version": str(instrument.version),
        "name": "".join(part.capitalize() for part in instrument.key.split("-")),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }
    if instrument.instructions:
        resource["description"] = instrument.instructions
    extensions = []
    if instrument.source:
        extensions.append({"url": SOURCE_EXT, "valueString": instrument.source})
    for band in instrument.bands:
        extensions.append(
            {
                "url": BAND_EXT,
                "extension": [
                    {"url": "level", "valueCode": band.level},
                    {"url": "label", "valueString": band.label},
                    {"url": "when", "valueString": json.dumps(dict(band.when))},
                    {"url": "says", "valueString": band.says},
                    *([{"url": "action", "valueString": band.action}] if band.action else []),
                ],
            }
        )
    if extensions:
        resource["extension"] = extensions
    return resource


def _extension(element: Mapping, url: str) -> Any:
    for extension in element.get("extension", []):
        if extension.get("url") == url:
            return next((v for k, v in extension.items() if k.startswith("value")), extension)
    return None


def _condition_of(item: Mapping, where: str) -> dict:
    raw = _extension(item, CONDITION_EXT)
    if raw is not None:
        try:
            return json.loads(raw)
        except (TypeError, ValueError):
            raise QuestionnaireError(f"{where}: the condition extension is not JSON.") from None
    conditions = []
    for when in item.get("enableWhen", []):
        question, operator = when.get("question"), when.get("operator")
        if operator == "exists":
            conditions.append({"answered": question})
        elif operator == "=" and "answerBoolean" in when:
            conditions.append({"yes" if when["answerBoolean"] else "no": question})
        elif operator == "=":
            value = next((v for k, v in when.items() if k.startswith("answer")), None)
            conditions.append({"equals": {"question": question, "value": value}})
        else:
            raise QuestionnaireError(f"{where}: enableWhen operator {operator!r} is not supported.")
    if not conditions:
        return {}
    if len(conditions) == 1:
        return conditions[0]
    return {item.get("enableBehavior", "all"): conditions}


def instrument_of(questionnaire: Mapping) -> dict:
    """A Questionnaire as an instrument definition, checked by `parse_instrument`; refuses
    what the instruments cannot hold (`QuestionnaireError` with the place and reason)."""
    if questionnaire.get("resourceType") != "Questionnaire":
        raise QuestionnaireError("Not a Questionnaire.")
    url = questionnaire.get("url", "")
    key = url.rsplit("/", 1)[-1] if url.startswith(f"{BASE}/Questionnaire/") else ""
    key = key or str(questionnaire.get("name", "")).lower()
    try:
        version = int(questionnaire.get("version", ""))
    except ValueError:
        raise QuestionnaireError("The version must be a whole number.") from None
    reverse_types = {fhir: ours for ours, fhir in ITEM_TYPES.items()}
    questions = []
    for position, item in enumerate(questionnaire.get("item", []), start=1):
        where = f"item {position} ({item.get('linkId', '?')})"
        answer = _extension(item, ANSWER_EXT) or reverse_types.get(item.get("type"))
        if answer is None:
            raise QuestionnaireError(f"{where}: item type {item.get('type')!r} has no answer type.")
        question: dict[str, Any] = {
            "key": item.get("linkId", ""),
            "text": item.get("text", ""),
            "answer": answer,
            "required": bool(item.get("required", False)),
        }
        number = _extension(item, NUMBER_EXT) or item.get("prefix")
        if number:
            question["number"] = number
        period = _extension(item, PERIOD_EXT)
        if period:
            question["period"] = period
        if answer == "choice":
            question["choices"] = [
                next((v for k, v in option.items() if k.startswith("value")), "")
                for option in item.get("answerOption", [])
            ]
        condition = _condition_of(item, where)
        if condition:
            question["ask_if"] = condition
        questions.append(question)
    definition: dict[str, Any] = {
        "key": key,
        "version": version,
        "title": questionnaire.get("title", ""),
        "source": _extension(questionnaire, SOURCE_EXT) or "",
        "instructions": questionnaire.get("description", ""),
        "questions": questions,
        "bands": [],
    }
    for extension in questionnaire.get("extension", []):
        if extension.get("url") != BAND_EXT:
            continue
        parts = {
            part["url"]: next(v for k, v in part.items() if k.startswith("value"))
            for part in extension.get("extension", [])
        }
        definition["bands"].append(
            {
                "level": parts.get("level", ""),
                "label": parts.get("label", ""),
                "when": json.loads(parts.get("when", "{}")),
                "says": parts.get("says", ""),
                **({"action": parts["action"]} if "action" in parts else {}),
            }
        )
    try:
        instruments.parse_instrument(definition)
    except instruments.InstrumentError as error:
        raise QuestionnaireError(str(error)) from None
    return definition


def _answers(question: instruments.Question, value: Any) -> list[dict]:
    if question.answer == "yes_no":
        return [{"valueBoolean": bool(value)}]
    if question.answer == "number":
        return [{"valueDecimal": value}]
    if question.answer == "date":
        return [{"valueDate": str(value)}]
    if question.answer == "list":
        return [{"valueString": str(entry)} for entry in value]
    return [{"valueString": str(value)}]


def response_items(instrument: instruments.Instrument, answers: Mapping[str, Any]) -> list[dict]:
    """The answers as QuestionnaireResponse items, in the instrument's order; unanswered
    questions are left out, as FHIR asks."""
    items = []
    for question in instrument.questions:
        value = answers.get(question.key)
        if value is None or value in ("", []):
            continue
        item: dict[str, Any] = {"linkId": question.key, "text": question.text}
        if question.answer == "contacts":
            # One group per contact, each with its parts.
            for contact in value:
                items.append(
                    {
                        **item,
                        "item": [
                            {
                                "linkId": f"{question.key}.{part}",
                                "answer": [{"valueString": str(contact[part])}],
                            }
                            for part in CONTACT_PARTS
                            if contact.get(part)
                        ],
                    }
                )
            continue
        item["answer"] = _answers(question, value)
        items.append(item)
    return items
