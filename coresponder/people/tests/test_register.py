from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.people import events
from coresponder.people.models import Person
from coresponder.testing.naughty import check_naughty_strings

pytestmark = pytest.mark.django_db


def create(client, body):
    return client.post("/api/v1/persons", body, content_type="application/json")


def test_a_dispatcher_registers_a_person_through_the_api(client, make_user, sign_in):
    dispatcher = make_user(Role.DISPATCHER)
    sign_in(dispatcher)

    response = create(
        client,
        {
            "names": [{"given": "Demo", "family": "Romeo"}, {"given": "Ro", "kind": "alias"}],
            "date_of_birth": "1990-05-01",
            "languages": ["es"],
            "veteran_status": "veteran",
            "identifiers": [{"system": "state_id", "issuer": "State DMV", "value": "D123-456"}],
            "safety_concerns": "Dog on premises.",
        },
    )

    assert response.status_code == 201
    person = Person.objects.get(pk=response.json()["id"])
    assert person.registered_by_agency == dispatcher.agency
    assert sorted(n.given for n in person.names.all()) == ["Demo", "Ro"]
    assert person.identifiers.get().normalised == "D123456"
    entry = AuditEntry.objects.get(action=events.PERSON_REGISTERED)
    assert entry.fields == ["operational", "public_safety"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"names": [{"given": "", "family": ""}]}, "names", "at least a given or a family name"),
        (
            {
                "names": [{"family": "Romeo"}],
                "identifiers": [{"system": "state_id", "issuer": "DMV", "value": "<script>"}],
            },
            "identifiers",
            "is not an identifier",
        ),
        (
            {
                "names": [{"family": "Romeo"}],
                "identifiers": [{"system": "state_id", "issuer": " ", "value": "X1"}],
            },
            "identifiers",
            "Say which system issued",
        ),
        (
            {"names": [{"family": "Romeo"}], "date_of_birth": "2999-01-01"},
            "date_of_birth",
            "in the future",
        ),
    ],
)
def test_bad_persons_are_refused_with_the_reason_and_nothing_saved(
    client, make_user, sign_in, body, field, message
):
    sign_in(make_user(Role.DISPATCHER))

    response = create(client, body)

    assert response.status_code == 400
    assert any(message in text for text in response.json()["fields"][field])
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(action=events.PERSON_REGISTERED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "names": [{"family": "Romeo"}],
                "identifiers": [{"system": "passport", "issuer": "DMV", "value": "X1"}],
            },
            "identifiers.0.system",
        ),
        ({"names": [{"family": "Romeo"}], "flags": ["dangerous"]}, "flags.0"),
        ({"names": [{"family": "Romeo", "kind": "nickname"}]}, "names.0.kind"),
    ],
)
def test_a_value_off_its_list_is_invalid_and_nothing_saved(client, make_user, sign_in, body, field):
    sign_in(make_user(Role.DISPATCHER))

    response = create(client, body)

    assert response.status_code == 422
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid", [field])
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(action=events.PERSON_REGISTERED).exists()


def test_a_dispatcher_may_not_record_clinical_information(client, make_user, sign_in):
    sign_in(make_user(Role.DISPATCHER))

    response = create(
        client, {"names": [{"family": "Romeo"}], "clinical_summary": "Seems depressed."}
    )

    assert response.status_code == 403
    assert response.json()["fields"] == {"data_classes": ["clinical"]}
    assert not Person.objects.exists()


def test_malformed_input_gets_the_error_shape(client, make_user, sign_in):
    sign_in(make_user(Role.DISPATCHER))

    response = create(client, {"names": "Romeo"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "names" in response.json()["fields"]


@pytest.mark.slow
def test_note_bodies_survive_every_naughty_string(client, crew, person, sign_in):
    sign_in(crew["clinician"])

    def submit(value: str):
        before = person.notes.count()
        response = client.post(
            f"/people/{person.pk}/notes/", {"data_class": "clinical", "body": value}
        )
        if person.notes.count() == before:
            return type("Refused", (), {"status_code": 400})(), None
        return response, person.notes.order_by("-created_at").first().body

    def rejection(value: str):
        cleaned = value.strip()
        if "\x00" in cleaned:
            return "null character"
        return None if cleaned else "required"

    report = check_naughty_strings(submit=submit, expected_rejection=rejection)

    page = client.get(f"/people/{person.pk}/").content.decode()
    from django.utils.html import escape

    shown = sum(escape(body).replace("\n", "<br>") in page for body in report.stored)
    assert shown == len(report.stored)
