"""The follow-up queue triages by who, why the case opened and the risk level (issue 16,
item 7): the risk level is the band of the person's latest complete C-SSRS screening,
derived clinical information that the policy gives the queue as care coordination
(`Assessment.triage_class`), never the screening's answers. Through the page and the API:
who sees it, and who must not."""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.cases import access
from coresponder.cases import actions as cases
from coresponder.cases.models import Case
from coresponder.core.exceptions import PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions as encounters
from coresponder.privacy import events as privacy_events
from coresponder.privacy.classification import DataClass

pytestmark = pytest.mark.django_db

# Intent to act (question 4): high risk by the screener's triage.
HIGH = {
    "wish_dead": True,
    "suicidal_thoughts": True,
    "method": True,
    "intent": True,
    "plan": False,
    "behavior": False,
}
QUESTION_4 = "had some intention of acting on them"


def followed(scene, *, answers: dict | None = HIGH) -> Case:
    """The scene's encounter completed (with a screening when `answers`): its case waits
    in the clinician's agency's queue."""
    if answers is not None:
        encounters.record_assessment(
            scene.encounter,
            instrument_key="cssrs-screener",
            answers=answers,
            acting_user=scene.clinician,
        )
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("referred_voluntary", destination="Crisis walk-in clinic"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    return Case.objects.get(person=scene.person)


def signed_in(client, user):
    client.logout()
    client.force_login(user)
    return client


def test_the_queue_triages_by_why_the_case_opened_and_the_risk_level(client, on_scene, make_user):
    # given a case in the queue, its person screened at high risk
    scene = on_scene()
    case = followed(scene)
    queue_case_manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    # when a case manager of the queue's agency opens their worklist, page and API
    page = signed_in(client, queue_case_manager).get("/cases/")
    answer = client.get("/api/v1/cases")
    # then the row says why the case opened and the risk level, in words
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="opened-because">Encounter needing follow-up</span>' in html
    assert '<span class="risk risk--high" data-testid="risk">High risk</span>' in html
    (item,) = answer.json()["items"]
    assert (item["id"], item["opened_because"], item["risk_level"]) == (
        str(case.pk),
        "encounter",
        "high",
    )
    # and never the screening's answers, which the queue may not read
    for body in (html, answer.content.decode()):
        assert QUESTION_4 not in body
        assert '"intent"' not in body
    with pytest.raises(PermissionDenied):
        access.case_safety_plan(queue_case_manager, case.pk, channel="test")


def test_a_person_never_screened_has_no_risk_level(client, on_scene, make_user):
    scene = on_scene()
    followed(scene, answers=None)
    queue_case_manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)

    html = signed_in(client, queue_case_manager).get("/cases/").content.decode()
    (item,) = client.get("/api/v1/cases").json()["items"]

    assert '<span class="wl-muted" data-testid="risk">No C-SSRS screening</span>' in html
    assert item["risk_level"] is None


def test_the_assigned_case_manager_sees_it_too_and_the_read_is_audited(client, on_scene, make_user):
    # given the case assigned to a case manager of the queue's agency
    scene = on_scene()
    case = followed(scene)
    manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    cases.assign_case(case, case_manager=manager, acting_user=manager)
    before = AuditEntry.objects.count()
    # when they open their worklist
    (item,) = signed_in(client, manager).get("/api/v1/cases").json()["items"]
    # then the risk level shows, and the row's read names the class it is shown under
    assert item["risk_level"] == "high"
    (entry,) = AuditEntry.objects.filter(seq__gt=before, action=privacy_events.PERSON_READ)
    assert entry.object_id == str(case.person_id)
    assert DataClass.CARE_COORDINATION in entry.fields


@pytest.mark.parametrize(
    "role",
    [Role.OFFICER, Role.DISPATCHER, Role.EMT, Role.PARTNER, Role.EVALUATOR, Role.ADMINISTRATOR],
)
def test_no_one_outside_follow_up_reaches_the_risk_level(client, on_scene, make_user, role):
    # given a case screened at high risk, and a reader of a role that does no follow-up
    scene = on_scene()
    followed(scene)
    reader = make_user(role)
    # when they ask for the worklist, page and API
    page = signed_in(client, reader).get("/cases/")
    answer = client.get("/api/v1/cases")
    # then both are refused, and say nothing of the risk
    assert (page.status_code, answer.status_code) == (403, 403)
    for body in (page.content.decode(), answer.content.decode()):
        assert "High risk" not in body
        assert "risk_level" not in body


def test_a_case_manager_of_another_agency_has_no_row_to_see(client, on_scene, make_user, agencies):
    # given a case in the clinician's agency's queue, and a hospital's case manager
    scene = on_scene()
    followed(scene)
    stranger = make_user(Role.CASE_MANAGER, agency=agencies["hospital"])
    # when they open their worklist, then no row, no risk
    page = signed_in(client, stranger).get("/cases/")
    assert client.get("/api/v1/cases").json()["items"] == []
    assert 'data-testid="worklist-row"' not in page.content.decode()
    assert "High risk" not in page.content.decode()


def test_the_risk_level_shows_only_where_the_policy_gives_its_class(
    client, on_scene, make_user, monkeypatch
):
    # given the risk level declared clinical instead, which the queue alone may not read
    monkeypatch.setattr(access, "RISK_CLASS", DataClass.CLINICAL)
    scene = on_scene()
    followed(scene)
    queue_case_manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    # when the queue's case manager and the clinician who was on the call (the same agency:
    # the case is in their queue too) read the worklist
    queued = access.worklist(queue_case_manager, channel="test").rows
    on_the_call = access.worklist(scene.clinician, channel="test").rows
    html = signed_in(client, queue_case_manager).get("/cases/").content.decode()
    # then the row shows to both, its risk level only to the reader of its class
    assert [(row.risk_readable, row.risk) for row in queued] == [(False, None)]
    assert [(row.risk_readable, row.risk) for row in on_the_call] == [(True, "high")]
    assert 'data-testid="worklist-row"' in html
    assert 'data-testid="risk"' not in html
