"""Response plans through the API: drafted, approved, and read as the policy allows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.encounters.models import PlanState, ResponsePlan

pytestmark = pytest.mark.django_db

PLAN = {
    "safety_concerns": "Has kept a bat by the door during episodes",
    "triggers": "Raised voices; uniforms approaching quickly",
    "calming": "Speak slowly, offer water, let him sit on the porch",
    "baseline": "Quiet, follows routines, talks about music",
    "escalated": "Paces, believes neighbours are recording him",
    "strategies": ["Clinician speaks first", "Offer the crisis centre before hospital"],
    "contacts": [{"name": "Case manager on duty", "role": "care team", "phone": "555-0142"}],
}


def review_in(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_a_clinician_drafts_a_supervisor_approves_and_an_officer_reads_the_summary(
    client, sign_in, crew, person
):
    sign_in(crew["clinician"])
    drafted = post(
        client, f"/api/v1/persons/{person.pk}/response-plans", {**PLAN, "review_by": review_in(90)}
    )
    assert drafted.status_code == 201, drafted.content
    plan_id = drafted.json()["id"]
    assert drafted.json()["state"] == "draft"
    # The author may not approve their own plan.
    assert post(client, f"/api/v1/response-plans/{plan_id}/approve").status_code == 403

    client.logout()
    sign_in(crew["supervisor"])
    approved = post(client, f"/api/v1/response-plans/{plan_id}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"

    client.logout()
    sign_in(crew["officer"])
    response = client.get(f"/api/v1/persons/{person.pk}/response-plans")
    (seen,) = response.json()
    assert seen["whole"] is False
    assert set(seen["content"]) == {"safety_concerns", "triggers", "calming"}
    for clinical in ("routines", "recording him", "Clinician speaks first", "555-0142"):
        assert clinical not in response.content.decode()


def test_approving_a_new_plan_supersedes_the_one_before(client, sign_in, crew, person):
    ids = []
    for days in (30, 120):
        client.logout()
        sign_in(crew["clinician"])
        body = {**PLAN, "review_by": review_in(days)}
        ids.append(post(client, f"/api/v1/persons/{person.pk}/response-plans", body).json()["id"])
        client.logout()
        sign_in(crew["supervisor"])
        assert post(client, f"/api/v1/response-plans/{ids[-1]}/approve").status_code == 200
    states = {str(pk): state for pk, state in ResponsePlan.objects.values_list("id", "state")}
    assert [states[i] for i in ids] == [
        PlanState.SUPERSEDED,
        PlanState.APPROVED,
    ]


def test_a_plan_without_safety_or_calming_or_a_past_review_date_is_refused(
    client, sign_in, crew, person
):
    sign_in(crew["clinician"])
    body = {**PLAN, "safety_concerns": "", "calming": "", "review_by": review_in(-1)}
    response = post(client, f"/api/v1/persons/{person.pk}/response-plans", body)
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "Say the safety concerns" in fields["safety_concerns"][0]
    assert "must be in the future" in fields["review_by"][0]
    assert not ResponsePlan.objects.exists()


def test_an_officer_cannot_draft_a_plan(client, sign_in, crew, person):
    sign_in(crew["officer"])
    body = {**PLAN, "review_by": review_in(60)}
    assert post(client, f"/api/v1/persons/{person.pk}/response-plans", body).status_code == 403
    assert not ResponsePlan.objects.exists()


def test_an_expired_plan_is_flagged(client, sign_in, crew, person):
    sign_in(crew["clinician"])
    plan_id = post(
        client, f"/api/v1/persons/{person.pk}/response-plans", {**PLAN, "review_by": review_in(5)}
    ).json()["id"]
    client.logout()
    sign_in(crew["supervisor"])
    post(client, f"/api/v1/response-plans/{plan_id}/approve")
    # yesterday in the program's zone, which is the day the page counts from (at 01:00 UTC
    # the UTC date's yesterday is still today in Denver)
    program_today = timezone.localdate(timezone=crew["supervisor"].agency.program.zone)
    ResponsePlan.objects.filter(pk=plan_id).update(review_by=program_today - timedelta(1))
    (seen,) = client.get(f"/api/v1/persons/{person.pk}/response-plans").json()
    assert seen["expired"] is True
