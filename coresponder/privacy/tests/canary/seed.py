"""One person, "Demo Canary", with a unique string in every privacy class, planted through
the real actions in every kind of record that shows them.

The writers (desk, team, case manager, supervisor) work in agencies of their own, so that
what the readers of the walk may see comes only from the state the walk puts them in. The
exception is on purpose: the case's queue agency is the team clinician's, and two readers
work there (issue 16, item 7).

Everything is planted at one fixed moment, `WALK_NOW`, under a clock frozen there (and
ticking on: `walk_clock`), so the walk passes whatever the date and hour it runs at.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.utils import timezone
from freezegun import freeze_time

from coresponder.accounts import actions as accounts
from coresponder.accounts.models import Agency, AgencyKind, Program, Role, User
from coresponder.calls import actions as calls
from coresponder.cases import actions as cases
from coresponder.cases.models import Case
from coresponder.demo.crisis_export import write_crisis_export
from coresponder.dispatch import actions as dispatch
from coresponder.dispatch.models import MemberRole
from coresponder.encounters import actions as encounters
from coresponder.interop import actions as interop
from coresponder.interop.fhir import importer
from coresponder.interop.models import CallImport, CallMapping
from coresponder.people import actions as people
from coresponder.privacy import actions as privacy
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import Consent
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal
from coresponder.referrals.models import Organization, Service

PASSWORD = "correct-horse-battery-staple"

# The walk's moment: 22:30 in Denver (the program's zone) while UTC is a day on, the hour
# at which a "today" taken in the wrong zone shows.
WALK_NOW = datetime(2026, 3, 3, 5, 30, tzinfo=UTC)


@contextmanager
def walk_clock(now: datetime = WALK_NOW) -> Iterator[datetime]:
    """The clock the actions and pages read, frozen at `now` and ticking on from there."""
    with freeze_time(now, tick=True):
        yield now


# Each canary is unique in the program and names its class; none is a word a page prints.
OPERATIONAL = DataClass.OPERATIONAL
PUBLIC_SAFETY = DataClass.PUBLIC_SAFETY
CLINICAL = DataClass.CLINICAL
SUD_PART2 = DataClass.SUD_PART2
CARE_COORDINATION = DataClass.CARE_COORDINATION

CANARIES: dict[str, str] = {
    # operational
    "cnryOPpronouns7f3a": OPERATIONAL,
    "cnryOPcallsummary7f3a": OPERATIONAL,
    "cnryOPinterventions7f3a": OPERATIONAL,
    # the caller's name as intake took it, before a correction: on the call's history only
    "cnryOPcorrectedcaller7f3a": OPERATIONAL,
    # public safety
    "cnryPSperson7f3a": PUBLIC_SAFETY,
    "cnryPSsection7f3a": PUBLIC_SAFETY,
    "cnryPSplan7f3a": PUBLIC_SAFETY,
    # clinical
    "cnryCLsummary7f3a": CLINICAL,
    "cnryCLnote7f3a": CLINICAL,
    "cnryCLpersonnote7f3a": CLINICAL,
    "cnryCLcssrs7f3a": CLINICAL,
    "cnryCLsafetyplan7f3a": CLINICAL,
    "cnryCLplanbaseline7f3a": CLINICAL,
    "cnryCLgoal7f3a": CLINICAL,
    "cnryCLmedical7f3a": CLINICAL,
    # the health summary imported from an EHR's FHIR bundle
    "cnryCLehrcondition7f3a": CLINICAL,
    # Part 2: the record, the encounter's section, and a referral to a substance-use
    # service (a derived class: the referral itself says the person is in treatment).
    "cnrySUDperson7f3a": SUD_PART2,
    "cnrySUDsection7f3a": SUD_PART2,
    "cnrySUDreferralneed7f3a": SUD_PART2,
    "cnrySUDservice7f3a": SUD_PART2,
    "cnrySUDehrcondition7f3a": SUD_PART2,
    # corrections, kept in the person's history in the class of the value corrected
    "cnryPSedited7f3a": PUBLIC_SAFETY,
    "cnryCLedited7f3a": CLINICAL,
    "cnrySUDedited7f3a": SUD_PART2,
    "cnryCCedited7f3a": CARE_COORDINATION,
    # care coordination
    "cnryCCfollowup7f3a": CARE_COORDINATION,
    "cnryCCreferralneed7f3a": CARE_COORDINATION,
    "cnryCCreferralcontact7f3a": CARE_COORDINATION,
    "cnryCCcontactnote7f3a": CARE_COORDINATION,
}
# The substance-use service's name is a directory entry: pages that list the directory
# name it for everyone; linked to the person it is Part 2.
SUD_SERVICE_NAME = "cnrySUDservice7f3a withdrawal management"


@dataclass
class Reader:
    """A user (or an agency's API token) who reads in the walk."""

    label: str
    role: str
    agency: Agency
    user: User | None = None
    token: str = ""
    token_prefix: str = ""
    # Where the reader stands outside the walk's states (the queue agency, a recipient).
    standing: str = ""

    @property
    def is_token(self) -> bool:
        return bool(self.token)


@dataclass
class Planted:
    program: Program
    person: object
    call: object
    team: object
    encounter: object
    case: object
    task: object
    goal: object
    plan: object
    assessment: object
    sud_referral: object
    care_referral: object
    sud_service: object
    care_service: object
    sharing_consent: object  # care coordination with the referrals' recipients
    grant: object  # a writer's break-the-glass, for the review page
    report_run: object
    writers: dict[str, User]
    readers: list[Reader]
    now: datetime  # when it was planted
    reader_agencies: dict[str, Agency] = field(default_factory=dict)
    call_import: object = None  # a CAD export uploaded and checked on the import page
    call_mapping: object = None  # the mapping saved with it


def _user(role: str, agency: Agency, label: str) -> User:
    return accounts.create_user(
        username=label,
        full_name=f"{Role(role).label} {label.rsplit('-', maxsplit=1)[-1]}",
        agency=agency,
        roles=[role],
        password=PASSWORD,
        acting_user=None,
    )


def _canary_screener(admin) -> None:
    """The C-SSRS screener, one version up, with the person's own words as an answer: the
    shipped questions are all yes or no, and a canary needs words."""
    shipped = Path(encounters.__file__).parent / "instruments" / "cssrs-screener.json"
    definition = copy.deepcopy(json.loads(shipped.read_text()))
    definition["version"] = 900
    definition["questions"].append(
        {
            "key": "own_words",
            "number": "7",
            "text": "In the person's own words",
            "answer": "text",
            "required": False,
        }
    )
    encounters.add_instrument(definition, acting_user=admin)


def _directory(program, key: str, name: str, kind: str, agency: Agency, admin):
    organization = Organization.objects.create(
        program=program, hsds_id=f"org-{key}", name=f"{key} organisation"
    )
    service = Service.objects.create(
        program=program,
        hsds_id=f"svc-{key}",
        organization=organization,
        name=name,
        status=Service.Status.ACTIVE,
        kind=kind,
    )
    referrals.link_partner(organization, agency=agency, acting_user=admin)
    return service


def plant(now: datetime) -> Planted:
    """The person, their records and the readers, planted at `now` (under `walk_clock`)."""
    program = Program.objects.create(name="Walk County Co-Responder Program", slug="walk")

    def agency(name: str, kind: str) -> Agency:
        return Agency.objects.create(program=program, name=name, kind=kind)

    writers_police = agency("Writers police", AgencyKind.LAW_ENFORCEMENT)
    writers_health = agency("Writers health", AgencyKind.BEHAVIORAL_HEALTH)
    writers_ems = agency("Writers EMS", AgencyKind.FIRE_EMS)
    reader_agencies = {
        "police": agency("Reader police", AgencyKind.LAW_ENFORCEMENT),
        "health": agency("Reader health", AgencyKind.BEHAVIORAL_HEALTH),
        "ems": agency("Reader EMS", AgencyKind.FIRE_EMS),
        "partner": agency("Reader partner", AgencyKind.COMMUNITY_ORGANIZATION),
        "recipient": agency("Recipient partner", AgencyKind.COMMUNITY_ORGANIZATION),
    }
    sud_program = agency("Treatment program", AgencyKind.COMMUNITY_ORGANIZATION)

    writers = {
        "desk": _user(Role.DISPATCHER, writers_police, "w-desk-1"),
        "officer": _user(Role.OFFICER, writers_police, "w-officer-2"),
        "clinician": _user(Role.CLINICIAN, writers_health, "w-clinician-3"),
        "emt": _user(Role.EMT, writers_ems, "w-emt-4"),
        "case_manager": _user(Role.CASE_MANAGER, writers_health, "w-casemanager-5"),
        "supervisor": _user(Role.SUPERVISOR, writers_health, "w-supervisor-6"),
        "admin": _user(Role.ADMINISTRATOR, writers_health, "w-admin-7"),
        "police_supervisor": _user(Role.SUPERVISOR, writers_police, "w-supervisor-8"),
    }
    desk, officer, clinician = writers["desk"], writers["officer"], writers["clinician"]
    emt, case_manager, supervisor = writers["emt"], writers["case_manager"], writers["supervisor"]
    _canary_screener(writers["admin"])

    sud_service = _directory(
        program, "treatment", SUD_SERVICE_NAME, Service.Kind.DETOX, sud_program, writers["admin"]
    )
    care_service = _directory(
        program,
        "shelter",
        "Walk shelter beds",
        Service.Kind.CRISIS_STABILIZATION,
        reader_agencies["recipient"],
        writers["admin"],
    )

    # The call, the team, the person.
    person = people.register_person(
        people.PersonIn(
            names=[people.NameIn(given="Demo", family="Canary")],
            date_of_birth=date(1990, 4, 1),
            pronouns="cnryOPpronouns7f3a",
        ),
        acting_user=desk,
    )
    call = calls.take_call(
        calls.CallIn(
            source="911",
            concerns=["suicidal"],
            address="1400 Walk Street",
            latitude=39.76,
            longitude=-104.99,
            person_id=person.pk,
            summary="cnryOPcallsummary7f3a",
            caller_name="cnryOPcorrectedcaller7f3a",
        ),
        acting_user=desk,
    )
    calls.correct_call(
        call,
        changes={"caller_name": "Walk caller", "concerns": ["suicidal", "self_harm"]},
        reason="The caller spelled it",
        acting_user=desk,
    )
    team = dispatch.create_team(
        program,
        name="Walk team",
        agency=writers_police,
        base_latitude=39.764,
        base_longitude=-104.995,
        members=[
            (officer, MemberRole.OFFICER),
            (clinician, MemberRole.CLINICIAN),
            (emt, MemberRole.EMT),
        ],
        acting_user=None,
    )
    dispatch.add_shift(
        team, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=8), acting_user=None
    )
    dispatch.dispatch_team(call, team, acting_user=desk)
    dispatch.move_status(team, "on_scene", acting_user=officer)
    call.refresh_from_db()

    # What each writer knows of the person, on the record.
    people.update_person(
        person, changes={"safety_concerns": "cnryPSperson7f3a"}, acting_user=officer
    )
    people.update_person(
        person,
        changes={"clinical_summary": "cnryCLsummary7f3a", "follow_up_needs": "cnryCCfollowup7f3a"},
        acting_user=clinician,
    )
    people.add_note(person, data_class=CLINICAL, body="cnryCLpersonnote7f3a", acting_user=clinician)
    writers_part2 = privacy.record_consent(
        person,
        kind=Consent.Kind.PART2,
        data_classes=[SUD_PART2],
        recipient_agencies=[writers_health],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=30),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=clinician,
    )
    people.update_person(
        person, changes={"substance_use_treatment": "cnrySUDperson7f3a"}, acting_user=clinician
    )
    _ehr_summary(person, clinician, now)
    # Each writer corrects a value and puts it back: the history holds both, in its class.
    for writer, name, planted, corrected in (
        (officer, "safety_concerns", "cnryPSperson7f3a", "cnryPSedited7f3a"),
        (clinician, "clinical_summary", "cnryCLsummary7f3a", "cnryCLedited7f3a"),
        (clinician, "substance_use_treatment", "cnrySUDperson7f3a", "cnrySUDedited7f3a"),
        (clinician, "follow_up_needs", "cnryCCfollowup7f3a", "cnryCCedited7f3a"),
    ):
        for value in (corrected, planted):
            person.refresh_from_db()
            people.edit_person(
                person,
                people.PersonEdit(revision=person.revision, fields={name: value}),
                acting_user=writer,
            )

    # The encounter: every section, the screener, the safety plan, a disposition.
    encounter = encounters.start_encounter(call, acting_user=clinician)
    sections = {
        "safety": (officer, {"narrative": "cnryPSsection7f3a"}),
        "clinical": (clinician, {"behaviour": "cnryCLnote7f3a"}),
        "substance_use": (clinician, {"treatment": "cnrySUDsection7f3a"}),
        "medical": (emt, {"observations": "cnryCLmedical7f3a"}),
    }
    for kind, (writer, content) in sections.items():
        encounters.save_section(encounter, kind, content=content, acting_user=writer)
        encounters.sign_section(encounter, kind, acting_user=writer)
    assessment = encounters.record_assessment(
        encounter,
        instrument_key="cssrs-screener",
        answers={
            "wish_dead": True,
            "suicidal_thoughts": False,
            "behavior": False,
            "own_words": "cnryCLcssrs7f3a",
        },
        acting_user=clinician,
    )
    encounters.record_assessment(
        encounter,
        instrument_key="stanley-brown-safety-plan",
        answers={"warning_signs": ["cnryCLsafetyplan7f3a"]},
        acting_user=clinician,
    )

    # Referrals: care coordination to a shelter, and one to a substance-use service.
    sharing = privacy.record_consent(
        person,
        kind=Consent.Kind.GENERAL,
        data_classes=[CARE_COORDINATION],
        recipient_agencies=[reader_agencies["recipient"], sud_program],
        purpose=Consent.Purpose.REFERRAL,
        starts_at=now - timedelta(minutes=5),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=clinician,
    )
    care_referral = referrals.send_referral(
        encounter,
        service=care_service,
        need="cnryCCreferralneed7f3a",
        contact="cnryCCreferralcontact7f3a",
        acting_user=clinician,
    )
    sud_referral = referrals.send_referral(
        encounter, service=sud_service, need="cnrySUDreferralneed7f3a", acting_user=clinician
    )
    issued = accounts.create_api_token(
        agency=reader_agencies["recipient"],
        name="Recipient partner system",
        acting_user=None,
        # Every FHIR type in scope: the walk asks the FHIR API as this token too.
        scopes=["patient/*.read"],
    )
    referrals.move_referral(
        care_referral,
        to="accepted",
        principal=Principal(user=_user(Role.PARTNER, reader_agencies["recipient"], "w-partner-9")),
    )
    encounters.set_disposition(
        encounter,
        encounters.DispositionIn(
            "referred_voluntary",
            destination="Walk shelter",
            interventions=["safety_planning"],
            interventions_note="cnryOPinterventions7f3a",
        ),
        acting_user=clinician,
    )
    encounters.complete_encounter(encounter, acting_user=clinician)
    dispatch.move_status(team, "officer_cleared", acting_user=officer)
    team.refresh_from_db()
    # The team's return closes the call: the desk works open calls only, and the walk
    # reads a closed one.
    dispatch.move_status(team, "available", acting_user=clinician)
    call.refresh_from_db()
    assert call.state == "closed", call.state

    # Follow-up: the case, its care coordination, its clinical goal and safety plan.
    # The case stays in the queue (its readers triage it on their worklist); the writing
    # case manager works it from the person's care team.
    case = Case.objects.get(person=person)
    privacy.add_to_care_team(person, member=case_manager, acting_user=supervisor)
    cases.log_contact(
        case,
        cases.ContactIn("phone", "reached", note="cnryCCcontactnote7f3a"),
        acting_user=case_manager,
    )
    goal = cases.set_goal(case, text="cnryCLgoal7f3a", acting_user=case_manager)
    task = cases.add_task(
        case,
        cases.TaskIn(title="Call back", due_at=now + timedelta(days=2)),
        acting_user=case_manager,
    )
    cases.revise_safety_plan(
        person,
        answers={
            "warning_signs": ["cnryCLsafetyplan7f3a"],
            "internal_coping": ["Walk the dog"],
            "professionals": [{"name": "988 Lifeline", "phone": "988"}],
            "safe_environment": ["Medicines kept by a neighbour"],
        },
        note="Revised with the person",
        acting_user=case_manager,
    )

    # A response plan with its safety summary, approved.
    plan = encounters.save_plan(
        person,
        encounters.PlanIn(
            review_by=timezone.localdate(now) + timedelta(days=90),
            safety_concerns="cnryPSplan7f3a",
            triggers="Sirens",
            calming="Quiet voice",
            baseline="cnryCLplanbaseline7f3a",
        ),
        acting_user=clinician,
    )
    plan = encounters.approve_plan(plan, acting_user=supervisor)

    # A writer's break-the-glass waits for review; the Part 2 consent the writers used ends.
    grant = privacy.break_the_glass(
        person, acting_user=writers["police_supervisor"], reason="Person missing, at risk tonight"
    )
    privacy.revoke_consent(writers_part2, acting_user=clinician, note="Written; no longer needed")

    report_run = _report(writers["supervisor"], now)

    readers = [
        Reader("dispatcher", Role.DISPATCHER, reader_agencies["police"]),
        Reader("officer", Role.OFFICER, reader_agencies["police"]),
        Reader("police supervisor", Role.SUPERVISOR, reader_agencies["police"]),
        Reader("clinician", Role.CLINICIAN, reader_agencies["health"]),
        Reader("case manager", Role.CASE_MANAGER, reader_agencies["health"]),
        Reader("health supervisor", Role.SUPERVISOR, reader_agencies["health"]),
        Reader("emt", Role.EMT, reader_agencies["ems"]),
        Reader("partner", Role.PARTNER, reader_agencies["partner"]),
        Reader("evaluator", Role.EVALUATOR, reader_agencies["health"]),
        Reader("administrator", Role.ADMINISTRATOR, reader_agencies["health"]),
        Reader("queue clinician", Role.CLINICIAN, writers_health, standing="queue"),
        Reader("queue case manager", Role.CASE_MANAGER, writers_health, standing="queue"),
        Reader(
            "recipient partner", Role.PARTNER, reader_agencies["recipient"], standing="recipient"
        ),
        Reader(
            "recipient token",
            Role.PARTNER,
            reader_agencies["recipient"],
            token=issued.secret,
            token_prefix=issued.token.prefix,
            standing="recipient",
        ),
    ]
    for number, reader in enumerate(readers, start=20):
        if not reader.is_token:
            slug = reader.label.replace(" ", "")
            reader.user = _user(reader.role, reader.agency, f"r-{slug}-{number}")
    person.refresh_from_db()
    administrator = next(r.user for r in readers if r.role == Role.ADMINISTRATOR)
    call_import, call_mapping = _checked_import(administrator, reader_agencies["police"])
    return Planted(
        program=program,
        person=person,
        call=call,
        team=team,
        encounter=encounter,
        case=case,
        task=task,
        goal=goal,
        plan=plan,
        assessment=assessment,
        sud_referral=sud_referral,
        care_referral=care_referral,
        sud_service=sud_service,
        care_service=care_service,
        sharing_consent=sharing,
        grant=grant,
        report_run=report_run,
        writers=writers,
        readers=readers,
        now=now,
        reader_agencies=reader_agencies,
        call_import=call_import,
        call_mapping=call_mapping,
    )


