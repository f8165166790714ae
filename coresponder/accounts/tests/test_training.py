"""Training records, who must hold what, and the supervisors' compliance page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from coresponder.accounts import actions, events
from coresponder.accounts.models import Agency, Course, Program, Role, TrainingRecord
from coresponder.accounts.training import (
    Qualifications,
    Record,
    Standing,
    Status,
    compliance,
    qualifications_for,
    qualifications_from,
    required_of,
)
from coresponder.core.exceptions import Conflict, DomainError, PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.testing.fixtures import PASSWORD

TODAY = date(2026, 6, 15)
# Noon in Denver, the test program's time zone: the same calendar day there and in UTC.
NOW = "2026-06-15 18:00:00"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def cit(completed: int, expires: int, course: str = Course.CIT_40) -> Record:
    return Record(course, days(completed), days(expires))


# Pure decisions: one qualification's standing, in words.


def standing_of(records, roles=(Role.OFFICER,), warn_days=30):
    (person,) = compliance([("someone", roles, records)], TODAY, warn_days)
    return {check.qualification: (check.standing, check.reason) for check in person.checks}


def test_cit_well_before_expiry_is_current():
    assert standing_of([cit(-400, 400)])["cit"] == (
        Standing.CURRENT,
        "CIT certification current until 2027-07-20.",
    )


def test_cit_expiring_within_the_warning_window_says_in_how_many_days():
    assert standing_of([cit(-700, 12)])["cit"] == (
        Standing.EXPIRING,
        "CIT certification expires soon (in 12 days, on 2026-06-27).",
    )
    assert standing_of([cit(-700, 1)])["cit"] == (
        Standing.EXPIRING,
        "CIT certification expires soon (in 1 day, on 2026-06-16).",
    )
    assert standing_of([cit(-700, 0)])["cit"] == (
        Standing.EXPIRING,
        "CIT certification expires soon (today, 2026-06-15).",
    )


def test_the_warning_window_is_a_parameter():
    assert standing_of([cit(-700, 12)], warn_days=10)["cit"][0] == Standing.CURRENT
    assert standing_of([cit(-700, 10)], warn_days=10)["cit"][0] == Standing.EXPIRING


def test_cit_past_its_expiry_is_expired_on_that_date():
    assert standing_of([cit(-800, -1)])["cit"] == (
        Standing.EXPIRED,
        "CIT certification expired on 2026-06-14.",
    )


def test_no_record_is_missing_and_says_which_course():
    assert standing_of([]) == {
        "cit": (Standing.MISSING, "CIT certification missing: no CIT 40-hour course recorded."),
        "mhfa": (
            Standing.MISSING,
            "Mental Health First Aid missing: no Mental Health First Aid 8-hour recorded.",
        ),
    }


def test_a_refresher_extends_cit_past_the_40_hour_courses_expiry():
    records = [cit(-1000, -270), cit(-300, 430, Course.CIT_REFRESHER)]

    qualifications = qualifications_from(records, TODAY)

    assert qualifications.cit_expires == days(430)
    assert qualifications.cit_current(TODAY)
    assert standing_of(records)["cit"][0] == Standing.CURRENT


def test_an_older_refresher_does_not_shorten_a_newer_course():
    records = [cit(-100, 900), cit(-800, 5, Course.CIT_REFRESHER)]
    assert qualifications_from(records, TODAY).cit_expires == days(900)


def test_a_refresher_without_the_40_hour_course_is_not_cit():
    records = [cit(-300, 430, Course.CIT_REFRESHER)]

    assert qualifications_from(records, TODAY).cit_expires is None
    assert not qualifications_from(records, TODAY).cit_current(TODAY)
    assert standing_of(records)["cit"] == (
        Standing.MISSING,
        "CIT certification missing: a refresher is recorded but no CIT 40-hour course.",
    )


def test_current_through_the_expiry_day_and_not_after():
    qualifications = Qualifications(cit_expires=TODAY, licence_expires=TODAY)
    assert qualifications.cit_current(TODAY)
    assert qualifications.licensed(TODAY)
    assert not qualifications.cit_current(days(1))
    assert not qualifications.licensed(days(1))
    assert not Qualifications().cit_current(TODAY)
    assert not Qualifications().licensed(TODAY)


def test_a_record_completed_after_the_day_asked_about_does_not_count_yet():
    records = [cit(5, 700)]
    assert qualifications_from(records, TODAY).cit_expires is None
    assert qualifications_from(records, days(5)).cit_expires == days(700)


def test_each_qualification_comes_from_its_own_courses():
    records = [
        Record(Course.MHFA_8, days(-900), days(-5)),
        Record(Course.MHFA_REFRESHER, days(-10), days(1000)),
        Record(Course.CLINICAL_LICENCE, days(-300), days(60)),
        Record(Course.EMT_CERTIFICATION, days(-700), days(-30)),
    ]

    assert qualifications_from(records, TODAY) == Qualifications(
        cit_expires=None,
        mhfa_expires=days(1000),
        licence_expires=days(60),
        emt_expires=days(-30),
    )


def test_what_each_role_requires():
    assert required_of([Role.OFFICER]) == {"cit": ("officer",), "mhfa": ("officer",)}
    assert required_of([Role.CLINICIAN]) == {
        "mhfa": ("clinician",),
        "clinical_licence": ("clinician",),
    }
    assert required_of([Role.EMT]) == {"mhfa": ("emt",), "emt_certification": ("emt",)}
    assert required_of([Role.DISPATCHER]) == {"cit": ("dispatcher",)}
    assert required_of([Role.SUPERVISOR]) == {}
    assert required_of([Role.CASE_MANAGER]) == {}
    assert required_of([Role.SUPERVISOR, Role.OFFICER, Role.DISPATCHER]) == {
        "cit": ("dispatcher", "officer"),
        "mhfa": ("officer",),
    }


def test_a_program_can_require_other_things_of_a_role():
    (person,) = compliance(
        [("case manager", [Role.CASE_MANAGER], [])],
        TODAY,
        requirements={Role.CASE_MANAGER: ("mhfa",)},
    )
    assert [(check.qualification, check.standing) for check in person.checks] == [
        ("mhfa", Standing.MISSING)
    ]
    assert person.status == Status.OUT_OF_DATE


def test_compliance_lists_out_of_date_first_then_expiring_then_current():
    current = ("current officer", [Role.OFFICER], [cit(-10, 700), cit(-10, 700, Course.MHFA_8)])
    expiring = ("expiring officer", [Role.OFFICER], [cit(-10, 700), cit(-900, 20, Course.MHFA_8)])
    expired = ("expired officer", [Role.OFFICER], [cit(-900, -3), cit(-10, 700, Course.MHFA_8)])
    missing = ("untrained clinician", [Role.CLINICIAN], [])
    supervisor = ("supervisor", [Role.SUPERVISOR], [])
    second_expired = ("second expired", [Role.DISPATCHER], [cit(-900, -300)])

    people = compliance(
        [supervisor, current, expiring, expired, missing, second_expired], TODAY, warn_days=30
    )

    assert [(person.user, person.status) for person in people] == [
        ("second expired", Status.OUT_OF_DATE),
        ("expired officer", Status.OUT_OF_DATE),
        ("untrained clinician", Status.OUT_OF_DATE),
        ("expiring officer", Status.EXPIRING),
        ("current officer", Status.CURRENT),
        ("supervisor", Status.NOTHING_REQUIRED),
    ]
    assert [check.reason for check in people[1].gaps] == [
        "CIT certification expired on 2026-06-12."
    ]


def test_within_a_status_the_most_urgent_comes_first_then_the_order_given():
    later = ("later", [Role.OFFICER], [cit(-10, 25), cit(-10, 700, Course.MHFA_8)])
    sooner = ("sooner", [Role.OFFICER], [cit(-10, 700), cit(-900, 3, Course.MHFA_8)])
    also_later = ("also later", [Role.DISPATCHER], [cit(-10, 25)])
    first_missing = ("first missing", [Role.DISPATCHER], [])
    second_missing = ("second missing", [Role.EMT], [])

    people = compliance([first_missing, later, also_later, sooner, second_missing], TODAY)

    assert [person.user for person in people] == [
        "first missing",
        "second missing",
        "sooner",
        "later",
        "also later",
    ]


# Reading qualifications for dispatch: one query, whatever the number of people.


@freeze_time(NOW)
def test_qualifications_for_reads_any_number_of_users_in_one_query(
    make_user, django_assert_num_queries
):
    # given five officers, four with records
    supervisor = make_user(Role.SUPERVISOR)
    officers = [make_user(Role.OFFICER) for _ in range(5)]
    for number, officer in enumerate(officers[:4]):
        record(officer, Course.CIT_40, -400, 30 * number - 10, by=supervisor)
        record(officer, Course.MHFA_8, -400, 500, by=supervisor)
    record(officers[0], Course.CIT_REFRESHER, -20, 700, by=supervisor)
    ids = [officer.pk for officer in officers]

    # when / then
    with django_assert_num_queries(1):
        one = qualifications_for(ids[:1], today=TODAY)
    with django_assert_num_queries(1):
        every = qualifications_for(ids, today=TODAY)

    assert one == {ids[0]: Qualifications(cit_expires=days(700), mhfa_expires=days(500))}
    assert {pk: q.cit_current(TODAY) for pk, q in every.items()} == dict(
        zip(ids, [True, True, True, True, False], strict=True)
    )
    assert every[ids[1]] == Qualifications(cit_expires=days(20), mhfa_expires=days(500))
    assert every[ids[4]] == Qualifications()
    with django_assert_num_queries(0):
        assert qualifications_for([], today=TODAY) == {}


# Recording training: the action.


def record(user, course, completed: int, expires: int, *, by, provider="County CIT Academy"):
    return actions.record_training(
        user,
        course=course,
        completed_on=days(completed),
        expires_on=days(expires),
        provider=provider,
        certificate_number="",
        acting_user=by,
    )


@pytest.fixture
def other_program_user(db):
    program = Program.objects.create(name="Other County Program", slug="other-county")
    agency = Agency.objects.create(
        program=program, name="Other Sheriff", kind=Agency.Kind.LAW_ENFORCEMENT
    )
    return actions.create_user(
        username="otherofficer1",
        full_name="Officer 901",
        agency=agency,
        roles=[Role.OFFICER],
        password=PASSWORD,
        acting_user=None,
    )


@freeze_time(NOW)
def test_a_supervisor_records_training_with_one_audit_entry(make_user):
    # given
    supervisor, officer = make_user(Role.SUPERVISOR), make_user(Role.OFFICER)
    entries_before = AuditEntry.objects.count()

    # when
    saved = actions.record_training(
        officer,
        course=Course.CIT_40,
        completed_on=days(-2),
        expires_on=days(728),
        provider="  State POST CIT Academy ",
        certificate_number=" CIT-0042 ",
        acting_user=supervisor,
    )

    # then
    stored = TrainingRecord.objects.get()
    assert stored == saved
    assert (stored.user, stored.course, stored.completed_on, stored.expires_on) == (
        officer,
        Course.CIT_40,
        days(-2),
        days(728),
    )
    assert (stored.provider, stored.certificate_number, stored.recorded_by) == (
        "State POST CIT Academy",
        "CIT-0042",
        supervisor,
    )
    assert AuditEntry.objects.count() == entries_before + 1
    entry = AuditEntry.objects.last()
    assert (entry.action, entry.actor_username, entry.object_id) == (
        events.TRAINING_RECORDED,
        supervisor.username,
        str(stored.pk),
    )
    assert entry.detail == {
        "user": officer.username,
        "course": "cit_40",
        "completed_on": "2026-06-13",
        "expires_on": "2028-06-12",
    }


@freeze_time(NOW)
def test_an_administrator_may_record_training(make_user):
    administrator, clinician = make_user(Role.ADMINISTRATOR), make_user(Role.CLINICIAN)
    record(clinician, Course.CLINICAL_LICENCE, -100, 600, by=administrator)
    assert TrainingRecord.objects.get().recorded_by == administrator


REFUSALS = {
    "completion in the future": (
        {"completed_on": days(1), "expires_on": days(700)},
        "completed_on",
        "The completion date is in the future; record training once it is done.",
    ),
    "expiry before completion": (
        {"completed_on": days(-10), "expires_on": days(-11)},
        "expires_on",
        "The expiry date must come after the completion date.",
    ),
    "expiry on the completion day": (
        {"completed_on": days(-10), "expires_on": days(-10)},
        "expires_on",
        "The expiry date must come after the completion date.",
    ),
    "unknown course": (
        {"course": "cit_8"},
        "course",
        "Choose a course from the list.",
    ),
    "no provider": (
        {"provider": "   "},
        "provider",
        "Say who gave the course or issued the licence.",
    ),
}


@freeze_time(NOW)
@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_input_is_refused_with_the_reason_for_that_field_and_changes_nothing(make_user, case):
    # given
    supervisor, officer = make_user(Role.SUPERVISOR), make_user(Role.OFFICER)
    changes, field, reason = REFUSALS[case]
    arguments = {
        "course": Course.CIT_40,
        "completed_on": days(-10),
        "expires_on": days(700),
        "provider": "County CIT Academy",
        "certificate_number": "",
        **changes,
    }
    entries_before = AuditEntry.objects.count()

    # when
    with pytest.raises(DomainError) as refused:
        actions.record_training(officer, acting_user=supervisor, **arguments)

    # then
    assert refused.value.fields == {field: [reason]}
    assert refused.value.message == "The training record was not saved."
    assert TrainingRecord.objects.count() == 0
    assert AuditEntry.objects.count() == entries_before


@freeze_time(NOW)
@pytest.mark.parametrize("role", [Role.OFFICER, Role.DISPATCHER, Role.CLINICIAN, Role.EVALUATOR])
def test_only_supervisors_and_administrators_record_training(make_user, role):
    actor, officer = make_user(role), make_user(Role.OFFICER)
    entries_before = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied) as refused:
        record(officer, Course.CIT_40, -10, 700, by=actor)

    assert refused.value.message == "Only a supervisor or an administrator records training."
    assert TrainingRecord.objects.count() == 0
    assert AuditEntry.objects.count() == entries_before


@freeze_time(NOW)
def test_training_of_another_programs_user_is_refused(make_user, other_program_user):
    supervisor = make_user(Role.SUPERVISOR)
    entries_before = AuditEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        record(other_program_user, Course.CIT_40, -10, 700, by=supervisor)

    assert refused.value.message == "That person is not on your program's staff."
    assert refused.value.fields == {"user": ["Choose a member of your program's staff."]}
    assert TrainingRecord.objects.count() == 0
    assert AuditEntry.objects.count() == entries_before


@freeze_time(NOW)
def test_the_same_course_on_the_same_day_is_recorded_once(make_user):
    supervisor, officer = make_user(Role.SUPERVISOR), make_user(Role.OFFICER)
    record(officer, Course.CIT_40, -10, 700, by=supervisor)
    entries_before = AuditEntry.objects.count()

    with pytest.raises(Conflict) as refused:
        record(officer, Course.CIT_40, -10, 800, by=supervisor)

    assert refused.value.fields == {
        "completed_on": ["This course is already recorded on that date."]
    }
    assert TrainingRecord.objects.count() == 1
    assert AuditEntry.objects.count() == entries_before


# The compliance page.


def listed(response) -> list[tuple[str, str]]:
    """(username, status) of each row, in the page's order."""
    return re.findall(
        r'<tr data-username="([^"]+)" data-status="([^"]+)">', response.content.decode()
    )


