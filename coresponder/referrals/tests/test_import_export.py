"""HSDS 3 round trips of the shared example package: import, export, import again."""

from __future__ import annotations

import csv
import json
from datetime import date, time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coresponder.core.models import AuditEntry
from coresponder.referrals import events, hsds
from coresponder.referrals.actions import ExportRefused, export_hsds_package, import_hsds_package
from coresponder.referrals.models import MODELS, Location, Schedule, Service

from .conftest import row_counts, snapshot

pytestmark = pytest.mark.django_db

EXAMPLE_SERVICE = "ac148810-d857-441c-9679-408f346de14b"
MODELLED_TABLES_IN_EXAMPLE = {
    "taxonomy": 1,
    "taxonomy_term": 1,
    "organization": 1,
    "location": 1,
    "unit": 0,
    "service": 1,
    "service_at_location": 1,
    "phone": 1,
    "schedule": 1,
    "service_area": 1,
    "language": 1,
    "accessibility": 1,
    "address": 1,
    "cost_option": 1,
    "required_document": 1,
    "attribute": 1,
    "service_capacity": 0,
}


def test_the_tabular_example_round_trips_field_by_field(hsds_csv, program, other_program, tmp_path):
    # given the example imported into one program and exported
    first = import_hsds_package(hsds_csv, program=program)
    exported = tmp_path / "exported"
    export_hsds_package(exported, program=program)

    # when the export is imported into another program
    second = import_hsds_package(exported, program=other_program)

    # then the two imports agree field by field, and hold what the example holds
    assert row_counts(program) == MODELLED_TABLES_IN_EXAMPLE
    assert snapshot(other_program) == snapshot(program)
    assert sum(first.created.values()) == sum(second.created.values()) == 15
    # the links the example leaves dangling were reported once and left empty
    assert [str(warning) for warning in second.warnings] == [
        "locations.csv, line 2: latitude 100 is outside ±90; kept as given",
        "schedules.csv, line 2: has both count and until; RFC 5545 allows one",
    ]
    assert len(first.warnings) == 7  # and the example's datapackage.json is a link's path
    service = Service.objects.get(program=other_program, hsds_id=EXAMPLE_SERVICE)
    assert (service.name, service.status, service.minimum_age, service.maximum_age) == (
        "Community Counselling",
        "active",
        12,
        100,
    )
    assert service.organization.name == "Example Organization Inc."
    assert service.description.startswith("Counselling Services provided by trained")
    assert service.kind == Service.Kind.OTHER
    schedule = Schedule.objects.get(program=other_program)
    assert (
        schedule.freq,
        schedule.interval,
        schedule.byday,
        schedule.byweekno,
        schedule.bymonthday,
        schedule.wkst,
        schedule.count,
        schedule.until,
        schedule.opens_at,
        schedule.closes_at,
        schedule.timezone,
    ) == ("WEEKLY", 1, "TH,FR", "41,42", "2,3,4", "TU", 3, date(2005, 1, 1), time(10), time(18), 3)
    assert schedule.service_at_location.hsds_id == "e94c9f38-1e8f-4564-91d4-d53501ab1765"
    location = Location.objects.get(program=other_program)
    assert (location.latitude, location.longitude) == (Decimal(100), Decimal(101))
    assert location.addresses.get().city == "MyCity"
    assert MODELS["phone"].objects.get(program=other_program).number == '"+44 1234 234567"'
    assert MODELS["cost_option"].objects.get(program=other_program).amount == Decimal(35)


def test_the_export_is_hsds_3_tabular_in_the_specs_column_names(hsds_csv, program, tmp_path):
    # given
    import_hsds_package(hsds_csv, program=program)

    # when
    export_hsds_package(tmp_path / "out", program=program)

    # then
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert [resource["path"] for resource in descriptor["resources"]] == [
        table.file for table in hsds.TABLES
    ]
    with (tmp_path / "out" / "services.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:9] == [
        "id",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "interpretation_services",
    ]
    assert rows[0]["id"] == EXAMPLE_SERVICE
    assert rows[0]["organization_id"] == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert rows[0]["x_kind"] == "other"
    with (tmp_path / "out" / "schedules.csv").open(newline="", encoding="utf-8") as handle:
        schedule = next(csv.DictReader(handle))
    assert (schedule["opens_at"], schedule["byday"], schedule["timezone"]) == (
        "10:00:00",
        "TH,FR",
        "3",
    )


