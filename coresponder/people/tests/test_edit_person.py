"""Correcting a person's record through its page (issue 18, item 3): who may edit what,
the warnings on names and phones, the history, and search forgetting a corrected name."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from coresponder.accounts.models import Role
from coresponder.core.exceptions import PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.people import actions as people
from coresponder.people import events
from coresponder.people.models import Person, PersonChange, PersonName

from .fixtures import CLINICAL_TEXT, PHONE

pytestmark = pytest.mark.django_db


def edit_url(person) -> str:
    return f"/people/{person.pk}/edit/"


def form_of(client, person) -> dict:
    """What the edit page sends back unchanged: each field's current value."""
    page = client.get(edit_url(person)).content.decode()
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if kind and kind.group(1) in ("checkbox", "radio"):
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = body.strip("\n")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def edits() -> int:
    return AuditEntry.objects.filter(action=events.PERSON_EDITED).count()


def search(client, name: str) -> str:
    return client.get("/people/", {"name": name}, HTTP_HX_REQUEST="true").content.decode()


def test_a_name_typed_with_a_date_is_corrected_and_search_forgets_it(client, crew, sign_in):
    # given a person registered with the date of birth typed into the family name
    dispatcher = crew["dispatcher"]
    person = people.register_person(
        people.PersonIn(names=[people.NameIn(given="Demo", family="Yankee 03151994")]),
        acting_user=dispatcher,
    )
    sign_in(dispatcher)
    assert f"/people/{person.pk}/" in search(client, "Yankee")

    # when the dispatcher corrects the name and enters the date of birth
    data = form_of(client, person)
    data.update(family="Zulu", date_of_birth="1994-03-15")
    response = client.post(edit_url(person), data)

    # then the record holds the correction, and search offers the new name only
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    [name] = PersonName.objects.filter(person=person)
    assert (name.given, name.family, name.family_key) == ("Demo", "Zulu", "zulu")
    person.refresh_from_db()
    assert person.date_of_birth == date(1994, 3, 15)
    assert person.revision == 2
    assert f"/people/{person.pk}/" not in search(client, "Yankee")
    assert f"/people/{person.pk}/" in search(client, "Zulu")
    changes = {
        c.field: (c.before, c.after, c.data_class, c.changed_by_id)
        for c in PersonChange.objects.filter(person=person)
    }
    assert changes == {
        "name:legal": ("Demo Yankee 03151994", "Demo Zulu", "operational", dispatcher.pk),
        "date_of_birth": ("", "1994-03-15", "operational", dispatcher.pk),
    }
    [entry] = AuditEntry.objects.filter(action=events.PERSON_EDITED)
    assert entry.fields == ["date_of_birth:operational", "name:legal:operational"]
    assert entry.detail == {"revision": 2}
    assert entry.actor_username == dispatcher.username


def test_digits_in_a_name_are_asked_about_before_they_are_saved(client, crew, person, sign_in):
    # given the dispatcher on the edit page
    sign_in(crew["dispatcher"])
    data = form_of(client, person)
    assert "confirm_digits" not in data

    # when a name with digits is sent without confirming
    refused = client.post(edit_url(person), {**data, "family": "Tango 2"})

    # then it is refused with a warning and a box to confirm, and nothing changes
    assert refused.status_code == 400
    page = text_of(refused)
    assert "This name has digits in it. Put a date of birth or a phone number in its own" in page
    assert 'name="confirm_digits"' in page
    assert PersonName.objects.get(person=person).family == "Tango"
    assert not PersonChange.objects.exists()
    assert edits() == 0

    # when it is sent again, confirmed
    confirmed = client.post(edit_url(person), {**data, "family": "Tango 2", "confirm_digits": "on"})

    # then it is saved
    assert confirmed.status_code == 302
    assert PersonName.objects.get(person=person).family == "Tango 2"


def test_a_phone_is_normalised_with_its_extension_and_a_bad_one_refused(
    client, crew, person, sign_in
):
    # given the clinician on the person's care team, who may write their contact details
    sign_in(crew["clinician"])
    data = form_of(client, person)
    assert data["phone"] == PHONE  # kept as typed before phones were checked

    # when a number without its area code is sent
    refused = client.post(edit_url(person), {**data, "phone": "555-0100"})

    # then the page says what to fix and nothing changes
    assert refused.status_code == 400
    assert "Give the area code too: 555-0100 has 7 digits, a phone number 10." in text_of(refused)
    person.refresh_from_db()
    assert person.phone == PHONE
    assert edits() == 0

    # when a full number with an extension is sent
    saved = client.post(edit_url(person), {**data, "phone": "(303) 555-0100 ext. 12"})

    # then it is held as E.164 with the extension, and shown as people write it
    assert saved.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+13035550100 x12"
    page = text_of(client.get(f"/people/{person.pk}/"))
    assert "<dt>Phone</dt><dd>(303) 555-0100 x12</dd>" in page


