"""An administrator adds an instrument without code; a broken one is refused with why."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from coresponder.core.models import AuditEntry
from coresponder.encounters import events
from coresponder.encounters.models import Instrument

pytestmark = pytest.mark.django_db

MOOD = {
    "key": "mood-check",
    "version": 1,
    "title": "Two-question mood check",
    "questions": [
        {"key": "down", "text": "Feeling down, depressed or hopeless?", "answer": "yes_no"},
        {"key": "interest", "text": "Little interest or pleasure?", "answer": "yes_no"},
    ],
    "bands": [
        {
            "level": "positive",
            "label": "Screen positive",
            "when": {"any": [{"yes": "down"}, {"yes": "interest"}]},
            "says": "Assess further.",
        },
        {"level": "negative", "label": "Screen negative", "when": {}, "says": "No follow-up."},
    ],
}


def test_the_shipped_instruments_are_stored_after_migrate():
    stored = set(Instrument.objects.filter(shipped=True).values_list("key", "version"))
    assert stored == {("cssrs-screener", 1), ("stanley-brown-safety-plan", 1)}


def test_an_administrator_adds_one_in_admin_and_it_is_offered(client, sign_in, admin_user):
    sign_in(admin_user)
    response = client.post(
        "/admin/encounters/instrument/add/",
        {"definition": json.dumps(MOOD), "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Instrument.objects.get(key="mood-check")
    assert (added.version, added.title, added.shipped) == (1, "Two-question mood check", False)
    assert AuditEntry.objects.filter(action=events.INSTRUMENT_ADDED).count() == 1
    offered = client.get("/api/v1/instruments").json()
    assert "mood-check" in {instrument["key"] for instrument in offered}
    # The same version again is refused on the form, not stored twice.
    again = client.post(
        "/admin/encounters/instrument/add/", {"definition": json.dumps(MOOD), "is_active": "on"}
    )
    assert "give the changed one a new version" in again.content.decode()
    assert Instrument.objects.filter(key="mood-check").count() == 1
    # A stored version opens read-only; only whether it is offered changes.
    page = client.get(f"/admin/encounters/instrument/{added.pk}/change/")
    assert page.status_code == 200
    assert 'name="definition"' not in page.content.decode()


def test_a_broken_definition_is_refused_in_admin_with_the_reason(client, sign_in, admin_user):
    broken = {**MOOD, "bands": [{**MOOD["bands"][0], "when": {"yes": "sleep"}}]}
    sign_in(admin_user)
    response = client.post(
        "/admin/encounters/instrument/add/",
        {"definition": json.dumps(broken), "is_active": "on"},
    )
    assert response.status_code == 200
    assert "sleep" in response.content.decode()
    assert not Instrument.objects.filter(key="mood-check").exists()


def test_the_command_adds_a_file_and_refuses_a_version_twice(tmp_path):
    path = tmp_path / "mood.json"
    path.write_text(json.dumps(MOOD), encoding="utf-8")
    call_command("instrument", "add", str(path))
    assert Instrument.objects.filter(key="mood-check", version=1).exists()
    with pytest.raises(CommandError, match="give the changed one a new version"):
        call_command("instrument", "add", str(path))


def test_the_command_refuses_a_broken_file_and_stores_nothing(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({**MOOD, "version": 0}), encoding="utf-8")
    with pytest.raises(CommandError, match="version must be a whole number"):
        call_command("instrument", "add", str(path))
    assert not Instrument.objects.filter(key="mood-check").exists()


def test_only_administrators_add_instruments(make_user):
    from coresponder.accounts.models import Role
    from coresponder.core.exceptions import PermissionDenied
    from coresponder.encounters.actions import add_instrument

    with pytest.raises(PermissionDenied):
        add_instrument(MOOD, acting_user=make_user(Role.CLINICIAN))
    assert not Instrument.objects.filter(key="mood-check").exists()