def test_the_json_form_round_trips_field_by_field(hsds_json, program, other_program, tmp_path):
    # given the JSON example (a service with its organisation, locations and hours nested)
    import_hsds_package(hsds_json, program=program)
    export_hsds_package(tmp_path / "exported", program=program)

    # when
    import_hsds_package(tmp_path / "exported", program=other_program)

    # then
    assert snapshot(other_program) == snapshot(program)
    counts = row_counts(program)
    assert counts["service"] == counts["location"] == counts["schedule"] == 1
    assert counts["service_at_location"] == counts["phone"] == counts["language"] == 1
    service = Service.objects.get(program=other_program)
    assert service.organization.hsds_id == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    phone = MODELS["phone"].objects.get(program=other_program)
    # the phone is nested under the service, its location and its service-at-location
    assert (phone.service.hsds_id, phone.location.hsds_id, phone.service_at_location.hsds_id) == (
        EXAMPLE_SERVICE,
        "3a19ff88-4620-4d17-9830-ac1d859eb5d5",
        "e94c9f38-1e8f-4564-91d4-d53501ab1765",
    )
    assert MODELS["language"].objects.get(program=other_program).phone == MODELS[
        "phone"
    ].objects.get(program=other_program)
    attribute = MODELS["attribute"].objects.get(program=other_program)
    # nested under the service without a link_id: it links to the service; given values stay
    assert (attribute.link_id, attribute.link_entity) == (EXAMPLE_SERVICE, "link_entity")


def test_the_json_and_tabular_examples_describe_the_same_service(
    hsds_csv, hsds_json, program, other_program
):
    # given / when
    import_hsds_package(hsds_csv, program=program)
    import_hsds_package(hsds_json, program=other_program)

    # then the service rows agree field by field
    assert snapshot(other_program)["service"] == snapshot(program)["service"]


def test_importing_the_same_package_twice_updates_in_place(hsds_csv, program):
    # given
    import_hsds_package(hsds_csv, program=program)
    before = snapshot(program)

    # when
    report = import_hsds_package(hsds_csv, program=program)

    # then
    assert sum(report.created.values()) == 0
    assert sum(report.updated.values()) == 15
    assert snapshot(program) == before
    assert AuditEntry.objects.filter(action=events.DIRECTORY_IMPORTED).count() == 2


def test_a_changed_package_updates_the_rows_it_names(csv_copy, program):
    # given
    import_hsds_package(csv_copy, program=program)
    services = csv_copy / "services.csv"
    services.write_text(
        services.read_text(encoding="utf-8").replace("Community Counselling", "Crisis Line"),
        encoding="utf-8",
    )

    # when
    import_hsds_package(csv_copy, program=program)

    # then
    assert list(Service.objects.filter(program=program).values_list("name", flat=True)) == [
        "Crisis Line"
    ]


def test_our_extensions_round_trip(hsds_csv, program, other_program, tmp_path):
    # given a service of a kind, for veterans, with insurance accepted, and a bed count
    import_hsds_package(hsds_csv, program=program)
    exported = tmp_path / "exported"
    export_hsds_package(exported, program=program)
    services = exported / "services.csv"
    with services.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0].update(x_kind="crisis_stabilization", x_veterans="true", x_sex="any")
    rows[0]["x_insurance_accepted"] = "Medicaid, VA"
    with services.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (exported / "units.csv").write_text(
        "id,name,scheme,identifier,uri\r\nu-beds,beds,,,\r\n", encoding="utf-8"
    )
    (exported / "service_capacity.csv").write_text(
        "id,service_id,unit_id,available,maximum,description,updated\r\n"
        f"c-1,{EXAMPLE_SERVICE},u-beds,3,12,Crisis beds,2026-11-26T22:00:00Z\r\n",
        encoding="utf-8",
    )

    # when it is imported, exported and imported again
    import_hsds_package(exported, program=other_program)
    again = tmp_path / "again"
    export_hsds_package(again, program=other_program)
    import_hsds_package(again, program=program)

    # then
    assert snapshot(program) == snapshot(other_program)
    service = Service.objects.get(program=program)
    assert (service.kind, service.veterans, service.sex, service.insurance_accepted) == (
        "crisis_stabilization",
        True,
        "any",
        "Medicaid, VA",
    )
    capacity = MODELS["service_capacity"].objects.get(program=program)
    assert (capacity.available, capacity.maximum, capacity.unit.name) == (3, 12, "beds")
    assert capacity.updated.isoformat() == "2026-11-26T22:00:00+00:00"


