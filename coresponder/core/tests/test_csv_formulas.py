"""The program's CSVs, downloaded as their readers download them, carry no runnable formula."""

from __future__ import annotations

import csv
import io

import pytest

from coresponder.accounts import actions as accounts
from coresponder.accounts.models import Role
from coresponder.people import actions as people
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import AccessRelation
from coresponder.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://127.0.0.1/","open")'


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_persons_record_csv_makes_formula_cells_text(client, sign_in, crew):
    # given a person whose name and safety note start like formulas
    officer = crew["officer"]
    person = people.register_person(
        people.PersonIn(names=[people.NameIn(given=FORMULA, family="Tango")]),
        acting_user=crew["dispatcher"],
    )
    privacy.grant_relation(
        person, kind=AccessRelation.Kind.ON_CALL, user=officer, source="test", acting_user=None
    )
    people.update_person(
        person, changes={"safety_concerns": "-knife in the kitchen"}, acting_user=officer
    )
    sign_in(officer)

    # when the officer downloads the record
    rows = rows_of(client.get(f"/people/{person.pk}/record.csv"))

    # then each such cell begins with a quote, and the rest is as it was
    values = {field: value for _class, field, value in rows[1:]}
    assert values["name (legal)"] == "'" + FORMULA + " Tango"
    assert "'-knife in the kitchen" in values.values()
    assert not [value for value in values.values() if value[:1] in "=+-@\t\r" and value]


def test_the_training_compliance_csv_makes_formula_cells_text(client, sign_in, make_user, agencies):
    # given a user whose name was typed as a formula
    accounts.create_user(
        username="formula-user",
        full_name="\t@SUM(1+1)*cmd|' /C calc'!A0",
        agency=agencies["law_enforcement"],
        roles=[Role.OFFICER],
        password=PASSWORD,
        acting_user=None,
    )
    sign_in(make_user(Role.SUPERVISOR))

    # when a supervisor downloads the compliance list
    rows = rows_of(client.get("/training/compliance.csv"))

    # then the name is text
    header = rows[0]
    names = {row[header.index("username")]: row[header.index("person")] for row in rows[1:]}
    assert names["formula-user"] == "'\t@SUM(1+1)*cmd|' /C calc'!A0"
