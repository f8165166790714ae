"""The partner's queue (GET /referrals/partner/): what waits on the partner first, 25 a
page, filtered by state and due date in the address, who the person is and how to reach
them only while the person's consent covers the partner, moves from the list that bring
the partner back where it was, and a constant number of queries for 1,000 referrals."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from coresponder.core.models import AuditEntry
from coresponder.people import actions as people
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import actions as privacy
from coresponder.privacy import events as privacy_events
from coresponder.privacy.models import ReadWindow
from coresponder.referrals import actions
from coresponder.referrals import events as referral_events
from coresponder.referrals.access import Principal, answer_within, partner_queue
from coresponder.referrals.loop import State
from coresponder.referrals.models import Referral

from .bulk_referrals import build_referrals
from .referral_fixtures import CONTACT, NEED

pytestmark = pytest.mark.django_db

PAGE = "/referrals/partner/"
NOW = datetime.fromisoformat("2026-11-20T15:00:00+00:00")
ROW = re.compile(
    r'<li class="card pq-row[^"]*" data-testid="partner-referral" '
    r'data-referral="(?P<id>[^"]+)" data-state="(?P<state>[^"]*)" data-due="(?P<due>[^"]*)"'
)
WAITING = {"sent", "received", "accepted"}


def rows(response) -> list[dict]:
    assert response.status_code == 200
    return [m.groupdict() for m in ROW.finditer(response.content.decode())]


@pytest.fixture
def busy(scene, harbor):
    """60 referrals to Harbor over the last 120 days, in every state (`MIX`): 6 each of
    sent, received, accepted, scheduled, declined, no-show and withdrawn, 18 attended."""
    with freeze_time(NOW):
        return build_referrals(
            service=harbor.service,
            agency=harbor.agency,
            sender=scene.clinician,
            count=60,
            now=NOW,
        )


def due_of(referral: Referral) -> datetime | None:
    """When the partner's next step is due, worked out here from the rule in words."""
    if referral.state in ("sent", "received"):
        return referral.sent_at + answer_within()
    if referral.state == "accepted":
        return referral.moved_at + answer_within()
    if referral.state == "scheduled":
        return referral.appointment_at
    return None


@freeze_time(NOW)
def test_the_queue_lists_what_waits_first_25_a_page(client, sign_in, harbor, busy):
    # given 60 referrals, 18 of them waiting on Harbor
    sign_in(harbor.user)

    # when Harbor opens its queue, then its third page
    first = client.get(PAGE)
    third = client.get(PAGE, {"page": 3})

    # then the first page holds 25: the 18 waiting, the most overdue first, then the 6
    # booked, then a no-show
    listed = rows(first)
    assert len(listed) == 25
    assert [row["state"] for row in listed] == (
        [row["state"] for row in listed[:18]] + ["scheduled"] * 6 + ["no_show"]
    )
    assert {row["state"] for row in listed[:18]} == WAITING
    waiting = sorted(
        (r for r in busy if r.state in WAITING), key=lambda r: (due_of(r), -r.sent_at.timestamp())
    )
    assert [row["id"] for row in listed[:18]] == [str(r.pk) for r in waiting]
    assert "1–25 of 60" in first.content.decode()
    # and the third page the last 10, the closed ones newest first
    last = rows(third)
    assert len(last) == 10
    closed = sorted(
        (r for r in busy if r.state in ("attended", "declined", "withdrawn")),
        key=lambda r: r.sent_at,
        reverse=True,
    )
    assert [row["id"] for row in last] == [str(r.pk) for r in closed[-10:]]
    assert "51–60 of 60" in third.content.decode()


@freeze_time(NOW)
def test_the_queue_filters_by_state_and_due_date_in_the_address(client, sign_in, harbor, busy):
    sign_in(harbor.user)

    # by state
    accepted = rows(client.get(PAGE, {"state": "accepted"}))
    assert sorted(row["id"] for row in accepted) == sorted(
        str(r.pk) for r in busy if r.state == "accepted"
    )
    closed = client.get(PAGE, {"state": "closed"})
    assert len(rows(closed)) == 25
    text = closed.content.decode()
    assert "1–25 of 30" in text
    assert 'href="/referrals/partner/?state=closed&amp;page=2" rel="next"' in text
    assert len(rows(client.get(PAGE, {"state": "closed", "page": 2}))) == 5

    # by due date: overdue, and by the end of today (overdue ones included)
    overdue = rows(client.get(PAGE, {"due": "overdue"}))
    expected = {str(r.pk) for r in busy if due_of(r) is not None and due_of(r) < NOW}
    assert expected
    assert {row["id"] for row in overdue} == expected
    today = rows(client.get(PAGE, {"due": "today", "state": "scheduled"}))
    end_of_today = datetime.fromisoformat("2026-11-20T23:59:59.999999-07:00")  # Denver
    assert {row["id"] for row in today} == {
        str(r.pk) for r in busy if r.state == "scheduled" and r.appointment_at <= end_of_today
    }

    # the tabs keep the due filter; the filter form shows what is chosen
    text = client.get(PAGE, {"due": "overdue"}).content.decode()
    assert 'href="/referrals/partner/?state=waiting&amp;due=overdue"' in text
    assert '<option value="overdue" selected>' in text

    # a filter the queue does not offer is said so, and everything is shown
    response = client.get(PAGE, {"state": "lost"})
    assert "That filter is not one the queue offers: showing all." in response.content.decode()
    assert len(rows(response)) == 25


