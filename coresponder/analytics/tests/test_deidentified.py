"""The de-identified extract: planted identifiers never leave, rows and counts are right,
pseudonyms hold within one extract and not across two, and a refused or failed extract
leaves nothing behind.

The people, calls, encounters, referrals and cases are made through the real actions,
with synthetic identifiers planted in every free-text field the records have.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from coresponder.analytics import deidentified
from coresponder.analytics.deidentified import (
    COLUMNS,
    DROPPED,
    RESTRICTED_ZIP3,
    ExtractRefused,
    write_extract,
    zip3_kept,
)
from coresponder.analytics.models import CallFact
from coresponder.calls import actions as calls
from coresponder.cases import actions as cases
from coresponder.cases.models import Case
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions as encounters
from coresponder.encounters.models import Encounter
from coresponder.encounters.sections import SECTIONS
from coresponder.encounters.tests.fixtures import part2_consent
from coresponder.people import actions as people
from coresponder.people.models import PersonAddress
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal

pytestmark = pytest.mark.django_db

RECEIVED_DAYS_AGO = 10


@dataclass
class Planted:
    """One synthetic person's identifiers, planted wherever the records take words."""

    given: str
    family: str
    middle: str
    phone: str
    email: str
    street: str
    postal_code: str
    licence: str
    mrn: str
    born: date
    caller: str
    caller_phone: str

    def text(self) -> str:
        """A sentence carrying every identifier, for the free-text fields."""
        return (
            f"{self.given} {self.middle} {self.family} (born {self.born.isoformat()}, "
            f"{self.born:%m/%d/%Y}) of {self.street} {self.postal_code}, phone {self.phone}, "
            f"e-mail {self.email}, licence {self.licence}, MRN {self.mrn}; "
            f"caller {self.caller} {self.caller_phone}"
        )

    def line(self) -> str:
        return f"{self.given} {self.family} {self.phone} {self.licence}"

    def strings(self) -> list[str]:
        return [
            self.given,
            self.family,
            self.middle,
            self.phone,
            re.sub(r"\D", "", self.phone),
            self.email,
            self.street,
            self.postal_code,
            self.licence,
            self.mrn,
            self.born.isoformat(),
            f"{self.born:%m/%d/%Y}",
            f"{self.born:%Y%m%d}",
            self.caller,
            self.caller_phone,
        ]


ALPHA = Planted(
    given="Plantedalpha",
    family="Identifierbravo",
    middle="Charliemiddle",
    phone="303-555-0147",
    email="plantedalpha.bravo@example.net",
    street="4471 Tracer Street",
    postal_code="82301",  # 823: one of the restricted three-digit areas
    licence="DL-4471-0147",
    mrn="MRN-DELTA-7731",
    born=date(1931, 3, 17),  # over 89: the 90+ band
    caller="Foxtrotcaller Golfplanted",
    caller_phone="303-555-0188",
)
HOTEL = Planted(
    given="Plantedhotel",
    family="Identifierindia",
    middle="Julietmiddle",
    phone="720-555-0163",
    email="plantedhotel.india@example.net",
    street="5582 Kilo Avenue",
    postal_code="80218",  # 802: kept
    licence="DL-5582-0163",
    mrn="MRN-LIMA-9904",
    born=date(1988, 11, 2),
    caller="Mikecaller Novemberplanted",
    caller_phone="720-555-0179",
)


@dataclass
class World:
    program: object
    persons: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    calls_outside: list = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None


def _register(planted: Planted, *, desk):
    person = people.register_person(
        people.PersonIn(
            names=[
                people.NameIn(given=planted.given, family=planted.family, middle=planted.middle),
                people.NameIn(given=planted.given + "x", family=planted.family, kind="alias"),
            ],
            date_of_birth=planted.born,
            sex="female",
            identifiers=[people.IdentifierIn("state_id", "Colorado DMV", planted.licence)],
        ),
        acting_user=desk,
    )
    # No action adds an address to a registered person, and a new person's address needs
    # a relation nobody has yet; the demo generator writes addresses the same way.
    PersonAddress.objects.create(
        person=person,
        kind="home",
        line1=planted.street,
        line2=planted.given,
        city="Tracerville",
        region="CO",
        postal_code=planted.postal_code,
    )
    return person


