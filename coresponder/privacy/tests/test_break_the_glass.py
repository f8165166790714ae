from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import CLINICAL_TEXT, PART2_TEXT
from coresponder.privacy import events
from coresponder.privacy.models import BreakGlassGrant

pytestmark = pytest.mark.django_db


def actions_about(person) -> list[str]:
    return list(
        AuditEntry.objects.for_object("person", person.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_break_the_glass_grants_expires_and_is_reviewed_each_step_audited(
    client, crew, person, sign_in, make_user
):
    emt = crew["emt"]
    start = timezone.now()  # after the fixture's consents, which start a day earlier

    def at(minutes: float):
        return freeze_time(start + timedelta(minutes=minutes))

    with at(0):
        # given an EMT who may not see the clinical record
        sign_in(emt)
        before = client.get(f"/people/{person.pk}/").content.decode()
        assert CLINICAL_TEXT not in before
        assert "Open in an emergency" in before

        # when they open it in an emergency, with a reason
        response = client.post(
            f"/people/{person.pk}/break-glass/",
            {"reason": "Unresponsive; need known conditions now."},
        )
        opened = client.get(f"/people/{person.pk}/").content.decode()

    # then they see it, with the basis shown, and Part 2 stays closed
    assert response.status_code == 302
    assert CLINICAL_TEXT in opened
    assert "emergency access (break-the-glass)" in opened
    assert PART2_TEXT not in opened
    grant = BreakGlassGrant.objects.get()
    read = (
        AuditEntry.objects.filter(action=events.PERSON_READ, actor_username=emt.username)
        .order_by("-seq")
        .first()
    )
    assert "clinical=break_glass" in read.detail["basis"]

    # when the hour has passed (the EMT kept working, so the session is still open)
    for moment in (25, 50):
        with at(moment):
            assert client.get("/").status_code == 200
    with at(60.02):
        response = client.get(f"/people/{person.pk}/")
    after = response.content.decode()

    # then it is closed again, and the expiry is in the log
    assert response.status_code == 200
    assert "Tango" in after
    assert CLINICAL_TEXT not in after
    grant.refresh_from_db()
    assert grant.closed_at is not None

    # when a supervisor reviews it from the queue
    with at(65):
        sign_in(crew["supervisor"])
        queue = client.get("/privacy/break-glass/").content.decode()
        client.post(
            f"/privacy/break-glass/{grant.pk}/review/",
            {"review": "appropriate", "note": "Medical emergency, justified."},
        )
        emptied = client.get("/privacy/break-glass/").content.decode()

    assert "Unresponsive; need known conditions now." in queue
    grant.refresh_from_db()
    assert (grant.review, grant.reviewed_by) == ("appropriate", crew["supervisor"])
    steps = [a for a in actions_about(person) if a.startswith("privacy.break_glass")]
    assert steps == [
        events.BREAK_GLASS_GRANTED,
        events.BREAK_GLASS_EXPIRED,
        events.BREAK_GLASS_REVIEWED,
    ]
    assert "Recently reviewed" in emptied
    assert emptied.count("data-grant=") == 0


def test_a_reason_is_required(client, crew, person, sign_in):
    sign_in(crew["emt"])

    client.post(f"/people/{person.pk}/break-glass/", {"reason": "now"})

    assert not BreakGlassGrant.objects.exists()
    assert events.BREAK_GLASS_GRANTED not in actions_about(person)


def test_partners_and_evaluators_cannot_break_the_glass(crew, person, make_user):
    from coresponder.accounts.models import Role
    from coresponder.core.exceptions import PermissionDenied
    from coresponder.privacy.actions import break_the_glass

    for user in (crew["partner"], make_user(Role.EVALUATOR)):
        with pytest.raises(PermissionDenied):
            break_the_glass(person, acting_user=user, reason="I want to see everything.")
    assert not BreakGlassGrant.objects.exists()


def test_no_one_reviews_their_own_emergency_access(crew, person, make_user):
    from coresponder.accounts.models import Role
    from coresponder.core.exceptions import PermissionDenied
    from coresponder.privacy.actions import break_the_glass, review_break_glass

    supervisor = crew["supervisor"]
    grant = break_the_glass(person, acting_user=supervisor, reason="Caller says armed; check.")

    with pytest.raises(PermissionDenied):
        review_break_glass(grant, acting_user=supervisor, review="appropriate")
    grant.refresh_from_db()
    assert grant.reviewed_at is None
    review_break_glass(grant, acting_user=make_user(Role.SUPERVISOR), review="inappropriate")


def test_access_judged_not_appropriate_ends_at_once(client, crew, person, sign_in, make_user):
    from django.test import Client

    from coresponder.accounts.models import Role
    from coresponder.testing.fixtures import PASSWORD

    # given an EMT reading the clinical record under break-the-glass
    emt = crew["emt"]
    sign_in(emt)
    client.post(
        f"/people/{person.pk}/break-glass/", {"reason": "Unresponsive; need known conditions now."}
    )
    assert CLINICAL_TEXT in client.get(f"/people/{person.pk}/").content.decode()
    grant = BreakGlassGrant.objects.get()

    # when a supervisor judges it not appropriate on the review page, within the hour
    supervisor = Client()
    signed_in = supervisor.post(
        "/login/", {"username": make_user(Role.SUPERVISOR).username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    response = supervisor.post(
        f"/privacy/break-glass/{grant.pk}/review/",
        {"review": "inappropriate", "note": "Not an emergency: a routine check."},
    )
    assert response.status_code == 302

    # then the EMT's next request is refused the clinical record
    after = client.get(f"/people/{person.pk}/").content.decode()
    assert "Tango" in after
    assert CLINICAL_TEXT not in after
    assert "emergency access (break-the-glass)" not in after
    grant.refresh_from_db()
    assert grant.review == "inappropriate"
    assert grant.expires_at == grant.reviewed_at == grant.closed_at
    reviewed = AuditEntry.objects.get(action=events.BREAK_GLASS_REVIEWED)
    assert reviewed.detail["ended_at"] == grant.expires_at.isoformat()
    # and no second end is written for it later
    assert events.BREAK_GLASS_EXPIRED not in actions_about(person)
