"""The call facts as the real actions leave them, kept up to date, and copied to the store."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest
from django.utils import timezone

from coresponder.analytics import facts, kpis
from coresponder.analytics.engines import OperationalEngine
from coresponder.analytics.models import CallFact
from coresponder.analytics.store import Store
from coresponder.cases import actions as cases
from coresponder.cases.models import Case
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions as encounters
from coresponder.encounters.models import Encounter
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal
from coresponder.referrals.models import Referral

from . import dataset

pytestmark = pytest.mark.django_db


def _partner(harbor):
    from coresponder.accounts.models import ApiToken

    return Principal(token=ApiToken.objects.get(agency=harbor.agency))


@pytest.fixture
def finished(on_scene, harbor):
    """A call seen through: on scene, force recorded, referred, attended, followed up."""
    scene = on_scene()
    dispatch.move_status(scene.team, "officer_cleared", acting_user=scene.officer)
    encounters.save_section(
        scene.encounter, "safety", content={"force": "hands"}, acting_user=scene.officer
    )
    encounters.sign_section(scene.encounter, "safety", acting_user=scene.officer)
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("referred_voluntary", destination="Harbor House"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referral = referrals.send_referral(
        scene.encounter,
        service=harbor.service,
        need="A bed tonight",
        contact="Through the clinic",
        acting_user=scene.clinician,
    )
    for state in ("received", "accepted", "attended"):
        referrals.move_referral(referral, to=state, principal=_partner(harbor))
        referral.refresh_from_db()
    case = Case.objects.get(encounter=scene.encounter)
    # The record was completed two hours before the first call back.
    Encounter.objects.filter(pk=scene.encounter.pk).update(
        completed_at=timezone.now() - timedelta(hours=2)
    )
    cases.log_contact(
        case,
        cases.ContactIn("phone", "reached"),
        acting_user=case.case_manager or scene.clinician,
    )
    return scene


def test_a_seen_through_call_makes_one_fact_with_every_part(finished, program):
    assert facts.bring_up_to_date(program) == 1
    fact = CallFact.objects.get()
    assert fact.call_id == finished.call.pk
    assert fact.person_key == str(finished.person.pk)
    assert (fact.has_encounter, fact.complete, fact.disposition) == (1, 1, "referred_voluntary")
    assert fact.any_force == 1
    assert (fact.referrals_sent, fact.referrals_accepted, fact.referrals_attended) == (1, 1, 1)
    assert fact.services == 1
    assert fact.needs_follow_up == 1
    assert 2 * 3600 - 60 <= fact.follow_up_seconds <= 2 * 3600 + 60
    assert fact.response_seconds is not None
    assert fact.on_scene_seconds is not None
    assert fact.agency_id == finished.team.agency_id
    assert (fact.source, fact.concern) == ("911", "suicidal")


def test_facts_are_rebuilt_only_for_what_changed(finished, program, take_call):
    facts.bring_up_to_date(program)
    assert facts.bring_up_to_date(program) == 0  # nothing changed since

    other = take_call(source="988")
    assert facts.bring_up_to_date(program) == 1
    assert CallFact.objects.get(call_id=other.pk).has_encounter == 0

    Referral.objects.filter(encounter=finished.encounter).update(
        state="withdrawn", updated_at=timezone.now()
    )
    assert facts.bring_up_to_date(program) == 1
    assert CallFact.objects.get(call_id=finished.call.pk).referrals_sent == 0


def test_a_draft_encounter_counts_as_incomplete_not_as_an_outcome(on_scene, program):
    scene = on_scene()
    facts.bring_up_to_date(program)
    fact = CallFact.objects.get(call_id=scene.call.pk)
    assert (fact.has_encounter, fact.complete, fact.disposition) == (1, 0, "")


def test_the_store_takes_only_what_changed_and_answers_as_the_database(
    finished, program, take_call, tmp_path
):
    facts.bring_up_to_date(program)
    store = Store(tmp_path / "store")
    try:
        first = store.refresh()
        assert first.rows == 1
        assert first.snapshot.exists()
        assert store.refresh().rows == 0  # nothing new

        take_call(source="988")
        facts.bring_up_to_date(program)
        facts.rebuild(program, [finished.call.pk])  # the old call's facts are rewritten too
        second = store.refresh()
        assert second.rows == 2
        (count,) = store.connection.execute("SELECT COUNT(*) FROM call_fact").fetchone()
        assert count == 2  # replaced, not duplicated

        today = timezone.localdate()
        period = kpis.Filters(program.pk, today - timedelta(days=1), today + timedelta(days=1))
        assert kpis.figures(store.engine(), period) == kpis.figures(OperationalEngine(), period)
    finally:
        store.close()


class FailingInsert:
    """A store connection whose insert fails, as a full disk would, after the delete ran."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, *args):
        if sql.startswith("INSERT INTO call_fact"):
            raise duckdb.IOException("No space left on device")
        return self.connection.execute(sql, *args)


def test_a_failed_swap_leaves_the_store_as_it_was_and_no_snapshot(tmp_path):
    store = Store(tmp_path / "store")
    try:
        store.refresh(rows=dataset.as_rows(dataset.facts()))
        real = store.connection
        store.connection = FailingInsert(real)
        with pytest.raises(duckdb.IOException):
            store.refresh(rows=dataset.as_rows(dataset.facts()[:3]))
        store.connection = real
        assert [path.name for path in store.snapshots.glob("*.parquet")] == ["000001.parquet"]
        assert real.execute("SELECT COUNT(*) FROM call_fact").fetchone() == (12,)
        assert real.execute("SELECT COUNT(*) FROM store_refresh").fetchone() == (1,)
    finally:
        store.close()