@pytest.fixture
def staff(make_user, agencies):
    """A supervisor and four staff: one expired, one expiring, one current, one missing."""
    supervisor = make_user(Role.SUPERVISOR)
    current = make_user(Role.OFFICER)
    expired = make_user(Role.OFFICER)
    clinician = make_user(Role.CLINICIAN)
    dispatcher = make_user(Role.DISPATCHER)
    with freeze_time(NOW):
        record(current, Course.CIT_40, -30, 700, by=supervisor)
        record(current, Course.MHFA_8, -30, 1000, by=supervisor)
        record(expired, Course.CIT_40, -900, -45, by=supervisor)
        record(expired, Course.MHFA_8, -30, 1000, by=supervisor)
        record(clinician, Course.CLINICAL_LICENCE, -300, 10, by=supervisor)
        record(clinician, Course.MHFA_8, -30, 1000, by=supervisor)
    return {
        "supervisor": supervisor,
        "current": current,
        "expired": expired,
        "clinician": clinician,
        "dispatcher": dispatcher,
    }


@freeze_time(NOW)
def test_a_supervisor_sees_the_expired_officer_first_with_the_gap_in_words(
    client, sign_in, staff, other_program_user
):
    sign_in(staff["supervisor"])

    response = client.get("/training/")

    assert response.status_code == 200
    assert listed(response) == [
        (staff["expired"].username, "out_of_date"),
        (staff["dispatcher"].username, "out_of_date"),
        (staff["clinician"].username, "expiring"),
        (staff["current"].username, "current"),
        (staff["supervisor"].username, "nothing_required"),
    ]
    page = response.content.decode()
    assert "CIT certification expired on 2026-05-01." in page
    assert "CIT certification missing: no CIT 40-hour course recorded." in page
    assert "Clinical licence expires soon (in 10 days, on 2026-06-25)." in page
    assert other_program_user.username not in page
    assert other_program_user.full_name not in page