def test_export_refuses_a_folder_that_is_not_empty(program, tmp_path):
    # given
    (tmp_path / "kept.txt").write_text("mine", encoding="utf-8")

    # when / then
    with pytest.raises(ExportRefused, match="not an empty folder"):
        export_hsds_package(tmp_path, program=program)
    assert [path.name for path in tmp_path.iterdir()] == ["kept.txt"]


def test_the_commands_import_and_export_with_a_summary(hsds_csv, program, tmp_path):
    # when
    out, err = StringIO(), StringIO()
    call_command("import", "hsds", str(hsds_csv), "--program", program.slug, stdout=out, stderr=err)
    call_command("export", "hsds", str(tmp_path / "out"), "--program", program.slug, stdout=out)

    # then
    text = out.getvalue()
    assert f"Imported: csv (HSDS 3, tabular) into {program.name}" in text
    assert "  service                       1        0" in text
    assert "  skipped: contacts.csv (not modelled)" in text
    assert "  warning: schedules.csv, line 2: has both count and until; RFC 5545 allows one" in text
    assert f"Exported: the directory of {program.name} to {tmp_path / 'out'}" in text
    assert "csv: reading: 100%" in err.getvalue()
    assert (tmp_path / "out" / "services.csv").exists()


def test_a_dry_run_counts_and_writes_nothing(hsds_csv, program):
    # when
    out = StringIO()
    call_command(
        "import",
        "hsds",
        str(hsds_csv),
        "--program",
        program.slug,
        "--dry-run",
        stdout=out,
        stderr=StringIO(),
    )

    # then
    assert "Dry run, nothing imported" in out.getvalue()
    assert "  service                       1        0" in out.getvalue()
    assert sum(row_counts(program).values()) == 0
    assert not AuditEntry.objects.filter(action=events.DIRECTORY_IMPORTED).exists()


def test_the_import_command_names_a_missing_program(hsds_csv, program):
    with pytest.raises(CommandError, match="No program has the id, short name or name 'nowhere'"):
        call_command("import", "hsds", str(hsds_csv), "--program", "nowhere", stdout=StringIO())


def test_a_package_may_name_rows_the_directory_already_holds(hsds_csv, program, tmp_path):
    # given the example imported, and a package holding only its services file, changed
    import_hsds_package(hsds_csv, program=program)
    partial = tmp_path / "partial"
    partial.mkdir()
    text = (hsds_csv / "services.csv").read_text(encoding="utf-8")
    (partial / "services.csv").write_text(
        text.replace(",active,", ",temporarily closed,"), encoding="utf-8"
    )

    # when
    report = import_hsds_package(partial, program=program)

    # then the service is updated, still under its organisation
    assert (dict(report.created), dict(report.updated)) == ({"service": 0}, {"service": 1})
    service = Service.objects.get(program=program)
    assert (service.status, service.organization.hsds_id) == (
        "temporarily closed",
        "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610",
    )


def test_a_folder_of_the_json_form_is_read_as_one_package(hsds_json, program):
    # when every example JSON file is read together
    report = import_hsds_package(hsds_json.parent, program=program)

    # then the objects they share are one row each
    assert report.form == "json"
    assert row_counts(program) == MODELLED_TABLES_IN_EXAMPLE
    assert report.skipped_files == [
        "base.json (not an HSDS object file)",
        "tabular.json (not an HSDS object file)",
    ]


def test_links_within_a_table_are_kept_and_round_trip(csv_copy, program, other_program, tmp_path):
    # given the parent organisation the example names, added to the package
    parent = "cd09a387-91f4-4555-94ec-e799c35344cd"
    path = csv_copy / "organizations.csv"
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            [parent, "Parent Org", "", "Umbrella body", "", "", "", "", "", "", "", "", ""]
        )

    # when it is imported twice, exported and imported elsewhere
    import_hsds_package(csv_copy, program=program)
    import_hsds_package(csv_copy, program=program)
    export_hsds_package(tmp_path / "out", program=program)
    import_hsds_package(tmp_path / "out", program=other_program)

    # then
    for directory in (program, other_program):
        child = MODELS["organization"].objects.get(
            program=directory, hsds_id="d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
        )
        assert child.parent_organization.hsds_id == parent
        assert child.parent_organization.name == "Parent Org"
    assert snapshot(other_program) == snapshot(program)