def _fill_person(person, planted: Planted, *, clinician, officer):
    people.update_person(
        person,
        changes={
            "phone": planted.phone,
            "email": planted.email,
            "follow_up_needs": planted.text(),
            "gender_identity": planted.given,
            "pronouns": planted.family[:40],
        },
        acting_user=clinician,
    )
    people.update_person(person, changes={"safety_concerns": planted.text()}, acting_user=officer)
    people.update_person(
        person,
        changes={"clinical_summary": planted.text(), "substance_use_treatment": planted.text()},
        acting_user=clinician,
    )
    people.add_identifier(
        person, people.IdentifierIn("ehr_mrn", "Regional EHR", planted.mrn), acting_user=clinician
    )
    people.add_note(person, data_class="clinical", body=planted.text(), acting_user=clinician)


def _crisis(
    planted: Planted | None,
    person,
    *,
    team,
    desk,
    received_at: datetime,
    disposition: str,
    partners=(),
    accept: bool = True,
):
    """A call about the person, the team on scene, every section written and signed, an
    addendum, the disposition, referrals and the follow-up case, words planted throughout."""
    words = planted.text() if planted else "No one identified"
    line = planted.line() if planted else "No one"
    call = calls.take_call(
        calls.CallIn(
            source="911",
            concerns=["suicidal"],
            address=planted.street if planted else "1 Unknown Way",
            latitude=39.76,
            longitude=-104.99,
            caller_name=planted.caller if planted else "",
            caller_phone=planted.caller_phone if planted else "",
            caller_relation="family",
            person_id=person.pk if person else None,
            summary=words,
            received_at=received_at,
        ),
        acting_user=desk,
    )
    calls.add_note(call, text=words, acting_user=desk)
    dispatch.dispatch_team(call, team, acting_user=desk)
    dispatch.move_status(team, "on_scene", acting_user=team.officer)
    team.refresh_from_db()
    call.refresh_from_db()
    encounter = encounters.start_encounter(call, acting_user=team.clinician)
    writers = {"officer": team.officer, "clinician": team.clinician}
    if person is not None:
        part2_consent(SimpleNamespace(person=person, clinician=team.clinician))
    for kind, spec in SECTIONS.items():
        writer = writers.get(spec.writer)
        if writer is None or (kind == "substance_use" and person is None):
            continue
        content = {
            f.name: (words if f.type == "text" else line[:300])
            for f in spec.fields
            if f.type in ("text", "line")
        }
        if kind == "safety":
            content["force"] = "hands" if disposition == "arrest" else "none"
        encounters.save_section(encounter, kind, content=content, acting_user=writer)
        encounters.sign_section(encounter, kind, acting_user=writer)
        encounters.add_addendum(encounter, kind, text=words, acting_user=writer)
    sent = []
    for partner in partners:
        if person is not None:
            share_care_coordination(person, with_agency=partner.agency, recorded_by=team.clinician)
        sent.append(
            referrals.send_referral(
                encounter,
                service=partner.service,
                need=words,
                contact=line,
                acting_user=team.clinician,
            )
        )
    destination = "" if disposition == "resolved_on_scene" else line[:200]
    fields = {"destination": destination} if destination else {}
    if disposition == "emergency_hold":
        fields = {
            "legal_basis": "C.R.S. 27-65",
            "hold_criteria": list(encounters.hold_criteria_of(call.program))[:1],
            "destination": line[:200],
        }
    encounters.set_disposition(
        encounter,
        encounters.DispositionIn(
            disposition,
            interventions=["de_escalation"],
            interventions_note=words[:300],
            **fields,
        ),
        acting_user=team.clinician,
    )
    encounters.complete_encounter(encounter, acting_user=team.clinician)
    for number, referral in enumerate(sent):
        principal = Principal(user=partners[number].user)
        referrals.move_referral(referral, to="received", principal=principal, note=words)
        if accept and number == 0:
            referrals.move_referral(referral, to="accepted", principal=principal, note=words)
        else:
            referrals.move_referral(referral, to="declined", principal=principal, reason=words)
    case = Case.objects.filter(encounter=encounter).first()
    if case is not None:
        cases.log_contact(
            case, cases.ContactIn("phone", "no_answer", note=words), acting_user=team.clinician
        )
        cases.add_task(
            case,
            cases.TaskIn(title=line, due_at=timezone.now() + timedelta(days=2)),
            acting_user=team.clinician,
        )
        cases.set_goal(case, text=words, progress_note=words, acting_user=team.clinician)
    dispatch.move_status(team, "available", acting_user=team.officer)
    team.refresh_from_db()
    call.refresh_from_db()
    return call


