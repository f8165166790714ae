"""The imported health summary on the person page and the encounter's field view: to those
who may read the clinical class, Part 2 lines only under a Part 2 consent, never to officers
or partners; each read audited by the gate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.encounters.tests.fixtures import part2_consent
from coresponder.interop.fhir.summary import health_summary
from coresponder.privacy import actions as privacy

from .test_fhir_import import (
    ALLERGY,
    MEDICATION,
    bundle,
    condition,
    encounter,
    patient,
    run,
)

pytestmark = pytest.mark.django_db

CLINICAL = "cnryCLehrcondition"
PART2 = "cnrySUDehrcondition"
MEDICINE = "Sertraline 50 MG Oral Tablet"
ALLERGEN = "Penicillin"
VISIT = "Psychiatric follow-up"
EVERY_LINE = (CLINICAL, PART2, MEDICINE, ALLERGEN, VISIT)


def import_for(person, clinician):
    """The EHR's bundle for `person`, linked by a reviewer (the index has no birth date)."""
    sud = condition(
        "c-sud", code="F10.20", display=PART2, onsetDateTime="2019-06-01T00:00:00+00:00"
    )
    sud["code"]["coding"][0]["system"] = "http://hl7.org/fhir/sid/icd-10-cm"
    raw = bundle(
        patient(given="Demo", family="Tango"),
        encounter(start="2021-01-05T09:00:00+00:00"),
        encounter("enc-2", start="2018-03-01T09:00:00+00:00"),
        condition("c-1", display=CLINICAL),
        sud,
        MEDICATION,
        ALLERGY,
    )
    run(raw, clinician, links={"pt-1": person.pk})


def test_the_clinician_on_the_care_team_sees_the_summary_with_source_and_date(
    client, crew, person, sign_in
):
    import_for(person, crew["clinician"])
    sign_in(crew["clinician"])

    page = client.get(f"/people/{person.pk}/").content.decode()

    assert 'data-testid="health-summary"' in page
    for text in EVERY_LINE:
        assert text in page
    assert "Imported from County EHR." in page
    assert "2020-05-01" in page  # the condition's onset
    assert "2019-02-03" in page  # the allergy recorded on a date alone, shown as that day
    # the last visit is the latest, with its date and source
    assert (
        '<p data-testid="last-ehr-visit"><strong>Last EHR visit:</strong> Psychiatric follow-up '
        '<span class="card__meta">2021-01-05 · County EHR</span></p>'
    ) in page
    # Part 2 under the clinician agency's Part 2 consent, with its notice
    assert page.count("42 CFR Part 2 — re-disclosure prohibited.") == 2  # record, summary
    reads = AuditEntry.objects.filter(
        action="interop.health_summary_read", actor_id=crew["clinician"].pk
    )
    assert reads.count() == 6  # one per line shown (two visits, four others)
    assert {entry.detail["channel"] for entry in reads} == {"page:person"}


@pytest.mark.parametrize("role", ["officer", "partner", "dispatcher", "emt"])
def test_officers_partners_and_others_do_not_see_it(client, crew, person, sign_in, role):
    import_for(person, crew["clinician"])
    sign_in(crew[role])

    response = client.get(f"/people/{person.pk}/")

    page = response.content.decode()
    assert response.status_code in (200, 404)
    assert 'data-testid="health-summary"' not in page
    for text in EVERY_LINE:
        assert text not in page
    assert not AuditEntry.objects.filter(action="interop.health_summary_read").exists()


def test_a_clinician_without_the_part2_consent_sees_the_clinical_lines_only(
    client, crew, person, sign_in, make_user, agencies
):
    import_for(person, crew["clinician"])
    hospital = make_user(Role.CLINICIAN, agency=agencies["hospital"])
    privacy.add_to_care_team(person, member=hospital, acting_user=crew["clinician"])
    sign_in(hospital)

    page = client.get(f"/people/{person.pk}/").content.decode()

    assert CLINICAL in page
    assert MEDICINE in page
    assert PART2 not in page
    assert "re-disclosure prohibited" not in page
    # read outside the agency that imported it: a disclosure, in the audit entry
    (entry,) = AuditEntry.objects.filter(
        action="interop.health_summary_read", actor_id=hospital.pk, detail__channel="page:person"
    ).filter(object_id=str(person.pk))[:1]
    assert entry.detail["disclosed"] == "health_record:clinical"


def test_the_summary_groups_lines_active_and_newest_first(crew, person):
    import_for(person, crew["clinician"])

    summary = health_summary(crew["clinician"], person.pk, channel="test")

    assert [line.text for line in summary.conditions] == [CLINICAL, PART2]
    assert [line.text for line in summary.medications] == [MEDICINE]
    assert [line.text for line in summary.allergies] == [ALLERGEN]
    assert summary.last_visit.text == VISIT
    assert summary.last_visit.started_at == datetime(2021, 1, 5, 9, tzinfo=UTC)
    assert summary.notice.startswith("This record which has been disclosed to you")
    assert summary.sources == ["County EHR"]


def test_the_field_view_shows_it_to_the_clinician_and_not_the_officer(client, on_scene, sign_in):
    scene = on_scene()
    part2_consent(scene)
    import_for(scene.person, scene.clinician)
    url = f"/encounters/{scene.encounter.pk}/field/"

    sign_in(scene.clinician)
    clinician_page = client.get(url).content.decode()
    sign_in(scene.officer)
    officer_page = client.get(url).content.decode()

    for text in EVERY_LINE:
        assert text in clinician_page
        assert text not in officer_page
    assert "Last EHR visit" in clinician_page
    assert "Last EHR visit" not in officer_page
