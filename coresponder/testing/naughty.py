"""Sends every Big List of Naughty Strings entry through a field and checks what comes back.

Use it for every free-text field: `submit` sends one value through the form or API and
returns the response with the value as stored (None when the program refused it);
`expected_rejection` says which values the field must refuse, and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.html import escape

from .shared_data import shared_data


def naughty_strings() -> list[str]:
    return json.loads(shared_data("naughty-strings/blns.json").read_text(encoding="utf-8"))


def plain_text_rejection(max_length: int, *, strip: bool = True) -> Callable[[str], str | None]:
    """The rules of a required Django CharField: the reason a value is refused, or None."""

    def reason(value: str) -> str | None:
        cleaned = value.strip() if strip else value
        if "\x00" in cleaned:
            return "null character"
        if not cleaned:
            return "required"
        if len(cleaned) > max_length:
            return "too long"
        return None

    return reason


@dataclass
class NaughtyReport:
    stored: list[str] = field(default_factory=list)  # as stored
    refused: list[str] = field(default_factory=list)


def check_naughty_strings(
    *,
    submit: Callable[[str], tuple[object, str | None]],
    expected_rejection: Callable[[str], str | None],
    normalise: Callable[[str], str] = str.strip,
) -> NaughtyReport:
    """Every string: no server error; stored exactly (after the field's own
    normalisation) unless the field's rules refuse it, and refused only then."""
    report = NaughtyReport()
    for value in naughty_strings():
        response, stored = submit(value)
        status = getattr(response, "status_code", 200)
        assert status < 500, f"server error {status} for {value!r}"
        reason = expected_rejection(value)
        if reason is None:
            assert stored == normalise(value), f"round trip changed {value!r} into {stored!r}"
            report.stored.append(stored)
        else:
            assert stored is None, f"{value!r} should be refused ({reason}) but was stored"
            assert 400 <= status < 500, f"refusal of {value!r} answered {status}"
            report.refused.append(value)
    return report


def assert_shown_inert(html: str, values: list[str]) -> None:
    """Each value appears in the page only as escaped text, never as markup."""
    for value in values:
        assert escape(value) in html, f"{value!r} is not shown escaped"