@freeze_time(NOW)
def test_the_counts_on_the_partner_s_home_link_to_the_queue(client, sign_in, harbor, busy):
    # given 60 referrals to Harbor
    sign_in(harbor.user)
    overdue = sum(1 for r in busy if due_of(r) is not None and due_of(r) < NOW)

    # when Harbor opens its home page
    text = client.get("/").content.decode()

    # then it counts what waits, each count leading to the queue filtered so
    assert "18 referrals waiting for you" in text
    assert re.search(
        r'href="/referrals/partner/\?state=sent"[^>]*>\s*<span class="stat__value[^"]*">6</span>',
        text,
    )
    assert re.search(
        rf'href="/referrals/partner/\?due=overdue"[^>]*>\s*<span class="stat__value[^"]*">'
        rf"{overdue}</span>",
        text,
    )


def refer(scene, partner) -> tuple[Referral, object]:
    consent = share_care_coordination(
        scene.person, with_agency=partner.agency, recorded_by=scene.clinician
    )
    referral = actions.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )
    return referral, consent


def card(response, referral) -> str:
    text = response.content.decode()
    start = text.index(f'data-referral="{referral.pk}"')
    return text[start : text.index("</li>", start)]


IDENTIFYING = ("Demo Scene", "Scene", "1984", "555-0199", "scene@example.org", NEED, "555-0142")


def test_the_partner_sees_who_the_person_is_while_their_consent_covers_it(
    client, sign_in, scene, harbor, elsewhere
):
    # given a person with a date of birth, a phone and an e-mail, referred to Harbor with
    # their consent
    people.update_person(
        scene.person,
        changes={
            "date_of_birth": date(1984, 3, 9),
            "phone": "555-0199",
            "email": "scene@example.org",
        },
        acting_user=scene.clinician,
    )
    referral, consent = refer(scene, harbor)
    sign_in(harbor.user)

    # when Harbor opens its queue
    shown = card(client.get(PAGE), referral)

    # then the card names the person, their birth date, need and ways to reach them
    assert '<h3 class="pq-who" data-testid="person">Demo Scene</h3>' in shown
    assert "9 Mar 1984" in shown
    assert NEED in shown
    assert "Mobile 555-0142, mornings; prefers text" in shown
    assert 'href="tel:555-0199"' in shown
    assert 'href="mailto:scene@example.org"' in shown

    # when the person withdraws that consent and gives one covering another partner only
    privacy.revoke_consent(consent, acting_user=scene.clinician)
    share_care_coordination(scene.person, with_agency=elsewhere.agency, recorded_by=scene.clinician)
    before = AuditEntry.objects.filter(action=privacy_events.PERSON_READ).count()
    response = client.get(PAGE)

    # then the card says a referral was sent and its access ended, and nothing of who
    # the person is, what they need or how to reach them is anywhere on the page
    shown = card(response, referral)
    assert '<h3 class="pq-who" data-testid="person">Person not shown</h3>' in shown
    assert 'data-testid="access-ended"' in shown
    text = response.content.decode()
    assert [secret for secret in IDENTIFYING if secret in text] == []
    # and no read of the person was written
    assert AuditEntry.objects.filter(action=privacy_events.PERSON_READ).count() == before