@pytest.fixture
def world(program, agencies, desk, make_team, make_partner) -> World:
    team = make_team()
    harbor = make_partner("harbor", "Harbor House")
    elm = make_partner("elm", "Elm Street Services")
    now = timezone.now().replace(microsecond=0)
    received = now - timedelta(days=RECEIVED_DAYS_AGO, hours=3, minutes=17, seconds=29)
    found = World(program)
    alpha = _register(ALPHA, desk=desk)
    hotel = _register(HOTEL, desk=desk)
    found.persons = {"alpha": alpha, "hotel": hotel}
    plan = [
        (ALPHA, alpha, "referred_voluntary", (harbor, elm), 0),
        (HOTEL, hotel, "arrest", (), 1),
        (ALPHA, alpha, "emergency_hold", (harbor,), 2),
        (None, None, "resolved_on_scene", (), 3),
    ]
    for planted, person, disposition, partners, hours in plan:
        call = _crisis(
            planted,
            person,
            team=team,
            desk=desk,
            received_at=received + timedelta(hours=hours),
            disposition=disposition,
            partners=partners,
        )
        found.calls.append(call)
        if person is not None and hours < 2:
            _fill_person(person, planted, clinician=team.clinician, officer=team.officer)
    # A call about ALPHA outside the period: not in the extract.
    found.calls_outside = [
        _crisis(
            ALPHA,
            alpha,
            team=team,
            desk=desk,
            received_at=now - timedelta(days=80),
            disposition="resolved_on_scene",
        )
    ]
    found.start = timezone.localdate(received) - timedelta(days=20)
    found.end = timezone.localdate(now)
    found.forbidden = _forbidden(found)
    return found


def _forbidden(found: World) -> list[str]:
    strings = ALPHA.strings() + HOTEL.strings()
    for person in found.persons.values():
        strings += [str(person.pk), person.pk.hex]
    for call in [*found.calls, *found.calls_outside]:
        strings += [str(call.pk), call.pk.hex]
        encounter = Encounter.objects.filter(call=call).first()
        if encounter is not None:
            strings += [str(encounter.pk), encounter.pk.hex]
        for moment in (call.received_at, timezone.localtime(call.received_at)):
            strings += [
                moment.isoformat(),
                moment.date().isoformat(),
                moment.strftime("%Y-%m-%dT%H:%M"),
                moment.strftime("%Y-%m-%d %H:%M"),
                moment.strftime("%m/%d/%Y"),
                str(int(moment.timestamp())),
            ]
    return sorted({s for s in strings if s})