def _ehr_summary(person, clinician, now: datetime) -> None:
    """The person's EHR bundle imported by the clinician: a clinical condition and a
    substance-use one (ICD-10 F11), matched to the person by name and date of birth."""
    subject = {"reference": "urn:uuid:walk-patient"}

    def condition(resource_id: str, code: str, text: str) -> dict:
        return {
            "fullUrl": f"urn:uuid:{resource_id}",
            "resource": {
                "resourceType": "Condition",
                "id": resource_id,
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}],
                    "text": text,
                },
                "subject": subject,
            },
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:walk-patient",
                "resource": {
                    "resourceType": "Patient",
                    "id": "walk-patient",
                    "name": [{"given": ["Demo"], "family": "Canary"}],
                    "birthDate": "1990-04-01",
                },
            },
            condition("walk-depression", "F32.1", "cnryCLehrcondition7f3a"),
            condition("walk-opioid", "F11.20", "cnrySUDehrcondition7f3a"),
        ],
    }
    read = importer.read_bundle(json.dumps(bundle).encode(), today=timezone.localdate(now))
    report = interop.import_fhir_bundle(read, source="Walk EHR", acting_user=clinician)
    assert report.persons_matched == [("Patient/walk-patient", person.pk, "search")], report


def _report(supervisor, now: datetime):
    """The program report, made as a supervisor asks for it (its PDF is walked too)."""
    from coresponder.analytics.models import ReportRun

    client = Client()
    client.force_login(supervisor)
    today = timezone.localdate(now)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/outcomes/report/",
            {"first_day": today - timedelta(days=30), "last_day": today},
        )
    assert response.status_code == 302, response.content[:2000]
    run = ReportRun.objects.get(program=supervisor.agency.program)
    assert run.pdf, run.status
    return run


def _checked_import(administrator, agency):
    """A crisis export uploaded on the import page, started from the shipped mapping and
    checked (so its rejected rows and its mapping download), as an administrator does."""
    client = Client()
    client.force_login(administrator)
    with tempfile.TemporaryDirectory() as folder:
        content = write_crisis_export(Path(folder) / "crisis.csv", 20).read_bytes()
    response = client.post(
        "/imports/calls/",
        {
            "file": SimpleUploadedFile("crisis.csv", content + b"E-bad,20x1,May,Monday,1,x,y,No\n"),
            "agency": agency.pk,
            "encoding": "utf-8-sig",
            "delimiter": ",",
            "start": "shipped:police-crisis-data",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    made = CallImport.objects.get(program=agency.program)
    form = client.get(response.url).context["form"]
    fields = {name: form[name].value() for name in form.fields}
    fields = {key: value for key, value in fields.items() if value is not None}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(response.url, {**fields, "action": "check"})
    made.refresh_from_db()
    assert made.status == CallImport.Status.CHECKED, made.error
    assert made.rejected == 1
    return made, CallMapping.objects.get(program=agency.program)