def test_a_move_from_the_list_comes_back_to_the_same_filters_and_page(
    client, sign_in, scene, harbor
):
    # given a referral waiting on Harbor
    referral, _consent = refer(scene, harbor)
    sign_in(harbor.user)
    page = client.get(PAGE, {"state": "waiting", "due": "week"}).content.decode()
    # the list's forms carry where the partner was
    assert '<input type="hidden" name="back_state" value="waiting">' in page
    assert '<input type="hidden" name="back_due" value="week">' in page

    # when Harbor accepts it from the list
    response = client.post(
        f"{PAGE}{referral.pk}/move/",
        {"to": "accepted", "back_state": "waiting", "back_due": "week", "back_page": "2"},
    )

    # then it is accepted (one audited move) and the queue comes back as it was left
    assert response.status_code == 302
    assert response["Location"] == "/referrals/partner/?state=waiting&due=week&page=2"
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED
    assert AuditEntry.objects.filter(action=referral_events.REFERRAL_MOVED).count() == 1

    # and where it came from is only ever a filter of the queue
    response = client.post(
        f"{PAGE}{referral.pk}/move/",
        {"to": "declined", "back_state": "https://elsewhere.example/", "reason": ""},
    )
    assert response["Location"] == "/referrals/partner/"
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED


# GET /referrals/partner/, each query (the same for 3 referrals or 1,000):
#   1-2   the session, the signed-in user with agency and program
#   3     the user's roles (the view's `require_role`)
#   4     the counts by state and overdue (one aggregate)
#   5     how many referrals match the filters
#   6     the page's 25 referrals, with service, organisation, sender and person
#   7-8   their moves, their persons' names
#   9     the program's referral settings (the partner's access after attendance)
#   10-13 the reader's circumstances towards the page's persons (the policy's): relations,
#         the consents' recipient agencies, the consents, break-the-glass grants
#   14-21 the read gate's audit of the rows shown: savepoint, the program's read window,
#         the reader's open windows, the chain head (locked), one insert of the entries,
#         the head moved on, one insert of their windows, release
#   22-23 the services linked to the agency, with their capacities (the template)
PAGE_QUERIES = 23


def count_page(client, **query) -> CaptureQueriesContext:
    ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
    with CaptureQueriesContext(connection) as captured:
        listed = rows(client.get(PAGE, query))
    assert len(listed) == 3 or len(listed) == 25
    return captured


@pytest.mark.slow  # 1,000 referrals built in bulk: a few seconds
def test_the_queue_reads_as_many_queries_for_1000_referrals_as_for_3(
    client, sign_in, scene, harbor
):
    # given a partner with 3 referrals
    with freeze_time(NOW):
        build_referrals(
            service=harbor.service, agency=harbor.agency, sender=scene.clinician, count=3, now=NOW
        )
    sign_in(harbor.user)
    client.get(PAGE)  # the session's first request does more than the page
    with freeze_time(NOW):
        few = count_page(client)
        # when 997 more come
        build_referrals(
            service=harbor.service,
            agency=harbor.agency,
            sender=scene.clinician,
            count=997,
            now=NOW,
            seed=19,
        )
        many = count_page(client)
        filtered = count_page(client, state="waiting", due="week", page=2)

    # then the page reads the same queries, and audits only the 25 rows it shows
    assert len(few) == PAGE_QUERIES, sql_of(few)
    assert len(many) == PAGE_QUERIES, sql_of(many)
    assert len(filtered) == PAGE_QUERIES, sql_of(filtered)
    assert Referral.objects.filter(agency=harbor.agency).count() == 1000


def sql_of(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"][:160] for query in captured.captured_queries]


@freeze_time(NOW)
def test_the_queue_audits_only_the_rows_it_shows(harbor, busy):
    # given 60 referrals to Harbor; no read yet
    read = AuditEntry.objects.filter(action=privacy_events.PERSON_READ)
    assert read.count() == 0

    # when its first page is read
    queue = partner_queue(Principal(user=harbor.user), channel="test")

    # then 25 rows are shown, each one's person read once, and the counts cover all 60
    assert len(queue.rows) == 25
    assert sorted(read.values_list("object_id", flat=True)) == sorted(
        str(row.view.person_id) for row in queue.rows
    )
    assert queue.counts.total == 60
    assert (queue.counts.waiting, queue.counts.booked, queue.counts.closed) == (18, 6, 30)
    assert [row.name for row in queue.rows] == [
        f"Queue Person {busy.index(next(r for r in busy if r.pk == row.view.id)):04d}"
        for row in queue.rows
    ]

    # when its second page is read: 5 no-shows, then the closed, newest first
    second = partner_queue(Principal(user=harbor.user), channel="test", page=2)

    # then the rows whose access has ended show no one and read no one
    ended = [row for row in second.rows if row.view.access_ended]
    still = [row for row in second.rows if not row.view.access_ended]
    assert ended
    assert still
    assert {row.name for row in ended} == {None}
    assert read.count() == 25 + len(still)