def _read_everything(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _csv_rows(folder) -> list[dict]:
    with (folder / "calls.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_no_planted_identifier_leaves_in_any_byte_of_any_file(world, tmp_path):
    # given calls about two people whose identifiers are planted in every free-text field
    program = world.program
    target = tmp_path / "extract"
    # sanity: the words really are in the operational records
    assert ALPHA.given in world.calls[0].summary
    assert ALPHA.street == world.calls[0].address

    # when the extract of the period is written
    made = write_extract(target, program=program, start=world.start, end=world.end)

    # then every byte of every file is free of every planted string
    files = _read_everything(target)
    assert sorted(files) == [
        "README.txt",
        "calls.csv",
        "calls.parquet",
        "data_dictionary.csv",
        "manifest.json",
    ]
    leaks = [
        (name, planted)
        for name, content in files.items()
        for planted in world.forbidden
        if planted.encode() in content or planted.lower().encode() in content.lower()
    ]
    assert leaks == []
    # and the parquet decompressed says the same
    table = pq.read_table(target / "calls.parquet")
    as_text = json.dumps(table.to_pylist())
    assert [p for p in world.forbidden if p in as_text] == []
    # and no period start/end dates or call dates, only the year and week
    assert made.rows == 4


def test_rows_and_counts_match_the_operational_records(world, tmp_path):
    # given the world's four calls in the period and one before it
    target = tmp_path / "extract"
    # when
    made = write_extract(target, program=world.program, start=world.start, end=world.end)
    # then one row per call of the period, with the dispositions preserved
    rows = _csv_rows(target)
    parquet = pq.read_table(target / "calls.parquet").to_pylist()
    assert made.rows == len(rows) == len(parquet) == 4
    assert [r["row"] for r in rows] == ["1", "2", "3", "4"]
    expected = Counter(
        Encounter.objects.filter(call__in=world.calls).values_list("disposition", flat=True)
    )
    assert Counter(r["disposition"] for r in rows) == expected
    assert Counter(r["disposition"] for r in parquet) == expected
    assert expected == Counter(
        {"referred_voluntary": 1, "arrest": 1, "emergency_hold": 1, "resolved_on_scene": 1}
    )
    by_disposition = {r["disposition"]: r for r in parquet}
    assert by_disposition["arrest"]["any_force"] == 1
    assert by_disposition["referred_voluntary"]["referrals_sent"] == 2
    assert by_disposition["referred_voluntary"]["referrals_accepted"] == 1
    assert by_disposition["referred_voluntary"]["age_band"] == "90+"
    assert by_disposition["referred_voluntary"]["zip3"] == "000"  # 823 is restricted
    assert by_disposition["arrest"]["zip3"] == "802"
    assert by_disposition["resolved_on_scene"]["person"] is None
    assert by_disposition["resolved_on_scene"]["zip3"] == ""
    # the columns are exactly the data dictionary's, and no fact column is unaccounted for
    assert list(rows[0]) == [c.name for c in COLUMNS]
    assert table_columns(target) == [c.name for c in COLUMNS]
    fact_columns = {f.column for f in CallFact._meta.concrete_fields}
    assert fact_columns == (set(DROPPED) | {c.name for c in COLUMNS}) - {
        "row",
        "person",
        "week_of_year",
    }
    # the year and ISO week are those of the call, in the program's time zone
    local = timezone.localtime(world.calls[0].received_at).date()
    iso_year, iso_week, _ = local.isocalendar()
    first = next(r for r in parquet if r["disposition"] == "referred_voluntary")
    assert (first["year"], first["week_of_year"]) == (iso_year, iso_week)
    # every text column holds only codes: short, no spaces, nothing like a sentence
    text_columns = [c.name for c in COLUMNS if c.type == "string" or str(c.type) == "string"]
    codes = {"outcome_covers": r"\*|(,[a-z_]+)+,|"}  # the dispositions a source could say
    for row in parquet:
        for name in text_columns:
            pattern = codes.get(name, r"[a-z0-9_+\-]{0,32}")
            assert row[name] is None or re.fullmatch(pattern, row[name]), (name, row)
    # the manifest
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["rows"] == 4
    assert manifest["people"] == 2
    assert manifest["period"] == {
        "from": world.start.isoformat(),
        "to": world.end.isoformat(),
        "to_included": True,
    }
    assert manifest["program"] == {"id": world.program.pk, "name": world.program.name}
    assert "164.514(b)(2)" in manifest["safe_harbor"]
    assert sorted(manifest["sha256"]) == [
        "README.txt",
        "calls.csv",
        "calls.parquet",
        "data_dictionary.csv",
    ]
    for name, digest in manifest["sha256"].items():
        assert deidentified.sha256_of(target / name) == digest
    # the dictionary describes every column
    with (target / "data_dictionary.csv").open(newline="", encoding="utf-8") as handle:
        dictionary = list(csv.DictReader(handle))
    assert [d["name"] for d in dictionary] == [c.name for c in COLUMNS]
    assert all(d["type"] and d["meaning"] and d["safe_harbor_treatment"] for d in dictionary)


def table_columns(folder) -> list[str]:
    return pq.read_schema(folder / "calls.parquet").names


def test_the_pseudonym_holds_within_an_extract_and_differs_across_two(world, tmp_path):
    # when two extracts of the same period are written
    write_extract(tmp_path / "one", program=world.program, start=world.start, end=world.end)
    write_extract(tmp_path / "two", program=world.program, start=world.start, end=world.end)
    one = pq.read_table(tmp_path / "one" / "calls.parquet").to_pylist()
    two = pq.read_table(tmp_path / "two" / "calls.parquet").to_pylist()

    # then within one extract ALPHA's two calls share a pseudonym, HOTEL has another
    def people_of(rows):
        by = {r["disposition"]: r["person"] for r in rows}
        return by["referred_voluntary"], by["emergency_hold"], by["arrest"]

    alpha_first, alpha_again, hotel = people_of(one)
    assert alpha_first == alpha_again
    assert hotel != alpha_first
    assert re.fullmatch(r"p[0-9a-f]{12}", alpha_first)
    # and the second extract drew new ones
    alpha_two, alpha_two_again, hotel_two = people_of(two)
    assert alpha_two == alpha_two_again
    assert {alpha_two, hotel_two}.isdisjoint({alpha_first, hotel})


def test_dates_kept_to_the_year_drop_the_week(world, tmp_path):
    made = write_extract(
        tmp_path / "x", program=world.program, start=world.start, end=world.end, dates="year"
    )
    rows = pq.read_table(tmp_path / "x" / "calls.parquet").to_pylist()
    assert "week_of_year" not in rows[0]
    years = {timezone.localtime(c.received_at).year for c in world.calls}
    assert {r["year"] for r in rows} == years
    assert "week" not in made.manifest["safe_harbor"].lower()


@pytest.mark.parametrize(
    ("zip3", "kept"),
    [(z, "000") for z in sorted(RESTRICTED_ZIP3)] + [("802", "802"), ("", ""), ("100", "100")],
)
def test_small_three_digit_zip_areas_become_000(zip3, kept):
    assert zip3_kept(zip3) == kept


def test_the_restricted_list_is_the_hhs_one():
    # Seventeen three-digit areas in HHS's 2012 guidance; a few by name, as a guard.
    assert len(RESTRICTED_ZIP3) == 17
    assert {"036", "102", "203", "556", "893"} <= RESTRICTED_ZIP3


# The command ------------------------------------------------------------------------


def test_the_command_writes_the_extract_and_logs_it(world, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "export",
        "deidentified",
        str(tmp_path / "out"),
        "--from",
        world.start.isoformat(),
        "--to",
        world.end.isoformat(),
        "--program",
        world.program.slug,
        stdout=out,
        stderr=err,
    )
    assert "rows: 4" in out.getvalue()
    assert "extract: 4 rows written" in err.getvalue()
    assert len(_csv_rows(tmp_path / "out")) == 4
    [entry] = AuditEntry.objects.filter(action="analytics.deidentified_extract_made")
    assert entry.object_id == str(world.program.pk)
    assert entry.detail["rows"] == 4
    assert entry.detail["via"] == "command"


def test_the_command_writes_csv_only_when_asked(world, tmp_path):
    call_command(
        "export",
        "deidentified",
        str(tmp_path / "out"),
        "--from",
        world.start.isoformat(),
        "--to",
        world.end.isoformat(),
        "--format",
        "csv",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["README.txt", "calls.csv", "data_dictionary.csv", "manifest.json"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-02-30", "--to", "2026-03-01"], "--from: '2026-02-30' is not a date"),
        (["--from", "2026-03-01", "--to", "March"], "--to: 'March' is not a date"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "--to (2026-03-01) is before --from"),
        (
            ["--from", "2026-03-01", "--to", "2026-03-31", "--format", "xlsx"],
            "--format: 'xlsx'",
        ),
    ],
)
def test_the_command_refuses_bad_periods_with_the_reason(program, tmp_path, arguments, message):
    target = tmp_path / "out"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export", "deidentified", str(target), *arguments, stdout=io.StringIO())
    assert not target.exists()
    assert not AuditEntry.objects.filter(action="analytics.deidentified_extract_made").exists()


def test_the_command_refuses_a_folder_that_is_not_empty(program, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="is not an empty folder"):
        call_command(
            "export",
            "deidentified",
            str(target),
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            stdout=io.StringIO(),
        )
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert not AuditEntry.objects.filter(action="analytics.deidentified_extract_made").exists()


def test_an_empty_folder_is_filled_and_an_empty_period_writes_headers_only(program, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    made = write_extract(target, program=program, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert made.rows == 0
    assert pq.read_table(target / "calls.parquet").num_rows == 0
    header = (target / "calls.csv").read_text().splitlines()
    assert header == [",".join(f'"{c.name}"' for c in COLUMNS)]


def test_a_failure_half_way_leaves_nothing_behind(world, tmp_path, monkeypatch):
    # given a writer that breaks after the parquet file has begun
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(deidentified, "_dictionary", broken)
    target = tmp_path / "out"
    # when
    with pytest.raises(OSError, match="disk full"):
        write_extract(target, program=world.program, start=world.start, end=world.end)
    # then neither the folder nor a scratch folder is left
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported_every_n_rows(world, tmp_path, monkeypatch):
    monkeypatch.setattr(deidentified, "CHUNK", 1)
    seen: list[int] = []
    write_extract(
        tmp_path / "out",
        program=world.program,
        start=world.start,
        end=world.end,
        progress=seen.append,
        progress_every=2,
    )
    assert seen == [2, 4]


def test_a_refused_period_raises_before_anything_is_written(program, tmp_path):
    with pytest.raises(ExtractRefused, match="ends"):
        write_extract(
            tmp_path / "out", program=program, start=date(2026, 2, 1), end=date(2026, 1, 1)
        )
    assert list(tmp_path.iterdir()) == []
