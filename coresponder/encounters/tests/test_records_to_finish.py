"""The responder's landing page lists the on-scene records still to finish."""

from __future__ import annotations

import pytest

from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions

pytestmark = pytest.mark.django_db


def test_a_responder_s_unfinished_records_of_earlier_calls_are_listed(client, sign_in, on_scene):
    scene = on_scene()
    dispatch.move_status(scene.team, "available", acting_user=scene.officer)
    sign_in(scene.clinician)
    page = client.get("/dispatch/field/").content.decode()
    assert 'data-testid="records-to-finish"' in page
    assert f'href="/encounters/{scene.encounter.pk}/field/"' in page
    assert scene.call.reference in page
    # The listed call was read through the calls' audited path.
    assert AuditEntry.objects.filter(
        action="calls.call_viewed",
        actor_username=scene.clinician.username,
        object_id=str(scene.person.pk),
    ).exists()

    actions.set_disposition(
        scene.encounter, actions.DispositionIn("resolved_on_scene"), acting_user=scene.clinician
    )
    actions.complete_encounter(scene.encounter, acting_user=scene.clinician)
    assert 'data-testid="records-to-finish"' not in client.get("/dispatch/field/").content.decode()
