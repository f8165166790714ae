"""Phone numbers as people type them, held one way (core.phone_numbers)."""

from __future__ import annotations

import pytest

from coresponder.core.phone_numbers import PhoneInvalid, normalise_phone, phone_for_display


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        ("303-555-0100", "+13035550100"),
        ("(303) 555-0100", "+13035550100"),
        ("1 303 555 0100", "+13035550100"),
        ("+1 303.555.0100", "+13035550100"),
        ("303-555-0100 x12", "+13035550100 x12"),
        ("303-555-0100 ext. 12", "+13035550100 x12"),
        ("303 555 0100 extension 9", "+13035550100 x9"),
        ("+44 20 7946 0958", "+442079460958"),
        ("988", "988"),
        ("  ", ""),
    ],
)
def test_a_phone_is_held_as_e164_with_its_extension(typed, held):
    assert normalise_phone(typed) == held


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("555-0100", "Give the area code too: 555-0100 has 7 digits, a phone number 10."),
        ("03151994", "A phone number has 10 digits (with the area code); 03151994 has 8."),
        (
            "123-555-0100",
            "123-555-0100 is not a dialable number: an area code or an exchange (the three "
            "digits after it) never starts with 0 or 1.",
        ),
        (
            "call me",
            "“call me” is not a phone number: use digits, with spaces, dashes, dots or "
            "brackets between them, and “x” before an extension (303-555-0100 x12).",
        ),
        ("+44 12", "An international number has 8 to 15 digits after the “+”; this has 4."),
    ],
)
def test_what_is_not_a_phone_is_refused_saying_what_to_fix(typed, message):
    with pytest.raises(PhoneInvalid) as refused:
        normalise_phone(typed)
    assert refused.value.message == message


def test_a_held_number_is_shown_as_people_write_it():
    assert phone_for_display("+13035550100 x12") == "(303) 555-0100 x12"
    assert phone_for_display("+442079460958") == "+442079460958"