def test_the_history_shows_each_change_only_to_those_who_may_read_it(client, crew, person, sign_in):
    # given the clinician corrects the clinical summary and the family name
    clinician, officer = crew["clinician"], crew["officer"]
    sign_in(clinician)
    data = form_of(client, person)
    corrected = "Recurrent depressive episodes; no current ideation"
    response = client.post(
        edit_url(person), {**data, "clinical_summary": corrected, "family": "Uniform"}
    )
    assert response.status_code == 302

    # when the clinician opens the person
    page = text_of(client.get(f"/people/{person.pk}/"))

    # then the history shows both changes: what, before, after, who
    history = re.findall(
        r'data-field="([^"]+)"><strong>[^<]*</strong>: <del>([^<]*)</del> → <ins>([^<]*)</ins>',
        page,
    )
    assert sorted(history) == [
        ("clinical_summary", CLINICAL_TEXT, corrected),
        ("name:legal", "Demo Tango", "Demo Uniform"),
    ]
    assert f"{clinician.full_name}, " in page

    # when the officer, who may not read clinical information, opens the person
    client.logout()
    sign_in(officer)
    page = text_of(client.get(f"/people/{person.pk}/"))

    # then the officer sees the name change and nothing of the clinical one
    history = re.findall(r'data-field="([^"]+)"><strong>', page)
    assert history == ["name:legal"]
    assert corrected not in page
    assert CLINICAL_TEXT not in page


@pytest.mark.parametrize("role", [Role.PARTNER, Role.ADMINISTRATOR, Role.EVALUATOR])
def test_who_is_not_program_staff_may_not_edit(client, make_user, person, sign_in, role):
    # given someone whose work is not the calls
    sign_in(make_user(role))
    before = Person.objects.get(pk=person.pk)

    # when they open or post the edit page
    opened = client.get(edit_url(person))
    posted = client.post(edit_url(person), {"revision": 1, "given": "X", "family": "Y"})

    # then both are refused and nothing changes
    assert (opened.status_code, posted.status_code) == (403, 403)
    assert PersonName.objects.get(person=person).family == "Tango"
    assert Person.objects.get(pk=person.pk).revision == before.revision
    assert edits() == 0


def test_no_such_person_is_not_found(client, crew, sign_in):
    sign_in(crew["dispatcher"])
    assert client.get(f"/people/{uuid.uuid4()}/edit/").status_code == 404


def test_an_officer_edits_identity_but_not_what_they_may_not_write(client, crew, person, sign_in):
    # given the officer on the call, who may not write clinical or contact information
    officer = crew["officer"]
    sign_in(officer)
    page = client.get(edit_url(person))
    assert page.status_code == 200
    assert 'name="clinical_summary"' not in page.content.decode()
    assert 'name="phone"' not in page.content.decode()
    assert CLINICAL_TEXT not in page.content.decode()
    data = form_of(client, person)

    # when the officer posts clinical and contact fields beside a change of pronouns
    response = client.post(
        edit_url(person),
        {**data, "pronouns": "they/them", "clinical_summary": "changed", "phone": "3035550111"},
    )

    # then only the pronouns change
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.pronouns, person.clinical_summary, person.phone) == (
        "they/them",
        CLINICAL_TEXT,
        PHONE,
    )
    assert list(PersonChange.objects.values_list("field", flat=True)) == ["pronouns"]


def test_the_action_refuses_a_class_the_editor_may_not_write(crew, person):
    # when the officer's edit names the clinical summary
    with pytest.raises(PermissionDenied) as refused:
        people.edit_person(
            person,
            people.PersonEdit(revision=1, fields={"clinical_summary": "changed"}),
            acting_user=crew["officer"],
        )

    # then it is refused, naming the class, and nothing is written
    assert refused.value.fields == {"data_classes": ["clinical"]}
    person.refresh_from_db()
    assert (person.clinical_summary, person.revision) == (CLINICAL_TEXT, 1)
    assert not PersonChange.objects.exists()
    assert edits() == 0


def test_an_edit_from_an_older_revision_is_refused(client, crew, person, sign_in):
    # given two editors who opened the same revision
    sign_in(crew["dispatcher"])
    first = form_of(client, person)
    second = dict(first)
    assert client.post(edit_url(person), {**first, "pronouns": "she/her"}).status_code == 302

    # when the second saves what they typed on the older revision
    response = client.post(edit_url(person), {**second, "pronouns": "he/him"})

    # then it is refused, saying why, and the first change stands
    assert response.status_code == 409
    assert "Someone changed this record after you opened it (revision 2, you opened 1)." in (
        text_of(response)
    )
    person.refresh_from_db()
    assert (person.pronouns, person.revision) == ("she/her", 2)
    assert edits() == 1


def test_saving_nothing_changed_writes_nothing(client, crew, person, sign_in):
    sign_in(crew["clinician"])
    response = client.post(edit_url(person), form_of(client, person))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.revision == 1
    assert not PersonChange.objects.exists()
    assert edits() == 0


def test_an_identifier_is_removed_and_another_added(client, crew, person, sign_in):
    # given the clinician, who may write the clinical identifier (the EHR number)
    sign_in(crew["clinician"])
    data = form_of(client, person)
    [mrn] = person.identifiers.all()

    # when the wrong number is removed and the right one added
    response = client.post(
        edit_url(person),
        {
            **data,
            "remove_identifiers": [str(mrn.pk)],
            "identifier_system": "ehr_mrn",
            "identifier_issuer": "Regional EHR",
            "identifier_value": "MRN-77121",
        },
    )

    # then the record holds the right one, and the history both
    assert response.status_code == 302
    assert list(person.identifiers.values_list("value", flat=True)) == ["MRN-77121"]
    [change] = PersonChange.objects.all()
    assert (change.field, change.data_class, change.before, change.after) == (
        "identifier:ehr_mrn",
        "clinical",
        "MRN-77120 (Regional EHR)",
        "MRN-77121 (Regional EHR)",
    )
