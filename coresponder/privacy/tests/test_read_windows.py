"""Audit flooding (issue 16, item 6): a reader's repeated reads of one record are one
chained entry per reader, record and window (a program setting, 15 minutes by default),
with the count beside the chain; a read showing more than the window's entry writes a
new one, so what was shown stays reconstructible from the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from coresponder.accounts.models import Role
from coresponder.calls import events as call_events
from coresponder.core.audit import verify_chain
from coresponder.core.models import AuditEntry
from coresponder.people.access import open_person
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import events as privacy_events
from coresponder.privacy.classification import DataClass
from coresponder.privacy.disclosures import disclosures_of
from coresponder.privacy.models import AuditSettings, ReadWindow
from coresponder.referrals import actions as referral_actions

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def call_reads(call) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(action=call_events.CALL_VIEWED, detail__call=str(call.pk))
    )


def window_of(entry: AuditEntry) -> ReadWindow:
    return ReadWindow.objects.get(entry_seq=entry.seq)


def test_a_hundred_polls_of_a_call_page_in_a_window_are_one_entry_with_their_count(
    take_call, person, desk, client, sign_in
):
    # given a call about a person, open on the desk's screen
    with freeze_time(T0) as clock:
        call = take_call(person_id=person.pk)
        sign_in(desk)
        # when the page polls its live part every second, a hundred times
        for _ in range(100):
            assert client.get(f"/calls/{call.pk}/live/").status_code == 200
            clock.tick(timedelta(seconds=1))
    # then the log holds one entry for them, and its window counts all hundred
    [entry] = call_reads(call)
    assert (entry.object_type, entry.object_id) == ("person", str(person.pk))
    assert entry.fields == ["call:operational", "call:public_safety"]
    window = window_of(entry)
    assert (window.count, window.fields) == (100, ["call:operational", "call:public_safety"])
    assert window.closes_at == T0 + timedelta(minutes=15)
    assert verify_chain().ok


def test_after_the_window_a_read_writes_a_new_entry(take_call, person, desk, client, sign_in):
    # given a read of a call
    with freeze_time(T0) as clock:
        call = take_call(person_id=person.pk)
        sign_in(desk)
        client.get(f"/calls/{call.pk}/live/")
        # when the desk reads it again 14 minutes later, and again 15 minutes after the first
        clock.tick(timedelta(minutes=14))
        client.get(f"/calls/{call.pk}/live/")
        clock.tick(timedelta(minutes=1))
        client.get(f"/calls/{call.pk}/live/")
    # then the first window counts two reads and the second, a new entry, one
    first, second = call_reads(call)
    assert (window_of(first).count, window_of(second).count) == (2, 1)
    assert second.occurred_at == T0 + timedelta(minutes=15)


def test_another_reader_has_an_entry_of_their_own(take_call, person, desk, make_user, client):
    # given a call about a person and two readers at the desk
    other = make_user(Role.DISPATCHER)
    with freeze_time(T0):
        call = take_call(person_id=person.pk)
        # when each polls the call twice
        for reader in (desk, other, desk, other):
            client.force_login(reader)
            client.get(f"/calls/{call.pk}/live/")
    # then each has one entry, counting their two reads
    entries = call_reads(call)
    assert sorted(entry.actor_id for entry in entries) == sorted([desk.pk, other.pk])
    assert [window_of(entry).count for entry in entries] == [2, 2]


def test_a_read_showing_more_than_its_window_entry_writes_a_new_one(person, desk):
    # given a page that read only who the person is
    with freeze_time(T0) as clock:
        open_person(desk, person.pk, channel="test", classes={"operational"})
        clock.tick(timedelta(minutes=1))
        # when a page shows the desk more of the person, and then the first page again
        open_person(desk, person.pk, channel="test")
        clock.tick(timedelta(minutes=1))
        open_person(desk, person.pk, channel="test", classes={"operational"})
    # then the fuller read has its own entry naming what it showed, and the third read
    # (showing no more than it) is counted in its window
    entries = list(
        AuditEntry.objects.for_object("person", person.pk).filter(action=privacy_events.PERSON_READ)
    )
    assert [entry.fields for entry in entries] == [
        ["operational"],
        ["operational", "public_safety"],
    ]
    assert [window_of(entry).count for entry in entries] == [1, 2]


def test_the_window_is_the_programs_setting(take_call, person, desk, client, sign_in, program):
    # given a program whose window is two minutes
    AuditSettings.objects.create(program=program, read_window_minutes=2)
    with freeze_time(T0) as clock:
        call = take_call(person_id=person.pk)
        sign_in(desk)
        # when the desk reads a call now and three minutes later
        client.get(f"/calls/{call.pk}/live/")
        clock.tick(timedelta(minutes=3))
        client.get(f"/calls/{call.pk}/live/")
    # then each read has its entry
    entries = call_reads(call)
    assert [window_of(entry).count for entry in entries] == [1, 1]
    assert window_of(entries[0]).closes_at == T0 + timedelta(minutes=2)


def _inserts_into(table: str, queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith(f'INSERT INTO "{table}"'))


def test_the_partner_page_writes_its_reads_in_bulk_and_counts_them_when_reloaded(
    on_scene, harbor, client, sign_in
):
    # given five referrals to a partner, each with the person's consent
    for _ in range(5):
        scene = on_scene()
        share_care_coordination(
            scene.person, with_agency=harbor.agency, recorded_by=scene.clinician
        )
        referral_actions.send_referral(
            scene.encounter, service=harbor.service, need="A bed", acting_user=scene.clinician
        )
    sign_in(harbor.user)
    before = AuditEntry.objects.filter(action=privacy_events.PERSON_READ).count()
    # when the partner loads its page, and loads it again
    with CaptureQueriesContext(connection) as first:
        assert client.get("/referrals/partner/").status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get("/referrals/partner/").status_code == 200
    # then the first load wrote its five entries in one insert, the second none
    written = AuditEntry.objects.filter(action=privacy_events.PERSON_READ).order_by("seq")
    assert written.count() == before + 5
    assert _inserts_into("privacy_auditentry", first.captured_queries) == 1
    assert _inserts_into("privacy_auditentry", again.captured_queries) == 0
    assert sorted(window_of(entry).count for entry in written[before:]) == [2] * 5


def test_the_accounting_of_disclosures_lists_a_window_once_with_its_reads(on_scene, harbor):
    # given a partner the person's consent names, with a referral for them
    scene = on_scene()
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referral_actions.send_referral(
        scene.encounter, service=harbor.service, need="A bed", acting_user=scene.clinician
    )
    # when the partner opens the person's record three times in a window
    start = timezone.now() + timedelta(minutes=5)
    with freeze_time(start) as clock:
        for _ in range(3):
            open_person(harbor.user, scene.person.pk, channel="test")
            clock.tick(timedelta(minutes=2))
    # then the accounting lists one disclosure to the partner, read three times
    rows, withheld = disclosures_of(scene.person.pk, readable=set(DataClass.values))
    [row] = [row for row in rows if row.recipient == harbor.user.username]
    assert (row.classes, row.reads, withheld) == (["care_coordination", "operational"], 3, 0)
    assert row.last_read_at == start + timedelta(minutes=4)
