"""HSDS 1.1 and 2.0 packages: recognised, converted to HSDS 3, imported, exported as HSDS 3.

The two small packages under hsds_packages/ are ours (synthetic organisations); the Open
Referral 1.1 sample is read in place from ../shared/data/hsds/ when it is there.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coresponder.core.models import AuditEntry
from coresponder.referrals import events, hsds, hsds_upgrade
from coresponder.referrals.actions import PackageRefused, export_hsds_package, import_hsds_package
from coresponder.referrals.models import MODELS, Location, Schedule, Service
from coresponder.testing.shared_data import shared_data

from .conftest import row_counts, snapshot

PACKAGES = Path(__file__).parent / "hsds_packages"
V1_1, V2_0 = PACKAGES / "v1_1", PACKAGES / "v2_0"
SHARED_1_1 = "hsds/hsds1.1-sample"
# The HSDS 1.1 or 2.0 names that must never appear in an export.
OLDER_FILES = hsds_upgrade.ONLY_1_1 | hsds_upgrade.ONLY_2_0 | hsds_upgrade.OLDER


@pytest.fixture
def copy_of(tmp_path):
    """A writable copy of one of our packages, to break on purpose."""

    def make(source: Path) -> Path:
        target = tmp_path / source.name
        shutil.copytree(source, target)
        return target

    return make


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_hsds_3(folder: Path) -> None:
    """The folder is an HSDS 3 tabular package: the spec's file names, and every column the
    HSDS 3 schema requires present and filled in (our 3.1 and x_ additions aside)."""
    names = {path.name for path in folder.glob("*.csv")}
    assert names == {table.file for table in hsds.TABLES}
    assert not names & OLDER_FILES
    schema = shared_data("hsds/hsds3-examples/hsds3_schema_simple.csv")
    required: dict[str, list[str]] = {}
    for field in csv_rows(schema):
        if field["constraints_required"] == "true" and field["type"] not in {"", "array"}:
            required.setdefault(field["table_name"], []).append(field["name"])
    for table in hsds.TABLES:
        for row in csv_rows(folder / table.file):
            missing = [name for name in required.get(table.name, []) if not row.get(name)]
            assert missing == [], (table.file, row["id"], missing)


# ---------------------------------------------------------------------------------------
# Which version: pure, no database


def test_the_version_is_told_by_the_tables_and_columns():
    assert hsds_upgrade.detect_version(sorted(V1_1.glob("*.csv"))) == "1.1"
    assert hsds_upgrade.detect_version(sorted(V2_0.glob("*.csv"))) == "2.0"
    # 1.1 and 2.0 share these tables; services.csv without taxonomy_ids cannot tell them apart
    shared = [V2_0 / name for name in ("organizations.csv", "services_at_location.csv")]
    assert hsds_upgrade.detect_version(shared) == "1.1 or 2.0"
    # the HSDS 3 names, or only the tables every version has, are HSDS 3
    assert hsds_upgrade.detect_version([Path("services.csv"), Path("addresses.csv")]) == "3"
    assert hsds_upgrade.detect_version([Path("organizations.csv")]) == "3"


def test_the_shared_sample_is_hsds_1_1():
    simple = shared_data(f"{SHARED_1_1}/simple")
    assert hsds_upgrade.detect_version(sorted(simple.glob("*.csv"))) == "1.1"


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (
            ["regular_schedules.csv", "service_attributes.csv"],
            "mixes HSDS versions: regular_schedules.csv (HSDS 1.1) beside "
            "service_attributes.csv (HSDS 2.0); a package is one version",
        ),
        (
            ["physical_addresses.csv", "addresses.csv"],
            "mixes HSDS versions: addresses.csv (HSDS 3) beside physical_addresses.csv "
            "(HSDS 1.1 or 2.0); a package is one version",
        ),
        (
            ["calls.csv", "units_on_shift.csv"],
            "holds none of the tables of HSDS 1.1, 2.0 or 3 (found calls.csv, "
            "units_on_shift.csv); it is not a package of a version we read",
        ),
    ],
)
def test_an_unknown_or_mixed_version_is_refused_with_its_reason(names, reason):
    with pytest.raises(hsds_upgrade.UnknownVersion) as refused:
        hsds_upgrade.detect_version([Path(name) for name in names])
    assert refused.value.reason == reason


def test_old_opening_times_lose_their_zone_to_an_offset():
    assert hsds_upgrade._old_time("9:00") == ("09:00", None)
    assert hsds_upgrade._old_time("09:00:30Z") == ("09:00:30", Decimal(0))
    assert hsds_upgrade._old_time("17:00-05:00") == ("17:00", Decimal(-5))
    assert hsds_upgrade._old_time("08:00+0530") == ("08:00", Decimal("5.5"))
    assert hsds_upgrade._old_time("9am") is None


# ---------------------------------------------------------------------------------------
# Importing


@pytest.mark.django_db
def test_an_hsds_1_1_package_is_converted_and_imported(program):
    # when
    report = import_hsds_package(V1_1, program=program)

    # then the report says which version, and what became of it
    assert (report.version, report.form) == ("1.1", "tabular")
    assert report.warnings == []
    conversion = report.conversion
    assert conversion.carried["regular_schedules.csv → schedules.csv"] == 3
    assert conversion.carried["physical_addresses.csv → addresses.csv"] == 1
    assert conversion.carried["postal_addresses.csv → addresses.csv"] == 1
    assert conversion.carried["phones.csv language → languages.csv"] == 2
    assert conversion.defaulted == {
        "taxonomy.csv: description set to the term's name": 2,
        "services.csv: status set to active (it was empty)": 1,
        "services.csv: link_type of taxonomy_ids set to classification": 1,
        "locations.csv: location_type set to physical (not in 1.1 or 2.0)": 2,
        "services_at_location.csv: id made (the row had none)": 1,
        "services_taxonomy.csv: link_type set to classification": 1,
    }
    assert conversion.dropped == {
        "contacts.csv (contacts name staff, who are people; not modelled), rows": 1,
        "payments_accepted.csv (no HSDS 3 table for ways of paying; cost options hold "
        "amounts), rows": 1,
        "taxonomy.csv: parent_name (the parent term carries its own name), values": 1,
        "services.csv: program_id (programs are not modelled), values": 1,
        "services.csv: wait_time (no HSDS 3 column), values": 1,
        "services.csv: licenses (no HSDS 3 column), values": 1,
        "phones.csv: department (deprecated, no HSDS 3 column), values": 1,
        "phones.csv: contact_id (contacts are not modelled), values": 1,
        "holiday_schedules.csv: closed days (HSDS 3 has no closures), rows": 1,
    }
    assert row_counts(program) == {
        "taxonomy": 0,
        "taxonomy_term": 2,
        "organization": 2,
        "location": 2,
        "unit": 0,
        "service": 3,
        "service_at_location": 3,
        "phone": 2,
        "schedule": 4,
        "service_area": 1,
        "language": 4,
        "accessibility": 1,
        "address": 2,
        "cost_option": 0,
        "required_document": 1,
        "attribute": 2,
        "service_capacity": 0,
    }
    # and the rows hold the older values in their HSDS 3 places
    stabilise = Service.objects.get(program=program, hsds_id="svc-stabilise")
    assert (stabilise.fees_description, stabilise.eligibility_description) == (
        "No charge",
        "adult; female",
    )
    assert stabilise.organization.website == "https://harbor.example.org"
    line = Service.objects.get(program=program, hsds_id="svc-line")
    assert line.status == "active"
    youth = Service.objects.get(program=program, hsds_id="svc-youth")
    assert youth.description == "Counselling for people aged 12 to 24,\nby appointment."
    assert youth.status == "temporarily closed"
    assert Location.objects.get(program=program, hsds_id="loc-harbor").location_type == "physical"
    schedules = {s.hsds_id: s for s in Schedule.objects.filter(program=program)}
    assert (schedules["rs-mon"].freq, schedules["rs-mon"].byday) == ("WEEKLY", "MO")
    assert schedules["rs-sun"].byday == "SU"
    assert (
        schedules["rs-line"].byday,
        schedules["rs-line"].opens_at,
        schedules["rs-line"].closes_at,
        schedules["rs-line"].timezone,
    ) == ("TU", time(9), time(17), Decimal(-8))
    holiday = schedules["hs-open"]
    assert (holiday.valid_from, holiday.valid_to, holiday.byday, holiday.opens_at) == (
        date(2026, 12, 31),
        date(2027, 1, 1),
        "MO,TU,WE,TH,FR,SA,SU",
        time(10),
    )
    addresses = {a.hsds_id: a for a in MODELS["address"].objects.filter(program=program)}
    assert (addresses["addr-harbor"].address_2, addresses["addr-harbor"].address_type) == (
        "Suite 2, Door B",
        "physical",
    )
    assert addresses["post-northfield"].address_type == "postal"
    languages = MODELS["language"].objects.filter(program=program)
    assert sorted((lang.code, lang.name) for lang in languages) == [
        ("", "Spanish"),
        ("en", ""),
        ("es", ""),
        ("vi", ""),
    ]
    assert {lang.phone.hsds_id for lang in languages if lang.phone} == {"ph-line"}
    attributes = MODELS["attribute"].objects.filter(program=program).order_by("link_id")
    assert [(a.link_id, a.link_entity, a.taxonomy_term.hsds_id) for a in attributes] == [
        ("svc-stabilise", "service", "term-crisis"),
        ("svc-youth", "service", "term-mental-health"),
    ]
    term = MODELS["taxonomy_term"].objects.get(program=program, hsds_id="term-crisis")
    assert (term.parent.hsds_id, term.taxonomy, term.description) == (
        "term-mental-health",
        "Demo vocabulary",
        "Crisis intervention",
    )
    entry = AuditEntry.objects.get(action=events.DIRECTORY_IMPORTED)
    assert (entry.detail["version"], entry.detail["created"]) == ("1.1", 29)


@pytest.mark.django_db
def test_an_hsds_2_0_package_is_converted_and_imported(program):
    # when
    report = import_hsds_package(V2_0, program=program)

    # then
    assert report.version == "2.0"
    assert [str(warning) for warning in report.warnings] == [
        "other_attributes.csv, line 3: names no taxonomy term; the row is dropped"
    ]
    assert report.conversion.carried["schedules.csv: DAILY as WEEKLY on every day"] == 1
    assert report.conversion.dropped["funding.csv (funding is not modelled), rows"] == 1
    schedules = {s.hsds_id: s for s in Schedule.objects.filter(program=program)}
    detox = schedules["sch-detox"]
    assert (detox.freq, detox.byday, detox.opens_at, detox.timezone) == (
        "WEEKLY",
        "MO,TU,WE,TH,FR,SA,SU",
        time(8),
        Decimal(0),
    )
    group = schedules["sch-group"]
    assert (group.service_at_location.hsds_id, group.byday, group.wkst, group.closes_at) == (
        "sal-group",
        "MO,TH",
        "MO",
        time(19, 30),
    )
    term = MODELS["taxonomy_term"].objects.get(program=program, hsds_id="tt-detox")
    assert (term.name, term.description, term.parent.hsds_id, term.language) == (
        "Detoxification",
        "Detoxification",
        "tt-sud",
        "en",
    )
    attributes = MODELS["attribute"].objects.filter(program=program).order_by("hsds_id")
    assert [(a.hsds_id, a.link_id, a.link_entity, a.link_type) for a in attributes] == [
        ("oa-org", "org-lakeside", "organization", "classification"),
        ("sa-detox", "svc-detox", "service", "classification"),
    ]
    assert Service.objects.get(program=program, hsds_id="svc-detox").fees_description == (
        "Medicaid accepted"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("package", [V1_1, V2_0], ids=["1.1", "2.0"])
def test_the_export_of_an_older_package_is_hsds_3_and_round_trips(
    package, program, other_program, tmp_path
):
    # given an older package imported and exported
    import_hsds_package(package, program=program)
    exported = tmp_path / "exported"
    export_hsds_package(exported, program=program)

    # when the export is imported elsewhere
    again = import_hsds_package(exported, program=other_program)

    # then the export is HSDS 3, read as such, and gives back the same directory
    assert_hsds_3(exported)
    assert (again.version, again.conversion, again.warnings) == ("3", None, [])
    assert snapshot(other_program) == snapshot(program)
    assert "weekday" not in csv_rows(exported / "schedules.csv")[0]


@pytest.mark.django_db
def test_importing_an_older_package_again_updates_in_place(program):
    # given
    import_hsds_package(V1_1, program=program)
    before = snapshot(program)

    # when
    report = import_hsds_package(V1_1, program=program)

    # then the id made for the row without one is the same id again
    assert sum(report.created.values()) == 0
    assert sum(report.updated.values()) == 29
    assert snapshot(program) == before


@pytest.mark.django_db
@pytest.mark.parametrize("sample", ["simple", "all_resources"])
def test_the_shared_hsds_1_1_sample_imports_and_exports_as_hsds_3(
    sample, program, other_program, tmp_path
):
    # given the Open Referral 1.1 sample, read in place
    source = shared_data(f"{SHARED_1_1}/{sample}")

    # when
    report = import_hsds_package(source, program=program)
    export_hsds_package(tmp_path / "out", program=program)
    import_hsds_package(tmp_path / "out", program=other_program)

    # then
    assert report.version == "1.1"
    counts = row_counts(program)
    assert (counts["organization"], counts["service"], counts["location"]) == (10, 13, 10)
    assert counts["service_at_location"] == 13
    assert report.conversion.carried["phones.csv → phones.csv"] == 5
    assert_hsds_3(tmp_path / "out")
    assert snapshot(other_program) == snapshot(program)
    if sample == "all_resources":
        assert report.conversion.carried["regular_schedules.csv → schedules.csv"] == 3
        assert report.conversion.dropped["metadata.csv (change history is not modelled), rows"] == 1
        assert [str(warning) for warning in report.warnings] == [
            "taxonomy.csv, line 2: parent_id e9004840-1b0f-11e9-b56e-0800200c9a66 names no "
            "taxonomy_term in the package; the link is left empty"
        ]


@pytest.mark.django_db
def test_the_command_says_what_was_carried_defaulted_and_dropped(program):
    # when
    out, err = StringIO(), StringIO()
    call_command("import", "hsds", str(V1_1), "--program", program.slug, stdout=out, stderr=err)

    # then
    text = out.getvalue()
    assert f"Imported: v1_1 (HSDS 1.1, tabular, converted to HSDS 3) into {program.name}" in text
    assert "  service                       3        0" in text
    assert "  converted from HSDS 1.1:" in text
    assert "    carried    regular_schedules.csv → schedules.csv: 3 rows" in text
    assert "    defaulted  services.csv: status set to active (it was empty): 1 row" in text
    assert "    dropped    services.csv: wait_time (no HSDS 3 column), values: 1" in text
    assert "v1_1: reading: 100%" in err.getvalue()


@pytest.mark.django_db
def test_a_dry_run_of_an_older_package_counts_and_writes_nothing(program):
    # when
    out = StringIO()
    call_command("import", "hsds", str(V2_0), "--program", program.slug, "--dry-run", stdout=out)

    # then
    assert "Dry run, nothing imported: v2_0 (HSDS 2.0, tabular, converted to HSDS 3)" in (
        out.getvalue()
    )
    assert "  schedule                      2        0" in out.getvalue()
    assert sum(row_counts(program).values()) == 0
    assert not AuditEntry.objects.filter(action=events.DIRECTORY_IMPORTED).exists()


# ---------------------------------------------------------------------------------------
# Refused: every reason at the older file's line, and nothing written


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


BREAKAGES = {
    "a weekday that is no day": (
        V1_1,
        lambda package: replace_in(
            package / "regular_schedules.csv", "svc-stabilise,,,7,", "svc-stabilise,,,9,"
        ),
        [
            "regular_schedules.csv, line 3: weekday is '9', not a day: HSDS 1.1 counts 1 "
            "(Monday) to 7 (Sunday)"
        ],
    ),
    "a service naming no organisation": (
        V1_1,
        lambda package: replace_in(
            package / "services.csv", "svc-line,org-harbor", "svc-line,org-x"
        ),
        ["services.csv, line 3: organization_id org-x names no organization in the package"],
    ),
    "a yearly rule HSDS 3 does not have": (
        V2_0,
        lambda package: replace_in(package / "schedules.csv", ",MO,WEEKLY,", ",MO,YEARLY,"),
        ["schedules.csv, line 3: freq is 'YEARLY', not one of WEEKLY, MONTHLY"],
    ),
    "times in two offsets": (
        V2_0,
        lambda package: replace_in(package / "schedules.csv", "08:00Z", "08:00-05:00"),
        ["schedules.csv, line 2: opens_at and closes_at are given in different UTC offsets"],
    ),
    "a file that is not UTF-8": (
        V1_1,
        lambda package: (package / "taxonomy.csv").write_bytes(
            (package / "taxonomy.csv")
            .read_text(encoding="utf-8")
            .replace("care", "caré")
            .encode("latin-1")
        ),
        ["taxonomy.csv: is not UTF-8 text (byte 0xe9 on line 2); HSDS files are UTF-8"],
    ),
    "a row of the wrong width": (
        V1_1,
        lambda package: replace_in(package / "required_documents.csv", "Proof of age", "a,b"),
        ["required_documents.csv, line 2: has 4 cells, the header 3"],
    ),
    "a required value missing": (
        V2_0,
        lambda package: replace_in(package / "phones.csv", ",555-0200,", ",,"),
        ["phones.csv, line 2: number is required"],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_older_package_is_refused_at_its_own_line_and_nothing_written(
    breakage, copy_of, program
):
    # given one of our packages, broken in one way
    source, breaking, reasons = BREAKAGES[breakage]
    package = copy_of(source)
    breaking(package)

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(package, program=program)

    # then
    assert [str(problem) for problem in refused.value.errors] == reasons
    assert sum(row_counts(program).values()) == 0
    assert not AuditEntry.objects.filter(action=events.DIRECTORY_IMPORTED).exists()


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_package_and_writes_nothing(tmp_path, program):
    # given a folder of CSV files that are no HSDS tables
    (tmp_path / "calls.csv").write_text("id,received\r\n1,2026-01-01\r\n", encoding="utf-8")
    err = StringIO()

    # when
    with pytest.raises(CommandError, match=r"refused with 1 problem\. Nothing was imported\."):
        call_command(
            "import",
            "hsds",
            str(tmp_path),
            "--program",
            program.slug,
            stdout=StringIO(),
            stderr=err,
        )

    # then
    assert (
        f"  error: {tmp_path.name}: holds none of the tables of HSDS 1.1, 2.0 or 3 (found "
        "calls.csv); it is not a package of a version we read"
    ) in err.getvalue()
    assert sum(row_counts(program).values()) == 0
