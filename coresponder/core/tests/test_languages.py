"""Languages in words (`core/languages.py`)."""

from __future__ import annotations

import pytest

from coresponder.core.languages import language_name, language_names


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("es", "Spanish"),
        ("ES", "Spanish"),
        ("es-us", "Spanish"),
        ("es-MX", "Mexican Spanish"),
        ("ase", "American Sign Language"),
        ("asl", "American Sign Language"),
        ("vi", "Vietnamese"),
        ("pt-br", "Brazilian Portuguese"),
        ("Spanish", "Spanish"),
        (" Tagalog ", "Tagalog"),
        ("", ""),
    ],
)
def test_a_code_is_shown_as_its_name_and_words_as_typed(stored, shown):
    assert language_name(stored) == shown


def test_several_are_named_in_their_order():
    assert language_names(["en", "es", "", "ase"]) == "English, Spanish, American Sign Language"
