"""The duplicate-id check every page a test receives goes through (`testing/html_ids.py`)."""

from __future__ import annotations

from coresponder.testing.html_ids import duplicate_ids


def test_the_check_names_each_id_given_twice_once():
    page = (
        '<form><textarea id="id_note"></textarea><select id="id_status"></select></form>'
        '<form><textarea id="id_note"></textarea><select id="id_status"></select>'
        '<input id="id_at"></form><p id="id_note"></p>'
    )

    assert duplicate_ids(page) == ["id_note", "id_status"]


def test_a_page_of_unique_ids_and_an_inert_template_passes():
    page = (
        '<input id="id_note"><template><input id="id_note"></template>'
        '<label for="id_note">Note</label><p id="">x</p><p id="">y</p>'
    )

    assert duplicate_ids(page) == []
