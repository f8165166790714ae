"""A write to a draft encounter that races its completion waits for it, then is refused.

Real concurrent connections on PostgreSQL: the main thread completes the encounter and
holds the transaction open; a second thread's write must queue behind that row lock and,
once it is released, see the completed record. A write that checked the draft state on an
unlocked copy would go through and change what the KPIs count.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from coresponder.core.exceptions import Conflict
from coresponder.encounters import actions
from coresponder.encounters.models import Encounter, Section
from coresponder.testing.row_locks import WAIT_SECONDS, wait_until_queued

pytestmark = pytest.mark.django_db(transaction=True)


def _race_with_completion(scene, write) -> tuple[list, list]:
    """Completes the encounter while `write` runs in another thread; returns its outcome."""
    done, refused = [], []

    def other_writer():
        try:
            write()
            done.append(True)
        except Conflict as refusal:
            refused.append(refusal.message)
        finally:
            connection.close()

    writer = threading.Thread(target=other_writer)
    with transaction.atomic():
        actions.complete_encounter(scene.encounter, acting_user=scene.clinician)
        writer.start()
        wait_until_queued(writer, "the write")
    writer.join(timeout=WAIT_SECONDS)
    return done, refused


@pytest.fixture
def ready(on_scene):
    if connection.vendor != "postgresql":
        pytest.skip("row locks that make a writer wait are PostgreSQL's; SQLite locks the file")
    scene = on_scene(emt=False)
    actions.save_section(
        scene.encounter, "clinical", content={"behaviour": "Calm"}, acting_user=scene.clinician
    )
    actions.sign_section(scene.encounter, "clinical", acting_user=scene.clinician)
    actions.set_disposition(
        scene.encounter,
        actions.DispositionIn(disposition="resolved_on_scene", interventions=["de_escalation"]),
        acting_user=scene.clinician,
    )
    return scene


def test_a_disposition_changed_while_completing_is_refused_and_the_record_keeps_its_own(ready):
    def change_disposition():
        actions.set_disposition(
            Encounter.objects.select_related("call").get(pk=ready.encounter.pk),
            actions.DispositionIn(disposition="refused_services"),
            acting_user=ready.officer,
        )

    done, refused = _race_with_completion(ready, change_disposition)

    assert (done, len(refused)) == ([], 1)
    encounter = Encounter.objects.get(pk=ready.encounter.pk)
    assert (encounter.state, encounter.disposition) == ("complete", "resolved_on_scene")


def test_a_section_saved_while_completing_is_refused_and_nothing_is_added(ready):
    def save_officer_section():
        actions.save_section(
            Encounter.objects.select_related("call").get(pk=ready.encounter.pk),
            "safety",
            content={"weapons": "none seen"},
            acting_user=ready.officer,
        )

    done, refused = _race_with_completion(ready, save_officer_section)

    assert (done, len(refused)) == ([], 1)
    assert not Section.objects.filter(encounter=ready.encounter, kind="safety").exists()
