from __future__ import annotations

import csv
import io

import pytest

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import events

pytestmark = pytest.mark.django_db


def test_reads_outside_the_holding_agency_are_listed_with_their_basis(
    client, crew, person, sign_in
):
    # given the person consents to the partner receiving their contact details
    consent = share_care_coordination(
        person, with_agency=crew["partner"].agency, recorded_by=crew["clinician"]
    )

    # when the partner opens the record, and the registering agency's own dispatcher does
    sign_in(crew["partner"])
    assert client.get(f"/people/{person.pk}/").status_code == 200
    sign_in(crew["dispatcher"])
    assert client.get(f"/people/{person.pk}/").status_code == 200

    # then the accounting lists the partner's read, under the consent, and not the dispatcher's
    sign_in(crew["supervisor"])
    page = client.get(f"/people/{person.pk}/disclosures/").content.decode()
    exported = client.get(f"/people/{person.pk}/disclosures/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))

    partner_rows = [row for row in rows if row["recipient"] == crew["partner"].username]
    assert len(partner_rows) == 1
    assert partner_rows[0]["agency"] == crew["partner"].agency.name
    assert "care_coordination" in partner_rows[0]["information"]
    assert (
        f"General (HIPAA authorisation) consent of {consent.starts_at:%Y-%m-%d}"
        in (partner_rows[0]["basis"])
    )
    assert crew["dispatcher"].username not in {row["recipient"] for row in rows}
    assert crew["partner"].username in page


def test_only_supervisors_and_administrators_read_the_accounting(
    client, crew, person, sign_in, make_user
):
    sign_in(crew["officer"])
    assert client.get(f"/people/{person.pk}/disclosures/").status_code == 403
    sign_in(make_user(Role.ADMINISTRATOR))
    assert client.get(f"/people/{person.pk}/disclosures/").status_code == 200


EVERY_CLASS = ["care_coordination", "clinical", "operational", "public_safety", "sud_part2"]


@pytest.mark.parametrize(
    ("path", "channel", "shown"),
    [
        ("/people/{id}/", "page:person", EVERY_CLASS),
        ("/people/{id}/record.csv", "csv:person_record", EVERY_CLASS),
        ("/api/v1/persons/{id}", "api:person", EVERY_CLASS),
        # Pages that show only who the person is read, and log, only that.
        ("/people/{id}/consents/", "page:consents", ["operational"]),
        ("/api/v1/persons/{id}/consents", "api:consents", ["operational"]),
        ("/people/{id}/disclosures/", "page:disclosures", ["operational"]),
    ],
)
def test_every_path_that_shows_a_person_writes_one_read_entry(
    client, crew, person, sign_in, path, channel, shown
):
    reader = crew["supervisor" if "disclosures" in path else "clinician"]
    sign_in(reader)
    before = AuditEntry.objects.filter(action=events.PERSON_READ).count()

    response = client.get(path.format(id=person.pk))

    assert response.status_code == 200
    reads = list(AuditEntry.objects.filter(action=events.PERSON_READ).order_by("seq")[before:])
    assert len(reads) == 1
    entry = reads[0]
    assert (entry.object_id, entry.actor_username, entry.detail["channel"]) == (
        str(person.pk),
        reader.username,
        channel,
    )
    assert entry.fields == shown
    assert entry.detail["part2_notice"] is ("sud_part2" in shown)


def test_the_accounting_leaves_out_what_its_reader_may_not_read(
    client, crew, person, sign_in, make_user
):
    # given the clinician's agency, named in the Part 2 consent, is not the holder: its
    # read of the Part 2 section is a disclosure
    sign_in(crew["clinician"])
    client.get(f"/people/{person.pk}/")

    # when an administrator, who may not read Part 2 information, opens the accounting
    sign_in(make_user(Role.ADMINISTRATOR))
    page = client.get(f"/people/{person.pk}/disclosures/").content.decode()

    # then that disclosure is counted, not shown
    assert crew["clinician"].username not in page
    assert "more disclosure included information your role may not read" in page
    assert "sud_part2" not in page