def test_a_store_made_before_the_facts_changed_shape_starts_again(tmp_path):
    # given a store whose facts table has no day_end and a week that may not be NULL
    folder = tmp_path / "store"
    (folder / "snapshots").mkdir(parents=True)
    (folder / "snapshots" / "000001.parquet").write_bytes(b"an old snapshot")
    old = duckdb.connect(str(folder / "facts.duckdb"))
    old.execute("CREATE TABLE call_fact (call_id VARCHAR NOT NULL, week INTEGER NOT NULL)")
    old.execute("INSERT INTO call_fact VALUES ('c', 1)")
    old.execute(
        "CREATE TABLE store_refresh (snapshot VARCHAR, rows BIGINT, up_to TIMESTAMPTZ,"
        " finished_at TIMESTAMPTZ)"
    )
    old.execute("INSERT INTO store_refresh VALUES ('000001.parquet', 1, now(), now())")
    old.close()

    # when it is opened to be refreshed
    store = Store(folder)
    try:
        # then it is empty, takes every fact on its next refresh, and answers
        assert store.up_to() is None
        store.refresh(rows=dataset.as_rows(dataset.facts()))
        assert store.connection.execute("SELECT COUNT(*) FROM call_fact").fetchone() == (12,)
        figures = kpis.figures(store.engine(), kpis.Filters(dataset.PROGRAM, *dataset.JANUARY))
        assert figures.counts.calls == 9
        assert [path.name for path in (folder / "snapshots").rglob("*.parquet")] == [
            "000001.parquet",
            "000001.parquet",
        ]
        assert (folder / "snapshots" / "superseded" / "000001.parquet").read_bytes() == (
            b"an old snapshot"
        )
    finally:
        store.close()


def test_a_documented_encounter_s_outcome_wins_over_one_a_cad_reported(
    finished, program, take_call
):
    # given the finished call's CAD also reports an arrest, and a call no team met whose
    # CAD reports a hold
    from coresponder.calls.actions import ReportedOutcome, record_reported_outcome
    from coresponder.core.audit import Actor

    cad = Actor.system("cad")
    record_reported_outcome(finished.call, ReportedOutcome("arrest"), actor=cad)
    held = take_call()
    record_reported_outcome(held, ReportedOutcome("emergency_hold", "ITA"), actor=cad)

    # when the facts are made
    facts.bring_up_to_date(program)

    # then the encounter is the outcome where there is one, the report where there is not
    by_call = {fact.call_id: fact for fact in CallFact.objects.all()}
    documented, reported = by_call[finished.call.pk], by_call[held.pk]
    assert (documented.outcome_source, documented.disposition) == (
        "encounter",
        "referred_voluntary",
    )
    assert (reported.outcome_source, reported.disposition, reported.complete) == (
        "imported",
        "emergency_hold",
        0,
    )


def test_age_bands_group_everyone_over_89():
    from datetime import date

    on = date(2026, 6, 1)
    assert facts.age_band(date(2008, 6, 2), on) == "0-17"
    assert facts.age_band(date(2008, 6, 1), on) == "18-24"
    assert facts.age_band(date(1936, 6, 2), on) == "65-89"
    assert facts.age_band(date(1936, 6, 1), on) == "90+"
    assert facts.age_band(None, on) == ""


def test_the_refresh_command_rebuilds_facts_and_fills_the_store(finished, program, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("analytics", "refresh", "--store", str(tmp_path / "store"), stdout=out)
    assert "1 calls rebuilt" in out.getvalue()
    assert "1 facts taken from 000001.parquet" in out.getvalue()
    out = StringIO()
    call_command("analytics", "refresh", "--store", str(tmp_path / "store"), stdout=out)
    assert "0 calls rebuilt" in out.getvalue()
    assert "0 facts taken" in out.getvalue()


def test_pages_read_the_store_when_the_program_keeps_one(finished, program, tmp_path, settings):
    from coresponder.analytics.access import engine_for

    assert engine_for(program).name in ("sqlite", "postgresql")  # and brought up to date
    settings.COR_ANALYTICS_STORE = str(tmp_path / "store")
    with pytest.raises(FileNotFoundError, match="analytics refresh"):
        engine_for(program)
    writer = Store(tmp_path / "store")
    writer.refresh()
    writer.close()
    engine = engine_for(program)
    assert engine.name == "duckdb"
    assert engine.rows("SELECT COUNT(*) FROM {facts}", {}) == [(1,)]


def test_a_new_call_gives_the_person_s_earlier_call_its_gap(finished, program, take_call):
    facts.bring_up_to_date(program)
    assert CallFact.objects.get(call_id=finished.call.pk).next_call_seconds is None
    again = take_call(person_id=finished.person.pk)
    assert facts.bring_up_to_date(program) == 2  # the new call, and the earlier one's gap
    earlier = CallFact.objects.get(call_id=finished.call.pk)
    expected = (again.received_at - finished.call.received_at).total_seconds()
    assert earlier.next_call_seconds == int(expected)
    assert CallFact.objects.get(call_id=again.pk).next_call_seconds is None


def test_each_rebuild_logs_the_system_s_read_of_the_people_once(finished, program):
    from coresponder.core.models import AuditEntry

    rebuilt = AuditEntry.objects.filter(action="analytics.facts_rebuilt")
    facts.bring_up_to_date(program)
    [entry] = rebuilt
    assert entry.object_id == str(program.pk)
    assert entry.detail == {"calls": 1, "people": 1}
    facts.bring_up_to_date(program)  # nothing changed: nothing read, nothing logged
    assert rebuilt.count() == 1
