"""Intake through the API under load, on PostgreSQL with a program's years of calls loaded.

    .venv/bin/python bench/intake_load.py                 # 1,000,000 calls, 200,000 persons
    .venv/bin/python bench/intake_load.py --keep          # reuse the loaded database
    .venv/bin/python bench/intake_load.py --calls 20000 --persons 5000 --seconds 10

It (re)creates the PostgreSQL database `coresponder_bench_intake` (only databases whose name
starts with `coresponder_bench` are accepted), migrates it, sets up a program with agencies,
staff and teams on duty through the real actions, and loads synthetic persons and closed past
calls (with their audit entries) with COPY. It then starts the real server (`coresponder
serve`, production settings) on a free port of 127.0.0.1 and drives two endpoints with an
open-loop load generator at a fixed arrival rate, latency measured from each request's
scheduled send time: `POST /api/v1/calls` (intake: triage and the recommended teams) and the
baseline `GET /api/v1/me` (the same agency-token authentication, nothing else). A short
closed-loop probe of each then measures the most the server answers per second. Progress goes
to stderr, the figures to stdout. Target (issue 4): p95 under 100 ms, zero errors, intake
throughput at least 0.3 of the baseline's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import queue
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/coresponder_bench_intake"
NAME_PREFIX = "coresponder_bench"
SLUG = "bench-intake"
HOST = "127.0.0.1"
TIMEOUT = 60.0
CHUNK = 100_000

# Synthetic names are made of these words, never of invented personal names.
NATO = [
    "Alfa",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Foxtrot",
    "Golf",
    "Hotel",
    "India",
    "Juliett",
    "Kilo",
    "Lima",
    "Mike",
    "November",
    "Oscar",
    "Papa",
    "Quebec",
    "Romeo",
    "Sierra",
    "Tango",
    "Uniform",
    "Victor",
    "Whiskey",
    "Xray",
    "Yankee",
    "Zulu",
]
# The service area: a box of about 33 by 26 km.
SOUTH, NORTH, WEST, EAST = 39.60, 39.90, -105.10, -104.80

SOURCES = {
    "911": 45,
    "988": 15,
    "non_emergency": 20,
    "officer_initiated": 10,
    "walk_in": 3,
    "cad": 7,
}
CONCERNS = {
    "suicidal": 18,
    "self_harm": 6,
    "anxiety_panic": 12,
    "depression_isolation": 12,
    "psychosis_disorientation": 10,
    "substance_use": 10,
    "trauma_ptsd": 5,
    "grief_loss": 4,
    "youth_in_crisis": 6,
    "veteran_support": 3,
    "resources_request": 6,
    "welfare_check": 14,
}
SCREENING = {
    "weapon": 3,
    "violence_or_threats": 5,
    "medical_emergency": 2,
    "attempt_in_progress": 2,
    "intoxication": 8,
    "minor_involved": 4,
}
RELATIONS = ["self", "family", "friend", "professional", "bystander", "officer", "unknown"]
LANGUAGES = ["", "", "", "", "", "", "", "", "es", "vi"]


def pick(rng: random.Random, weights: dict[str, int], most: int) -> list[str]:
    """Up to `most` distinct values, drawn by weight."""
    chosen = set(rng.choices(list(weights), list(weights.values()), k=most))
    return sorted(chosen)


def concerns_of(rng: random.Random) -> list[str]:
    return pick(rng, CONCERNS, rng.choices((1, 2, 3), (60, 30, 10))[0])


def screening_of(rng: random.Random) -> list[str]:
    return pick(rng, SCREENING, rng.choices((0, 1, 2), (65, 25, 10))[0])


def address_of(rng: random.Random) -> str:
    return f"{rng.randint(100, 9999)} {rng.choice(NATO)} {rng.choice(('Street', 'Avenue'))}"


def place_of(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(SOUTH, NORTH), 5), round(rng.uniform(WEST, EAST), 5)


def summary_of(rng: random.Random, concerns: list[str]) -> str:
    said = ", ".join(concern.replace("_", " ") for concern in concerns)
    return f"Synthetic bench call. Caller reports {said}; call-taker word {rng.choice(NATO)}."


# --- the database -------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str, *, fresh: bool) -> None:
    """Create the bench database if missing; drop it first when `fresh`."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure(url: str) -> None:
    """Production settings, as the server runs them, for this process and the server.

    Plain HTTP on loopback: `SECURE_SSL_REDIRECT=false`, the documented switch. (The
    documented alternative, `COR_BEHIND_TLS_PROXY=true` with `X-Forwarded-Proto: https`,
    does not work under `coresponder serve`: waitress drops that header from a peer it was
    not told to trust, so every request is redirected.) STATIC_ROOT is an empty folder, as
    a collected one would be for the API: it serves no static file.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "coresponder.settings.prod"
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # a new one each run, never stored
    os.environ["ALLOWED_HOSTS"] = HOST
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.pop("COR_BEHIND_TLS_PROXY", None)
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="cor-bench-static-")
    # One token drives the whole load: the API's rate limits (still counted) must not refuse it.
    for kind in ("READ", "WRITE", "CAD"):
        os.environ[f"COR_API_{kind}_RATE"] = "10000000/min"
    sys.path.insert(0, str(REPO))


def set_up_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass
class Staff:
    program: object
    police: object
    admin: object
    dispatcher: object
    rule_set: object


def staff_of(program) -> Staff:
    from coresponder.accounts.models import Agency, User
    from coresponder.calls.actions import rules_in_force

    return Staff(
        program=program,
        police=Agency.objects.get(program=program, kind=Agency.Kind.LAW_ENFORCEMENT),
        admin=User.objects.get(username="bench-admin"),
        dispatcher=User.objects.get(username="bench-dispatcher"),
        rule_set=rules_in_force(program),
    )


def set_up_program(teams: int, rng: random.Random) -> Staff:
    """Program, agencies, staff and teams on duty, through the real actions: they are few."""
    from coresponder.accounts import actions as accounts
    from coresponder.accounts.models import Agency, Course, Program, Role
    from coresponder.accounts.training import today_in
    from coresponder.dispatch import actions as dispatch
    from coresponder.dispatch.models import MemberRole, ServiceArea

    kind = Agency.Kind
    program = Program.objects.create(
        name="Bench Intake County Co-Responder Program", slug=SLUG, time_zone="America/Denver"
    )
    police, health, fire = (
        Agency.objects.create(program=program, name=name, kind=agency_kind)
        for name, agency_kind in (
            ("Bench Police Department", kind.LAW_ENFORCEMENT),
            ("Bench Behavioral Health", kind.BEHAVIORAL_HEALTH),
            ("Bench Fire and EMS", kind.FIRE_EMS),
        )
    )
    password = secrets.token_urlsafe(24)  # nobody signs in as these users

    def user(username: str, full_name: str, agency, role, acting_user):
        return accounts.create_user(
            username=username,
            full_name=full_name,
            agency=agency,
            roles=[role],
            password=password,
            acting_user=acting_user,
        )

    admin = user("bench-admin", "Bench Administrator", health, Role.ADMINISTRATOR, None)
    user("bench-dispatcher", "Bench Dispatcher", police, Role.DISPATCHER, admin)
    area = ServiceArea.objects.create(
        program=program,
        name="Bench service area",
        boundary=[[NORTH, WEST], [NORTH, EAST], [SOUTH, EAST], [SOUTH, WEST]],
    )
    today = today_in(program)

    def certify(member, course, *, current: bool) -> None:
        accounts.record_training(
            member,
            course=course,
            completed_on=today - timedelta(days=700),
            expires_on=today + timedelta(days=rng.randint(60, 700) if current else -20),
            provider="Bench academy",
            acting_user=admin,
        )

    for number in range(1, teams + 1):
        say(f"  team {number}/{teams}")
        officer = user(f"bench-officer-{number}", f"Officer {number}", police, Role.OFFICER, admin)
        clinician = user(
            f"bench-clinician-{number}", f"Clinician {number}", health, Role.CLINICIAN, admin
        )
        certify(officer, Course.CIT_40, current=rng.random() > 0.1)
        certify(clinician, Course.CLINICAL_LICENCE, current=rng.random() > 0.05)
        members = [(officer, MemberRole.OFFICER), (clinician, MemberRole.CLINICIAN)]
        if number % 5 == 0:
            emt = user(f"bench-emt-{number}", f"EMT {number}", fire, Role.EMT, admin)
            certify(emt, Course.EMT_CERTIFICATION, current=True)
            members.append((emt, MemberRole.EMT))
        latitude, longitude = place_of(rng)
        dispatch.create_team(
            program,
            name=f"Bench {NATO[(number - 1) % 26]} {(number - 1) // 26 + 1}",
            agency=police,
            base_latitude=latitude,
            base_longitude=longitude,
            home_base=f"Station {number}",
            service_area=area,
            languages=["en", *rng.sample(["es", "vi", "so"], rng.choice((0, 0, 1)))],
            specialities=rng.sample(["youth", "veterans", "substance_use"], rng.choice((0, 0, 1))),
            members=members,
            acting_user=admin,
        )
    return staff_of(program)


def ensure_on_duty(staff: Staff) -> int:
    """Every team has a shift from before now to hours ahead (a kept database ages)."""
    from django.utils import timezone

    from coresponder.dispatch import actions as dispatch
    from coresponder.dispatch.models import Team

    now, count = timezone.now(), 0
    for team in Team.objects.filter(program=staff.program, is_active=True):
        last = team.shifts.order_by("-ends_at").first()
        if last is None or last.ends_at < now + timedelta(hours=2):
            starts = (
                max(last.ends_at, now - timedelta(hours=1)) if last else now - timedelta(hours=1)
            )
            dispatch.add_shift(
                team, starts_at=starts, ends_at=now + timedelta(hours=12), acting_user=staff.admin
            )
        count += 1
    return count


class Copier:
    """Rows for COPY into one model's table, by attribute name; every other column its default.

    Built from the model, so a new column with a default needs no change here, and one
    without a default fails loudly in PostgreSQL's NOT NULL check.
    """

    def __init__(self, model, **fixed):
        from django.db.models import JSONField

        auto = ("AutoField", "BigAutoField", "SmallAutoField")
        self.model = model
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and f.get_internal_type() in auto)
        ]
        self.template = []
        for f in self.fields:
            default = fixed[f.attname] if f.attname in fixed else f.get_default()
            if isinstance(f, JSONField) and not isinstance(default, str):
                default = json.dumps(default)
            self.template.append((f.attname, default))

    def row(self, values: dict) -> tuple:
        return tuple(values.get(name, default) for name, default in self.template)

    def copy(self, rows: Iterable[tuple]) -> None:
        from django.db import connection

        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_persons(staff: Staff, count: int, rng: random.Random) -> list[uuid.UUID]:
    from django.utils import timezone

    from coresponder.people.matching import keys_for
    from coresponder.people.models import Person, PersonName

    now = timezone.now()
    persons = Copier(
        Person,
        program_id=staff.program.pk,
        registered_by_agency_id=staff.police.pk,
        created_at=now,
        updated_at=now,
    )
    names = Copier(PersonName, created_at=now, updated_at=now)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]
    first_day = datetime(1940, 1, 1, tzinfo=UTC).date()
    for done, batch in enumerate(chunks(ids), start=1):
        person_rows, name_rows = [], []
        for person_id in batch:
            born = (
                first_day + timedelta(days=rng.randint(0, 70 * 365))
                if rng.random() > 0.05
                else None
            )
            person_rows.append(
                persons.row(
                    {
                        "id": person_id,
                        "date_of_birth": born,
                        "sex": rng.choice(("female", "male", "unknown")),
                        "languages": '["es"]' if rng.random() < 0.1 else "[]",
                        "veteran_status": rng.choice(("veteran", "not_veteran", "unknown")),
                        "flags": '["frequent_contact"]' if rng.random() < 0.05 else "[]",
                    }
                )
            )
            kinds = ("legal", "alias") if rng.random() < 0.15 else ("legal",)
            for kind in kinds:
                name = PersonName(
                    kind=kind,
                    given=rng.choice(NATO),
                    middle=rng.choice(NATO) if rng.random() < 0.3 else "",
                    family=f"Bench{rng.choice(NATO).lower()}{rng.choice(NATO).lower()}",
                )
                keys_for(name)
                name_rows.append(
                    names.row(
                        {
                            "person_id": person_id,
                            "kind": kind,
                            "given": name.given,
                            "middle": name.middle,
                            "family": name.family,
                            "given_key": name.given_key,
                            "family_key": name.family_key,
                            "given_sound": name.given_sound,
                            "family_sound": name.family_sound,
                        }
                    )
                )
        persons.copy(person_rows)
        names.copy(name_rows)
        say(f"  persons {min(done * CHUNK, count):,}/{count:,}")
    return ids


@dataclass(frozen=True)
class PastCall:
    """What the audit entry of a loaded call needs to know of it."""

    id: uuid.UUID
    reference: str
    received_at: datetime
    origin: str
    person_id: uuid.UUID | None


def load_calls(staff: Staff, count: int, person_ids: list, rng: random.Random) -> list[PastCall]:
    """Closed calls over the last three years, ~30% about a known person; returns them."""
    from django.utils import timezone

    from coresponder.calls import triage
    from coresponder.calls.models import Call, CallSequence

    now = timezone.now()
    span = timedelta(days=3 * 365).total_seconds()
    offsets = sorted(rng.random() * span for _ in range(count))
    start = now - timedelta(days=3 * 365)
    rules = staff.rule_set.parsed()
    decisions: dict = {}
    calls = Copier(
        Call,
        program_id=staff.program.pk,
        taken_by_agency_id=staff.police.pk,
        rule_set_id=staff.rule_set.pk,
    )
    numbers: Counter = Counter()
    past: list[PastCall] = []
    responses = [r.value for r in triage.Response]

    def call_row(offset: float) -> tuple:
        received = start + timedelta(seconds=offset)
        numbers[received.year] += 1
        reference = f"{received.year}-{numbers[received.year]:06d}"
        source = rng.choices(list(SOURCES), list(SOURCES.values()))[0]
        concerns, screening = concerns_of(rng), screening_of(rng)
        key = (source, tuple(concerns), tuple(screening))
        if key not in decisions:
            facts = triage.CallFacts(
                source=triage.Source(source),
                concerns=frozenset(triage.Concern(c) for c in concerns),
                screening=frozenset(triage.Screening(s) for s in screening),
            )
            decisions[key] = triage.triage(facts, rules)
        decision = decisions[key]
        response, priority = decision.response.value, decision.priority
        overridden = rng.random() < 0.03
        if overridden:
            response = rng.choice([r for r in responses if r != response])
            priority = rng.randint(1, 4)
        origin = rng.choices(("intake", "api", "cad", "import"), (60, 10, 20, 10))[0]
        state = (
            "resolved_by_phone"
            if response == "phone_resolution" and rng.random() < 0.8
            else rng.choices(("closed", "cancelled"), (95, 5))[0]
        )
        person_id = rng.choice(person_ids) if person_ids and rng.random() < 0.3 else None
        latitude, longitude = place_of(rng) if rng.random() > 0.05 else (None, None)
        closed = received + timedelta(minutes=rng.randint(10, 240))
        call_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        past.append(PastCall(call_id, reference, received, origin, person_id))
        by_desk = origin in ("intake", "import")
        return calls.row(
            {
                "id": call_id,
                "reference": reference,
                "received_at": received,
                "source": source,
                "origin": origin,
                "taken_by_id": staff.dispatcher.pk if by_desk else None,
                "external_id": "" if by_desk else f"CAD-{numbers[received.year]}",
                "address": address_of(rng),
                "latitude": latitude,
                "longitude": longitude,
                "caller_phone": f"+1555555{rng.randint(0, 9999):04d}" if rng.random() < 0.5 else "",
                "caller_relation": rng.choice(RELATIONS),
                "person_id": person_id,
                "concerns": json.dumps(concerns),
                "language": rng.choice(LANGUAGES),
                "summary": summary_of(rng, concerns),
                "screening": json.dumps(screening),
                "triage_response": decision.response.value,
                "triage_priority": decision.priority,
                "triage_rule": decision.rule.key,
                "triage_says": decision.in_words,
                "response": response,
                "priority": priority,
                "override_reason": "Bench: the call-taker knew more." if overridden else "",
                "overridden_by_id": staff.dispatcher.pk if overridden else None,
                "state": state,
                "closed_at": closed,
                "revision": rng.randint(3, 6),
                "created_at": received,
                "updated_at": closed,
            }
        )

    for batch in chunks(offsets):
        calls.copy([call_row(offset) for offset in batch])
        say(f"  calls {len(past):,}/{count:,}")
    CallSequence.objects.bulk_create(
        [
            CallSequence(program=staff.program, year=year, last=last)
            for year, last in numbers.items()
        ]
    )
    return past


def load_audit(staff: Staff, past: list[PastCall]) -> None:
    """One `calls.call_taken` entry per loaded call, appended to the chain under its lock."""
    from django.db import transaction

    with transaction.atomic():
        _append_audit(staff, past)


def _append_audit(staff: Staff, past: list[PastCall]) -> None:
    from coresponder.calls.events import CALL_TAKEN
    from coresponder.core.models import AuditChainHead, AuditEntry

    head = AuditChainHead.objects.select_for_update().get(pk=1)
    seq, prev_hash = head.last_seq, head.last_hash
    entries = Copier(AuditEntry)
    fields = sorted(f"call:{c}" for c in ("operational", "public_safety"))
    dispatcher = staff.dispatcher
    entry = AuditEntry()  # one instance, refilled: hashing is the model's own
    for batch in chunks(past):
        rows = []
        for call in batch:
            seq += 1
            by_desk = call.origin in ("intake", "import")
            entry.seq, entry.occurred_at, entry.action = seq, call.received_at, CALL_TAKEN
            entry.actor_id = dispatcher.pk if by_desk else None
            entry.actor_username = dispatcher.username if by_desk else ""
            entry.actor_token = "" if by_desk else "benchcad"
            entry.agency_id, entry.agency_name = staff.police.pk, staff.police.name
            entry.roles = "dispatcher" if by_desk else ""
            entry.object_type = "person" if call.person_id else "call"
            entry.object_id = str(call.person_id or call.id)
            entry.fields = fields
            entry.detail = {"call": str(call.id), "reference": call.reference}
            entry.detail["origin"] = call.origin
            entry.ip_address, entry.prev_hash = None, prev_hash
            entry.entry_hash = prev_hash = entry.compute_hash()
            rows.append(
                entries.row(
                    {
                        name: json.dumps(getattr(entry, name))
                        if name in ("fields", "detail")
                        else getattr(entry, name)
                        for name, _ in entries.template
                    }
                )
            )
        entries.copy(rows)
        say(f"  audit entries {seq - head.last_seq:,}/{len(past):,}")
    head.last_seq, head.last_hash = seq, prev_hash
    head.save(update_fields=["last_seq", "last_hash"])


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("people_person", "people_personname", "calls_call", "privacy_auditentry"):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def loaded_counts(program) -> tuple[int, int]:
    from coresponder.calls.models import OPEN_STATES, Call
    from coresponder.people.models import Person

    past = Call.objects.filter(program=program).exclude(state__in=OPEN_STATES).count()
    return past, Person.objects.filter(program=program).count()


def load(args, rng: random.Random) -> tuple[Staff, dict[str, float]]:
    """Everything, with the seconds each part took."""
    from django.db import connection

    times: dict[str, float] = {}
    started = time.perf_counter()

    def lap(label: str) -> None:
        nonlocal started
        times[label] = time.perf_counter() - started
        started = time.perf_counter()

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")  # this loading session only
    say(f"setting up the program and {args.teams} teams")
    staff = set_up_program(args.teams, rng)
    lap("program and teams")
    say(f"loading {args.persons:,} persons")
    person_ids = load_persons(staff, args.persons, rng)
    lap("persons")
    say(f"loading {args.calls:,} calls")
    past = load_calls(staff, args.calls, person_ids, rng)
    lap("calls")
    load_audit(staff, past)
    lap("audit entries")
    say("vacuum and analyze")
    vacuum_analyze()
    lap("vacuum analyze")
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO DEFAULT")
    return staff, times


# --- one request in process: the queries it makes -----------------------------------------


def queries_of_one_intake(secret: str, body: bytes) -> tuple[int, Counter]:
    """Queries of one intake through the whole stack, in this process (after a first one)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/api/v1/calls", body, content_type="application/json")
    if response.status_code != 201:
        raise SystemExit(f"intake in process answered {response.status_code}: {response.content}")
    kinds = Counter(query["sql"].split(None, 1)[0].upper() for query in captured.captured_queries)
    return len(captured.captured_queries), kinds


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(
    port: int, threads: int, log: Path, processes: int = 1, server: str = "gunicorn"
) -> subprocess.Popen:
    command = [sys.executable, "-m", "coresponder", "serve", "--host", HOST, "--port", str(port)]
    command += ["--threads", str(threads), "--processes", str(processes), "--server", server]
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and command
            command,
            cwd=REPO,
            env=os.environ.copy(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the server ourselves
        )