@freeze_time(NOW)
def test_an_administrator_sees_the_page_too(client, sign_in, staff, make_user):
    sign_in(make_user(Role.ADMINISTRATOR))
    response = client.get("/training/")
    assert response.status_code == 200
    assert len(listed(response)) == 5


@freeze_time(NOW)
def test_the_list_filters_by_status_and_by_agency(client, sign_in, staff, agencies):
    sign_in(staff["supervisor"])

    out_of_date = client.get("/training/", {"status": "out_of_date"})
    expiring = client.get("/training/", {"status": "expiring"})
    police = client.get("/training/", {"agency": agencies["law_enforcement"].pk})

    assert listed(out_of_date) == [
        (staff["expired"].username, "out_of_date"),
        (staff["dispatcher"].username, "out_of_date"),
    ]
    assert listed(expiring) == [(staff["clinician"].username, "expiring")]
    assert [username for username, _ in listed(police)] == [
        staff["expired"].username,
        staff["dispatcher"].username,
        staff["current"].username,
    ]


@freeze_time(NOW)
@pytest.mark.parametrize("role", [Role.OFFICER, Role.DISPATCHER, Role.CLINICIAN, Role.EVALUATOR])
def test_other_roles_are_refused_the_page_and_the_csv(client, sign_in, make_user, role):
    sign_in(make_user(role))

    assert client.get("/training/").status_code == 403
    assert client.get("/training/compliance.csv").status_code == 403
    assert client.post("/training/", {"course": "cit_40"}).status_code == 403
    assert TrainingRecord.objects.count() == 0


