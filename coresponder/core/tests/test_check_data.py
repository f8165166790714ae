"""`coresponder check data` lists the stored times outside their program's bounds, one row
each (table, id, field, value), and exits 1 when there are any."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coresponder.calls.models import Call
from coresponder.cases import actions as cases
from coresponder.cases.models import Case, ContactAttempt, Task
from coresponder.encounters import actions as encounters

pytestmark = pytest.mark.django_db

EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
FUTURE = "In the future: what has happened cannot be later than now."
AHEAD = "More than ten years ahead: check the year."


def check_data() -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("check", "data", stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def followed(on_scene):
    """A call seen through to a case with its first-contact task and one contact."""
    scene = on_scene()
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("referred_voluntary", destination="Crisis walk-in clinic"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    case = Case.objects.get(encounter=scene.encounter)
    cases.log_contact(case, cases.ContactIn("phone", "no_answer"), acting_user=scene.clinician)
    return scene, case


def test_times_stored_outside_the_bounds_are_listed_and_the_check_fails(followed, take_call):
    # given: times no entry point takes any more, stored by hand
    scene, case = followed
    later = take_call()
    first = datetime.min.replace(tzinfo=UTC)
    Call.objects.filter(pk=scene.call.pk).update(received_at=first)
    Call.objects.filter(pk=later.pk).update(received_at=datetime(2999, 1, 1, tzinfo=UTC))
    ContactAttempt.objects.filter(case=case).update(at=datetime(1985, 6, 1, 12, tzinfo=UTC))
    Task.objects.filter(case=case).update(due_at=datetime.max.replace(tzinfo=UTC))
    contact = ContactAttempt.objects.get(case=case)
    task = Task.objects.get(case=case)

    # when
    out, error = check_data()

    # then
    assert out.splitlines() == [
        "table\tid\tfield\tvalue\tprogram\treason",
        f"calls_call\t{scene.call.pk}\treceived_at\t0001-01-01T00:00:00+00:00\ttest-county\t"
        + EARLIEST,
        f"calls_call\t{later.pk}\treceived_at\t2999-01-01T00:00:00+00:00\ttest-county\t" + FUTURE,
        f"cases_contactattempt\t{contact.pk}\tat\t1985-06-01T12:00:00+00:00\ttest-county\t"
        + EARLIEST,
        f"cases_task\t{task.pk}\tdue_at\t9999-12-31T23:59:59.999999+00:00\ttest-county\t" + AHEAD,
    ]
    assert error is not None
    assert error.returncode == 1
    assert str(error) == (
        "4 stored times outside the programs' bounds: correct them (or lower a program's "
        "earliest date) and check again."
    )


def test_nothing_outside_the_bounds_passes(followed, take_call):
    take_call()

    out, error = check_data()

    assert error is None
    assert out == "No stored time lies outside its program's bounds.\n"


def test_check_alone_still_runs_djangos_system_checks():
    out = StringIO()

    call_command("check", stdout=out)

    assert out.getvalue().startswith("System check identified no issues (")
