"""An instrument's answers as a form shows and posts them: a list as one item a line, a
contact as "name — phone" a line. Pure functions, shared by the field view and the
follow-up case's safety plan pages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import instruments

# Between a contact's name and phone on one line: a dash, or a hyphen with spaces.
CONTACT_SEPARATOR = re.compile(r"\s*[\u2014\u2013]\s*|\s+-\s+")
NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")

HINTS = {
    "list": gettext_lazy("One per line."),
    "contacts": gettext_lazy("One per line: name \u2014 phone."),
}


def contact_line(contact: Any) -> str:
    if not isinstance(contact, dict):
        return str(contact)
    name, phone = contact.get("name", ""), contact.get("phone", "")
    return f"{name} \u2014 {phone}" if phone else str(name)


def as_text(kind: str, value: Any) -> str:
    """What the form's field shows for a stored answer."""
    if value in (None, "", []):
        return ""
    if kind == "list" and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if kind == "contacts" and isinstance(value, list):
        return "\n".join(contact_line(contact) for contact in value)
    return str(value)


def shown(kind: str, value: Any) -> Any:
    """A stored answer, for reading."""
    if value in (None, "", []):
        return ""
    if kind == "yes_no":
        return _("Yes") if value else _("No")
    if kind == "list" and isinstance(value, list):
        return [str(item) for item in value]
    if kind == "contacts" and isinstance(value, list):
        return [
            {
                "name": contact.get("name", ""),
                "phone": contact.get("phone", ""),
                "tel": re.sub(r"[^\d+]", "", contact.get("phone", "")),
            }
            for contact in value
            if isinstance(contact, dict)
        ]
    if kind == "date":
        try:
            return date_format(date.fromisoformat(str(value)), "j M Y")
        except ValueError:
            return str(value)
    return str(value)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def contact(line: str) -> dict[str, str]:
    """ "Name — phone" (or "Name - phone"); a line without a dash is a name alone."""
    found = list(CONTACT_SEPARATOR.finditer(line))
    if not found:
        return {"name": line, "phone": ""}
    last = found[-1]
    return {"name": line[: last.start()].strip(), "phone": line[last.end() :].strip()}


def number(text: str) -> int | float | str:
    """The number typed; anything else goes as typed, for the instrument to refuse."""
    if not NUMBER.match(text):
        return text
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)


def posted_answer(kind: str, raw: str) -> Any:
    """An answer as the form posts it, as the instrument takes it; None: not answered."""
    if not raw.strip():
        return None
    if kind == "yes_no":
        return {"yes": True, "no": False}.get(raw)
    if kind == "number":
        return number(raw.strip())
    if kind == "date":
        return raw.strip()
    if kind == "list":
        return lines(raw)
    if kind == "contacts":
        return [contact(line) for line in lines(raw)]
    if kind == "text":
        return raw.replace("\r\n", "\n")
    return raw  # a choice


def posted_answers(parsed, post) -> dict:
    """The answers given to the questions the skip logic asks, in order."""
    answers: dict[str, Any] = {}
    for question in parsed.questions:
        if not instruments.holds(question.ask_if, answers):
            continue
        value = posted_answer(question.answer, post.get(question.key, ""))
        if value is not None:
            answers[question.key] = value
    return answers
