"""Schemathesis against the whole API, in-process: every operation, with an agency's token
and with a signed-in session (and its CSRF token), on the demo program's records.

Bounded and deterministic: a fixed number of examples per operation, derandomized, no
shrinking; the whole run takes about a minute on two cores. It asserts no answer is a
5xx and every answer is what the OpenAPI document says: a documented status, the
documented content type, a body that fits its schema.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Agency, AgencyKind, User
from coresponder.calls.models import Call
from coresponder.cases.models import Case, Goal, Task
from coresponder.demo.generator import DEMO_PASSWORD, build_demo_program
from coresponder.dispatch.models import MemberRole, Team
from coresponder.encounters.models import Assessment, Encounter, ResponsePlan
from coresponder.privacy.models import Consent
from coresponder.referrals.models import Referral

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The demo program and the requests stand at a fixed time (the clock ticks on from it).
DEMO_NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def demo_clock():
    with freeze_time(DEMO_NOW, tick=True) as clock:
        yield clock


EXAMPLES_PER_OPERATION = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextmanager
def served_in_process():
    """The real WSGI handler, in the test's thread and transaction: as Django's test client
    does, a request must not close the connection the test's transaction lives on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def known_ids(program) -> tuple[dict, User]:
    """Path parameters that name real records, so operations reach their code, not a 404,
    and a clinician of the encounter's team, who may work on them."""
    encounter = (
        Encounter.objects.filter(
            program=program,
            call__person__isnull=False,
            team__members__role=MemberRole.CLINICIAN,
        )
        .exclude(referrals=None)
        .select_related("call")
        .order_by("created_at")
        .first()
    )
    person_id = encounter.call.person_id
    case = Case.objects.filter(person_id=person_id).first() or Case.objects.first()
    referral = Referral.objects.filter(encounter=encounter).order_by("created_at").first()
    ids = {
        "call_id": encounter.call_id,
        "encounter_id": encounter.pk,
        "person_id": person_id,
        "team_id": Team.objects.filter(program=program).order_by("pk").first().pk,
        "case_id": case.pk,
        "referral_id": referral.pk,
        "service_id": referral.service_id,
    }
    optional = {
        "task_id": Task.objects.filter(case=case).order_by("due_at").first(),
        "goal_id": Goal.objects.filter(case=case).first(),
        "plan_id": ResponsePlan.objects.order_by("created_at").first(),
        "consent_id": Consent.objects.filter(person_id=person_id).first(),
        "assessment_id": Assessment.objects.filter(encounter=encounter).first(),
    }
    ids |= {name: found.pk for name, found in optional.items() if found is not None}
    clinician = encounter.team.members.filter(role=MemberRole.CLINICIAN).first().user
    return ids, clinician


def session_of(client, user: User, password: str) -> tuple[dict, dict]:
    """A signed-in session's cookies, and the header carrying its CSRF token."""
    client.get("/login/")
    signed_in = client.post("/login/", {"username": user.username, "password": password})
    assert signed_in.status_code == 302
    cookies = {
        name: client.cookies[name].value
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    }
    return cookies, {"X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME]}


def run_every_operation(schema, ids: dict, *, headers: dict, cookies: dict) -> tuple[int, list]:
    sent: list = []
    failures: list = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {parameter.name for parameter in operation.path_parameters}
        fixed = {name: str(value) for name, value in ids.items() if name in names}
        strategy = operation.as_strategy(path_parameters=fixed or None)
        examples_of(operation.label, strategy, headers, cookies, sent, failures)()
    return sent, failures


def examples_of(label, strategy, headers, cookies, sent, failures):
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case):
        try:
            response = case.call(headers=headers, cookies=cookies)
            sent.append(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, FailureGroup) as failure:  # each is collected, then shown together
            failures.append(f"{label}: {failure}")

    return send


def test_every_operation_answers_as_documented_with_a_token_and_with_a_session(client):
    # given the demo program, an agency's API token and a clinician of a team, signed in
    demo = build_demo_program(now=DEMO_NOW, history=False)
    police = Agency.objects.get(
        program=demo.program, kind=AgencyKind.LAW_ENFORCEMENT, name__contains="Police"
    )
    token = create_api_token(agency=police, name="Fuzzing", acting_user=None)
    ids, clinician = known_ids(demo.program)
    cookies, csrf = session_of(client, clinician, DEMO_PASSWORD)
    started = time.monotonic()

    # when schemathesis sends every operation, as the token and as the session
    with served_in_process() as app:
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
        as_token = run_every_operation(
            schema, ids, headers={"Authorization": f"Bearer {token.secret}"}, cookies={}
        )
        as_session = run_every_operation(schema, ids, headers=csrf, cookies=cookies)

    # then no answer was a 5xx or unlike the document
    elapsed = time.monotonic() - started
    operations = len(list(schema.get_all_operations()))
    print(  # the run's size, for the record
        f"schemathesis: {operations} operations, {len(as_token[0])} examples with a token "
        f"{sorted(Counter(as_token[0]).items())}, {len(as_session[0])} with a session "
        f"{sorted(Counter(as_session[0]).items())}, in {elapsed:.0f} s"
    )
    assert as_token[1] + as_session[1] == []
    assert Call.objects.filter(program=demo.program).count() > 0