@freeze_time(NOW)
def test_the_csv_lists_each_required_qualification_in_the_pages_order(
    client, sign_in, staff, other_program_user
):
    sign_in(staff["supervisor"])

    response = client.get("/training/compliance.csv", {"status": "out_of_date"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="training-compliance-2026-06-15.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    expired, dispatcher = staff["expired"], staff["dispatcher"]
    assert [
        (row["username"], row["agency"], row["roles"], row["status"], row["qualification"])
        for row in rows
    ] == [
        (expired.username, "Test Law enforcement", "officer", "out_of_date", "cit"),
        (expired.username, "Test Law enforcement", "officer", "out_of_date", "mhfa"),
        (dispatcher.username, "Test Law enforcement", "dispatcher", "out_of_date", "cit"),
    ]
    assert [(row["standing"], row["expires on"], row["reason"]) for row in rows] == [
        ("expired", "2026-05-01", "CIT certification expired on 2026-05-01."),
        ("current", "2029-03-11", "Mental Health First Aid current until 2029-03-11."),
        ("missing", "", "CIT certification missing: no CIT 40-hour course recorded."),
    ]
    whole = client.get("/training/compliance.csv").content.decode()
    assert [
        (row["username"], row["qualification"]) for row in csv.DictReader(io.StringIO(whole))
    ] == [
        (expired.username, "cit"),
        (expired.username, "mhfa"),
        (dispatcher.username, "cit"),
        (staff["clinician"].username, "clinical_licence"),
        (staff["clinician"].username, "mhfa"),
        (staff["current"].username, "cit"),
        (staff["current"].username, "mhfa"),
        (staff["supervisor"].username, ""),
    ]
    assert other_program_user.username not in whole


@freeze_time(NOW)
def test_recording_through_the_page_brings_the_officer_up_to_date(client, sign_in, staff):
    sign_in(staff["supervisor"])
    officer = staff["expired"]

    response = client.post(
        "/training/?status=out_of_date",
        {
            "user": officer.pk,
            "course": "cit_refresher",
            "completed_on": "2026-06-10",
            "expires_on": "2028-06-10",
            "provider": "County CIT Academy",
            "certificate_number": "R-7",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/training/?status=out_of_date"
    assert TrainingRecord.objects.filter(user=officer, course="cit_refresher").count() == 1
    after = client.get("/training/")
    assert (officer.username, "current") in listed(after)
    assert f"Training recorded for {officer.full_name}." in after.content.decode()


@freeze_time(NOW)
def test_bad_input_on_the_page_shows_the_reason_and_changes_nothing(client, sign_in, staff):
    sign_in(staff["supervisor"])
    records_before = TrainingRecord.objects.count()
    entries_before = AuditEntry.objects.count()

    response = client.post(
        "/training/",
        {
            "user": staff["dispatcher"].pk,
            "course": "cit_40",
            "completed_on": "2026-06-20",
            "expires_on": "2026-06-01",
            "provider": "County CIT Academy",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "The training record was not saved." in page
    assert "The completion date is in the future; record training once it is done." in page
    assert "The expiry date must come after the completion date." in page
    assert 'value="County CIT Academy"' in page  # the form comes back filled in
    assert TrainingRecord.objects.count() == records_before
    assert AuditEntry.objects.count() == entries_before


@freeze_time(NOW)
def test_the_page_will_not_record_for_another_programs_user(
    client, sign_in, staff, other_program_user
):
    sign_in(staff["supervisor"])
    records_before = TrainingRecord.objects.count()

    response = client.post(
        "/training/",
        {
            "user": other_program_user.pk,
            "course": "cit_40",
            "completed_on": "2026-06-01",
            "expires_on": "2028-06-01",
            "provider": "County CIT Academy",
        },
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert TrainingRecord.objects.count() == records_before


@freeze_time(NOW)
def test_the_page_costs_the_same_for_five_people_as_for_fifteen(client, sign_in, staff, make_user):
    sign_in(staff["supervisor"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/training/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(10):
        officer = make_user(Role.OFFICER)
        record(officer, Course.CIT_40, -30, 700, by=staff["supervisor"])
    many = queries()

    assert many == few


@freeze_time(NOW)
def test_the_nav_shows_training_to_supervisors_only(client, sign_in, staff, make_user):
    sign_in(staff["supervisor"])
    assert 'href="/training/"' in client.get("/").content.decode()
    client.logout()
    sign_in(staff["current"])
    assert 'href="/training/"' not in client.get("/").content.decode()


@freeze_time(NOW)
def test_an_administrator_finds_the_records_in_the_admin(client, sign_in, staff, make_user):
    sign_in(make_user(Role.ADMINISTRATOR))

    response = client.get("/admin/accounts/trainingrecord/")

    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') == 6
    assert client.get("/admin/accounts/trainingrecord/add/").status_code == 403