def wait_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}):\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer /healthz within 60 s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # by its PID
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the load generator -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    label: str
    method: str
    path: str
    expect: int
    bodies: list[bytes] | None = None
    # Whether an expected answer is also a useful one (intake: three teams recommended).
    useful: Callable[[bytes], bool] | None = None


# A CSRF cookie and the matching header, sent only when the API refuses a token's POST
# without them (see `needs_csrf`).
CSRF_TOKEN = "BenchCsrfTokenBenchCsrfToken0123"  # noqa: S105 - not a secret


class Connection:
    """One persistent HTTP/1.1 connection, reopened after an error."""

    def __init__(self, port: int, secret: str, *, csrf: bool = False):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.headers = {
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
        }
        if csrf:
            self.headers["Cookie"] = f"coresponder_csrf={CSRF_TOKEN}"
            self.headers["X-CSRFToken"] = CSRF_TOKEN

    def send(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            self.conn.request(method, path, body=body, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Sample:
    scheduled: float
    sent: float
    done: float
    status: int | str  # an HTTP status, or the exception's name
    useful: bool = True


def send_one(conn: Connection, endpoint: Endpoint, number: int, scheduled: float) -> Sample:
    body = endpoint.bodies[number % len(endpoint.bodies)] if endpoint.bodies else None
    sent = time.perf_counter()
    try:
        status, data = conn.send(endpoint.method, endpoint.path, body)
    except (OSError, http.client.HTTPException) as error:
        return Sample(scheduled, sent, time.perf_counter(), type(error).__name__, useful=False)
    done = time.perf_counter()
    useful = status == endpoint.expect and (endpoint.useful is None or endpoint.useful(data))
    return Sample(scheduled, sent, done, status, useful)


def needs_csrf(port: int, secret: str, body: bytes) -> bool:
    """Whether the API refuses an intake sent with the agency token alone, for want of CSRF.

    It does as of this writing: Ninja's session authentication comes first in the API's
    list and checks CSRF on every POST before the token is tried. Then the generator sends
    a CSRF cookie and header too, and the report says so.
    """
    conn = Connection(port, secret)
    try:
        status, data = conn.send("POST", "/api/v1/calls", body)
    finally:
        conn.close()
    return status == 403 and b"CSRF" in data


def open_loop(
    endpoint: Endpoint,
    *,
    port: int,
    secret: str,
    rate: float,
    seconds: float,
    connections: int,
    csrf: bool,
    give_up: float,
) -> list[Sample]:
    """Requests sent on schedule, whether or not earlier ones have been answered.

    A scheduler hands out (number, scheduled time) at the arrival rate; a pool of workers,
    each with its own persistent connection, sends them. A request that waits for a free
    connection waits on the clock: its latency counts from its scheduled time. One still
    unsent `give_up` seconds after its time is dropped and counted as an error, so that an
    overloaded server does not keep the run going for minutes.
    """
    total = round(rate * seconds)
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    samples: list[Sample | None] = [None] * total
    start = time.perf_counter() + 0.1

    def schedule() -> None:
        for number in range(total):
            at = start + number / rate
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            jobs.put((number, at))
        for _ in range(connections):
            jobs.put(None)

    def work() -> None:
        conn = Connection(port, secret, csrf=csrf)
        while (job := jobs.get()) is not None:
            number, at = job
            now = time.perf_counter()
            if now - at > give_up:
                samples[number] = Sample(at, now, now, f"not sent in {give_up:g} s", False)
                continue
            samples[number] = send_one(conn, endpoint, number, at)
        conn.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(connections)]
    threads.append(threading.Thread(target=schedule, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [sample for sample in samples if sample is not None]


def closed_loop(
    endpoint: Endpoint, *, port: int, secret: str, seconds: float, connections: int, csrf: bool
) -> float:
    """The most the server answers per second: each connection sends again once answered."""
    answered = [0] * connections
    start = time.perf_counter()
    deadline = start + seconds

    def work(slot: int) -> None:
        conn, number = Connection(port, secret, csrf=csrf), slot * 1_000_003
        while time.perf_counter() < deadline:
            sample = send_one(conn, endpoint, number, time.perf_counter())
            answered[slot] += sample.useful
            number += 1
        conn.close()

    threads = [
        threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered) / (time.perf_counter() - start)


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


@dataclass
class Summary:
    label: str
    sent: int
    ok: int
    useful: int
    throughput: float
    latency: list[float]  # ms from the scheduled time to the answer (or error), ordered
    lag: list[float]  # ms from the scheduled time to the actual send, ordered
    errors: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, endpoint: Endpoint, samples: list[Sample]) -> Summary:
        ok = [s for s in samples if s.status == endpoint.expect]
        first = min(s.scheduled for s in samples)
        last = max(s.done for s in samples)
        return cls(
            label=endpoint.label,
            sent=len(samples),
            ok=len(ok),
            useful=sum(s.useful for s in samples),
            throughput=len(ok) / (last - first),
            latency=sorted((s.done - s.scheduled) * 1000 for s in samples),
            lag=sorted((s.sent - s.scheduled) * 1000 for s in samples),
            errors=Counter(str(s.status) for s in samples if s.status != endpoint.expect),
        )

    def at(self, fraction: float) -> float:
        return percentile(self.latency, fraction)


# --- the run --------------------------------------------------------------------------------


def intake_bodies(count: int, rng: random.Random) -> list[bytes]:
    bodies = []
    for number in range(count):
        latitude, longitude = place_of(rng)
        concerns = concerns_of(rng)
        bodies.append(
            json.dumps(
                {
                    "source": rng.choices(list(SOURCES), list(SOURCES.values()))[0],
                    "address": address_of(rng),
                    "latitude": latitude,
                    "longitude": longitude,
                    "caller_relation": rng.choice(RELATIONS),
                    "caller_phone": f"+1555555{rng.randint(0, 9999):04d}",
                    "concerns": concerns,
                    "screening": screening_of(rng),
                    "language": rng.choice(LANGUAGES),
                    "summary": summary_of(rng, concerns),
                    "external_id": f"BENCH-{number}",
                }
            ).encode()
        )
    return bodies


def three_teams(data: bytes) -> bool:
    return len(json.loads(data).get("recommendations", ())) == 3


def report(args, *, load_times, counts, teams, queries, measured, server_info) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    past, persons = counts
    print()
    print(
        f"Intake under load: PostgreSQL {version} on {HOST}, {past:,} past calls, "
        f"{persons:,} persons, {teams} teams on duty"
    )
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; {server_info}")
    if load_times is None:
        print("load: reused (--keep)")
    else:
        parts = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in load_times.items())
        print(f"load: {sum(load_times.values()):.1f} s ({parts})")
    before, after = measured.load_average
    print(f"load average (1 min) of the machine: {before:.2f} before the runs, {after:.2f} after")
    count, kinds = queries
    print(
        f"queries per intake request (in process): {count} ("
        + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        + ")"
    )
    report_runs(args, measured)


def report_runs(args, measured: Measured) -> None:
    runs, capacity = measured.runs, measured.capacity
    print()
    print(
        f"open loop, {args.rate:g} req/s for {args.seconds:g} s, {args.connections} connections; "
        "latency from the scheduled send time to the answer, errors included"
    )
    header = (
        f"{'endpoint':<27}{'sent':>7}{'ok':>7}{'errors':>7}{'req/s':>8}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'lag p99':>9}"
    )
    print(header)
    for summary in runs:
        print(
            f"{summary.label:<27}{summary.sent:>7}{summary.ok:>7}"
            f"{sum(summary.errors.values()):>7}{summary.throughput:>8.1f}"
            f"{summary.at(0.50):>9.1f}{summary.at(0.95):>9.1f}{summary.at(0.99):>9.1f}"
            f"{summary.at(1.0):>9.1f}{percentile(summary.lag, 0.99):>9.1f}"
        )
    for summary in runs:
        if summary.errors:
            errors = ", ".join(f"{status} x{n}" for status, n in summary.errors.most_common())
            print(f"  errors of {summary.label}: {errors}")
    baseline, intake = runs
    print(f"  intake answers recommending 3 teams: {intake.useful}/{intake.ok}")
    print("  (lag: from the scheduled time to the send, i.e. waiting for a free connection)")
    if measured.csrf:
        print(
            "  NOTE: the API refused an intake sent with the agency token alone (403, CSRF "
            "check failed);\n  these runs send a CSRF cookie and X-CSRFToken header as well, "
            "which a CAD client would not."
        )
    ratio_at_rate = intake.throughput / baseline.throughput
    ratio = ratio_at_rate
    if capacity:
        print()
        print(
            f"capacity, closed loop, {args.probe_connections} connections for "
            f"{args.probe_seconds:g} s each:"
        )
        for label, rate in capacity.items():
            print(f"  {label:<27}{rate:>8.1f} req/s")
        ratio = capacity[intake.label] / capacity[baseline.label]
        print()
        print(
            f"ratio intake / baseline throughput: {ratio:.2f} at capacity; "
            f"{ratio_at_rate:.2f} at {args.rate:g} req/s (both offered the same rate)"
        )
    else:
        print(f"\nratio intake / baseline throughput at {args.rate:g} req/s: {ratio_at_rate:.2f}")
    report_targets(args, measured, ratio)


P95_TARGET_MS = 100.0
RATIO_TARGET = 0.35  # issue 15: intake's capacity against the trivial endpoint's


def kept_up(summary, rate: float) -> bool:
    """A run kept up when it answered at least 98% of the offered rate with its p95 under
    the target: every request answered at last, after a queue grew, is not keeping up."""
    return summary.throughput >= 0.98 * rate and summary.at(0.95) < P95_TARGET_MS


def report_targets(args, measured: Measured, ratio: float) -> None:
    baseline, intake = measured.runs
    p95, errors = intake.at(0.95), sum(intake.errors.values())
    print()
    print(f"{'target':<36}{'met':<6}measured")
    print(f"{'intake p95 under 100 ms':<36}{'yes' if p95 < P95_TARGET_MS else 'no':<6}{p95:.1f} ms")
    print(f"{'zero errors':<36}{'yes' if errors == 0 else 'no':<6}{errors} errors")
    for summary in (baseline, intake):
        met = "yes" if kept_up(summary, args.rate) else "no"
        print(
            f"{summary.label + ' kept up':<36}{met:<6}{summary.throughput:.1f} of "
            f"{args.rate:g} req/s offered, p95 {summary.at(0.95):.1f} ms"
        )
    target = f"ratio at or above {RATIO_TARGET:g}"
    if measured.capacity:
        met, basis = ("yes" if ratio >= RATIO_TARGET else "no"), "at capacity"
    elif kept_up(intake, args.rate) and kept_up(baseline, args.rate):
        met, basis = "n/a", f"at {args.rate:g} req/s: both kept up; probe capacity to compare"
    else:
        met, basis = ("yes" if ratio >= RATIO_TARGET else "no"), f"at {args.rate:g} req/s"
    print(f"{target:<36}{met:<6}{ratio:.2f} ({basis})")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="past calls to load")
    parser.add_argument("--persons", type=int, default=200_000, help="persons to load")
    parser.add_argument("--teams", type=int, default=40, help="teams on duty")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument("--warmup-seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=64, help="generator's connections")
    parser.add_argument(
        "--give-up", type=float, default=30.0, help="drop a request unsent this many seconds"
    )
    parser.add_argument("--probe-seconds", type=float, default=10.0, help="0: no capacity probe")
    parser.add_argument("--probe-connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="server threads (serve's default)")
    parser.add_argument("--processes", type=int, default=2, help="server processes")
    parser.add_argument(
        "--server", choices=["gunicorn", "waitress"], default="gunicorn", help="as serve's"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if not database_name(args.database_url).startswith(NAME_PREFIX):
        parser.error(f"the database's name must start with {NAME_PREFIX!r}: it is dropped")
    if args.rate <= 0 or args.seconds <= 0 or args.calls < 0 or args.persons < 0:
        parser.error("--rate and --seconds must be positive, --calls and --persons not negative")
    return args


@dataclass
class Measured:
    runs: list[Summary] = field(default_factory=list)
    capacity: dict[str, float] = field(default_factory=dict)
    csrf: bool = False  # whether the token alone was refused and CSRF had to be sent too
    load_average: tuple[float, float] = (0.0, 0.0)  # before and after the runs


def measure(args, secret: str, bodies: list[bytes]) -> Measured:
    """Serve, run the baseline and the intake at the rate, then probe each one's capacity."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="cor-bench-intake-")) / "server.log"
    server = start_server(port, args.threads, log, args.processes, args.server)
    say(f"server pid {server.pid} on {HOST}:{port}, log {log}")
    measured = Measured()
    before = os.getloadavg()[0]
    try:
        wait_healthy(port, server, log)
        measured.csrf = needs_csrf(port, secret, bodies[0])
        if measured.csrf:
            say("the API refuses a POST with the token alone (CSRF); sending CSRF too")
        baseline = Endpoint("baseline GET /api/v1/me", "GET", "/api/v1/me", 200)
        intake = Endpoint(
            "intake POST /api/v1/calls", "POST", "/api/v1/calls", 201, bodies, three_teams
        )
        common = {"port": port, "secret": secret, "csrf": measured.csrf}
        paced = {"connections": args.connections, "give_up": args.give_up}
        for endpoint in (baseline, intake):
            say(f"warming up: {endpoint.label}")
            open_loop(
                endpoint,
                rate=args.rate,
                seconds=args.warmup_seconds,
                **paced,
                **common,
            )
            say(f"open loop: {endpoint.label}, {args.rate:g} req/s for {args.seconds:g} s")
            samples = open_loop(
                endpoint,
                rate=args.rate,
                seconds=args.seconds,
                **paced,
                **common,
            )
            measured.runs.append(Summary.of(endpoint, samples))
        if args.probe_seconds > 0:
            for endpoint in (baseline, intake):
                say(f"capacity probe: {endpoint.label}")
                measured.capacity[endpoint.label] = closed_loop(
                    endpoint,
                    seconds=args.probe_seconds,
                    connections=args.probe_connections,
                    **common,
                )
    finally:
        stop_server(server)
        say(f"server pid {server.pid} stopped")
    measured.load_average = (before, os.getloadavg()[0])
    if server.returncode not in (0, -15):
        say(f"the server exited with {server.returncode}; its log:\n{log.read_text()}")
    return measured


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    configure(args.database_url)
    ensure_database(args.database_url, fresh=not args.keep)
    set_up_django()
    from django.db import connections

    from coresponder.accounts import actions as accounts
    from coresponder.accounts.models import Program

    program = Program.objects.filter(slug=SLUG).first()
    load_times = None
    counts = loaded_counts(program) if program is not None else (0, 0)
    if program is not None and counts[0] >= args.calls and counts[1] >= args.persons:
        staff = staff_of(program)
        past, persons = counts
        say(f"reusing {database_name(args.database_url)}: {past:,} calls, {persons:,} persons")
    else:
        if program is not None:  # partly loaded, or smaller than asked: start again
            connections.close_all()
            ensure_database(args.database_url, fresh=True)
            set_up_django()
        staff, load_times = load(args, rng)
        say(f"loaded in {sum(load_times.values()):.1f} s")
    teams = ensure_on_duty(staff)
    secret = accounts.create_api_token(
        agency=staff.police,
        name=f"Bench load {datetime.now(tz=UTC):%Y-%m-%d %H:%M:%S}",
        acting_user=staff.admin,
    ).secret
    total = round(args.rate * (args.seconds + args.warmup_seconds))
    bodies = intake_bodies(max(total, 1000), rng)
    queries = queries_of_one_intake(secret, bodies[-1])
    counts = loaded_counts(staff.program)
    connections.close_all()

    measured = measure(args, secret, bodies)
    server_info = (
        f"server: coresponder serve ({args.server}, {args.processes} process(es) of "
        f"{args.threads} threads), production settings "
        "with SECURE_SSL_REDIRECT=false (plain HTTP on loopback)"
    )
    report(
        args,
        load_times=load_times,
        counts=counts,
        teams=teams,
        queries=queries,
        measured=measured,
        server_info=server_info,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
