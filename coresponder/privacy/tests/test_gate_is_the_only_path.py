"""The read gate is the only path (issue 16): nothing outside `privacy/` writes a read
entry or projects a classified model by itself, and every model holding a person's data
declares the class of each field.

How, first by the source: every module outside `privacy/` (tests and migrations aside) is
parsed (`ast`), and three things are looked for.

1. A *read event* (the audit actions that say "this was shown") named anywhere but as an
   argument of the gate (`gate.read(event=...)`, `gate.Read(...)`, `gate.Read.of(...)`)
   or where it is defined (an app's `events.py`). Writing it by `record`, `record_many`,
   `Pending` or an app's `on_*` helper is what the gate replaced; a string spelling of
   the action counts too.
2. A *projection helper* (`privacy_classes`, `fields_of_class`, `row_class`,
   `derived_class`, `class_of`) used outside the models that declare them: the gate
   alone turns a row into what a reader sees. The few uses left are listed below with
   the reason each may stay; a new one fails the test.
3. The gate's audit by hand (`record_reads`, `Read`): an app that projects a record itself
   must still audit what it showed, and that is the way it would. The one use left (a list
   of hundreds read as values, the worklist) is listed with its reason.

Then at run time, with the model-level registry: the classes declared beside the model
fields (`privacy_classes`) name every field holding a person's information. While the
pages and API answers of an encounter and of a case are served, each such field is
watched, and a read of it from a row by code outside `privacy/` (the model's own methods
count as their caller's) fails the test: the app built what it showed from the row, not
from the gate's projection. A template or the API's serialiser reading a row counts too.
"""

from __future__ import annotations

import ast
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from coresponder.calls import events as call_events
from coresponder.cases import events as case_events
from coresponder.encounters import events as encounter_events
from coresponder.people.models import Person
from coresponder.privacy import events as privacy_events
from coresponder.privacy.classification import STRUCTURAL, PersonData

ROOT = Path(__file__).resolve().parents[2]  # coresponder/

READ_EVENTS = {
    "PERSON_READ": privacy_events.PERSON_READ,
    "CALL_VIEWED": call_events.CALL_VIEWED,
    "ENCOUNTER_VIEWED": encounter_events.ENCOUNTER_VIEWED,
    "PLAN_VIEWED": encounter_events.PLAN_VIEWED,
    "CASE_VIEWED": case_events.CASE_VIEWED,
    "CASES_LISTED": case_events.CASES_LISTED,
    "PERSON_RECORDS_READ": case_events.PERSON_RECORDS_READ,
    "SAFETY_PLAN_VIEWED": case_events.SAFETY_PLAN_VIEWED,
}
GATE_CALLS = {"read", "Read", "of"}  # gate.read, gate.Read, gate.Read.of
# The gate's own audit of what an app showed by itself (`gate.record_reads`, a `gate.Read`
# built by hand): allowed only where listed, each with its reason.
HAND_AUDITS = {"record_reads", "Read"}
ALLOWED_HAND_AUDITS = {
    # The worklist lists hundreds of cases: it reads the persons' names as values in one
    # query (`display_names`) and audits one person read per row shown through here, the
    # classes decided for each by the policy (`readable_for_many`).
    ("people/access.py", "list_reads"),
}

PROJECTION_HELPERS = {
    "privacy_classes",
    "fields_of_class",
    "row_class",
    "derived_class",
    "class_of",
}
# Uses that stay, each with its reason. Remove a line when its use goes.
ALLOWED_HELPER_USES = {
    # Writing: an action names the classes of the fields it changes, to ask the policy
    # for the right to write them. Not a read.
    ("people/actions.py", "privacy_classes"),
    # The same for a call's correction: the classes of the facts corrected.
    ("calls/actions.py", "privacy_classes"),
}


def modules() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path.relative_to(ROOT).parts[0] != "privacy"
    )


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _inside_gate_call(node: ast.AST, parents) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Call):
            name = _call_name(node)
            func = node.func
            via_gate = isinstance(func, ast.Attribute) and "gate" in ast.unparse(func)
            return name in GATE_CALLS and via_gate
        if isinstance(node, ast.stmt):
            return False
    return False


def _defined_here(node: ast.AST, parents, path: Path) -> bool:
    parent = parents.get(node)
    return path.name == "events.py" and isinstance(parent, ast.Assign) and node in parent.targets


def read_event_writes(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = _parents(tree)
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute) and node.attr in READ_EVENTS:
            name = node.attr
        elif isinstance(node, ast.Name) and node.id in READ_EVENTS:
            name = node.id
        elif isinstance(node, ast.Constant) and node.value in READ_EVENTS.values():
            parent = parents.get(node)
            if isinstance(parent, ast.Assign) and path.name == "events.py":
                continue  # the definition itself
            name = node.value
        if name is None or _defined_here(node, parents, path):
            continue
        if not _inside_gate_call(node, parents):
            found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def helper_uses(path: Path) -> set[tuple[str, str]]:
    if path.name == "models.py":
        return set()  # where the classes are declared
    tree = ast.parse(path.read_text(), filename=str(path))
    relative = str(path.relative_to(ROOT))
    return {
        (relative, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in PROJECTION_HELPERS
    }


def hand_audits(path: Path, root: Path = ROOT) -> set[tuple[str, str]]:
    """(module, function) of each use of the gate's audit by hand in `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                if name in HAND_AUDITS:
                    found.add((str(path.relative_to(root)), function.name))
    return found


def test_the_read_events_still_exist():
    # A renamed event would make the scan below find nothing: they are named here.
    assert all(value.count(".") == 1 for value in READ_EVENTS.values())


def test_no_module_outside_privacy_writes_a_read_entry_by_itself():
    found = [hit for path in modules() for hit in read_event_writes(path)]
    assert found == []


def test_no_module_outside_privacy_projects_a_classified_model_by_itself():
    found = set().union(*(helper_uses(path) for path in modules()))
    assert found - ALLOWED_HELPER_USES == set()
    # and the allowances are still needed (a stale one would hide a new use)
    assert ALLOWED_HELPER_USES - found == set()


def test_no_module_outside_privacy_audits_what_it_projected_by_itself():
    found = set().union(*(hand_audits(path) for path in modules()))
    assert found - ALLOWED_HAND_AUDITS == set()
    assert ALLOWED_HAND_AUDITS - found == set()


def test_the_scan_finds_an_audit_by_hand(tmp_path):
    # given a module that shows a section it read itself, and audits that through the gate
    source = tmp_path / "access.py"
    source.write_text(
        "from coresponder.privacy import gate\n"
        "def view(user, section):\n"
        "    gate.record_reads(user, [gate.Read.of('x', label='s', row_id=1, person_id=2,\n"
        "                                          fields=[], detail={})])\n"
        "    return section.content\n"
    )
    # when it is scanned, then the hand audit is found
    assert hand_audits(source, root=tmp_path) == {("access.py", "view")}


def test_the_scan_finds_a_read_written_by_hand(tmp_path):
    # given a module that writes a read entry itself
    source = tmp_path / "access.py"
    source.write_text(
        "from coresponder.calls import events\n"
        "from coresponder.core.audit import record\n"
        "def show(call, actor):\n"
        "    record(events.CALL_VIEWED, actor=actor, object_id=call.pk)\n"
        "    record('privacy.person_read', actor=actor)\n"
        "    gate.read(actor, [call], event=events.CALL_VIEWED, label='call', channel='x')\n"
    )
    # when it is scanned
    found = read_event_writes(source, root=tmp_path)
    # then both hand-written reads are found, and the gate's is not
    assert found == ["access.py:4 CALL_VIEWED", "access.py:5 privacy.person_read"]


# The model-level registry -------------------------------------------------------------------

# Models that point at a person but are not a person's record, each with its reason.
NOT_PERSON_DATA = {
    # privacy's own records about access: who may see, not what is known of the person;
    # shown only to the person's privacy pages, which go through their own checks.
    "privacy.AccessRelation",
    "privacy.Consent",
    "privacy.BreakGlassGrant",
}


def _points_at_a_person(model) -> bool:
    return any(
        isinstance(field, models.ForeignKey | models.OneToOneField)
        and field.related_model is Person
        for field in model._meta.get_fields()
        if field.concrete
    )


@pytest.mark.parametrize(
    "model",
    [model for model in apps.get_models() if _points_at_a_person(model)],
    ids=lambda model: model._meta.label,
)
def test_every_model_holding_a_persons_data_declares_its_classes(model):
    # A model that links to a person's record holds something about them: it must be
    # PersonData (the classification test then checks each field has a class).
    assert issubclass(model, PersonData) or model._meta.label in NOT_PERSON_DATA


# The registry at run time -------------------------------------------------------------------

PRIVACY = ROOT / "privacy"
# Reads of a classified field from a row, by code outside the gate, while the pages below
# are served: (module:function, "Model.field"), each with why it is not a projection.
ALLOWED_ROW_READS = {
    # Who works a call is decided from its state (the desk works the open ones): a
    # relation the gate is then given, nothing shown.
    ("calls/access.py:working_calls", "Call.state"),
    # Which forms a case offers (none once closed): a check for writing, nothing shown.
    ("cases/access.py:case_rights", "Case.status"),
    # The audit entry of a call read names its reference (`detail`): written to the log,
    # not shown to the reader.
    ("calls/access.py:<lambda>", "Call.reference"),
}


class _Watched:
    """A classified field's attribute on its model, read through: each read from a row is
    noted with its reader (`_reader`)."""

    def __init__(self, model, name: str, inner, noted: list) -> None:
        self.label = f"{model.__name__}.{name}"
        self.inner, self.noted = inner, noted

    def __get__(self, instance, owner=None):
        if instance is not None:
            reader = _reader()
            if reader:
                self.noted.append((reader, self.label))
        return self.inner.__get__(instance, owner)

    def __set__(self, instance, value) -> None:
        if hasattr(self.inner, "__set__"):
            self.inner.__set__(instance, value)
        else:
            instance.__dict__[self.inner.field.attname] = value


def _reader() -> str:
    """Who read the field: the nearest caller in the project that is not a model's own
    method, a template or the API's serialiser; "" for the gate (`privacy/`)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if "/django/template/" in path:
            return "a template"
        if "/ninja/" in path or "/pydantic/" in path:
            return "the API's serialiser"
        if path.startswith(str(ROOT)) and not path.endswith(("/models.py", "/classification.py")):
            if path.startswith(str(PRIVACY)) and not path.startswith(str(PRIVACY / "tests")):
                return ""
            return f"{Path(path).relative_to(ROOT)}:{frame.f_code.co_name}"
        frame = frame.f_back
    return ""


@contextmanager
def watching_classified_fields():
    """Every field the models declare a class for (not `STRUCTURAL`) watched; yields the
    reads noted."""
    noted: list[tuple[str, str]] = []
    watched = []
    for model in apps.get_models():
        if not issubclass(model, PersonData):
            continue
        for name, declared in model.privacy_classes.items():
            inner = model.__dict__.get(name)
            if declared == STRUCTURAL or inner is None:
                continue
            watched.append((model, name, inner))
            setattr(model, name, _Watched(model, name, inner, noted))
    try:
        yield noted
    finally:
        for model, name, inner in watched:
            setattr(model, name, inner)


def test_the_watch_notes_a_row_read_by_an_app():
    # given a section row, read by code outside the gate while watched
    from coresponder.encounters.models import Section

    section = Section(kind="clinical", data_class="clinical", content={"behaviour": "calm"})
    with watching_classified_fields() as noted:
        shown = _an_app_reads(section)
    # then that read is noted with its reader, and the row still works as before
    assert shown == {"behaviour": "calm"}
    assert noted == [
        ("privacy/tests/test_gate_is_the_only_path.py:_an_app_reads", "Section.content")
    ]
    assert "content" not in vars(Section)["content"].__class__.__name__.lower()  # restored


def _an_app_reads(section):
    return section.content


@pytest.mark.slow  # the canary walk's seed, and a dozen pages as five readers
@pytest.mark.django_db
def test_the_encounter_and_case_pages_are_built_from_the_gates_projections():
    # given one person's call, encounter (every section, the C-SSRS), referrals and case,
    # planted through the real actions (the canary walk's seed)
    from coresponder.privacy.tests.canary.seed import plant, walk_clock

    with walk_clock() as now:
        _served_from_projections(plant(now))


def _served_from_projections(planted) -> None:
    writers = {**planted.writers}
    queue_case_manager = next(r.user for r in planted.readers if r.label == "queue case manager")
    encounter, case = planted.encounter.pk, planted.case.pk
    encounter_urls = [
        f"/api/v1/encounters/{encounter}",
        f"/api/v1/calls/{planted.call.pk}/encounter",
        f"/encounters/{encounter}/field/",
    ]
    case_urls = [
        f"/cases/{case}/",
        f"/api/v1/cases/{case}",
        f"/api/v1/cases/{case}/tasks",
        f"/api/v1/cases/{case}/contacts",
        f"/api/v1/cases/{case}/safety-plan",
        f"/cases/{case}/safety-plan/",
        f"/cases/{case}/safety-plan/print/",
    ]
    asked = [
        (writers["clinician"], encounter_urls),
        (writers["emt"], encounter_urls),
        (writers["officer"], encounter_urls),
        (writers["case_manager"], encounter_urls + case_urls),
        (queue_case_manager, case_urls),
    ]
    # when each reader asks for them, the classified fields watched
    statuses = {}
    with watching_classified_fields() as noted:
        for user, urls in asked:
            client = Client()
            client.force_login(user)
            for url in urls:
                statuses[(user.username, url)] = client.get(url).status_code
    # then each page was served (some refused), and none read a classified field from a row
    # but the gate
    assert set(statuses.values()) <= {200, 403, 404}
    assert statuses[(writers["case_manager"].username, f"/cases/{case}/")] == 200
    assert statuses[(writers["emt"].username, f"/api/v1/encounters/{encounter}")] == 200
    read_by_hand = sorted(set(noted) - ALLOWED_ROW_READS)
    assert read_by_hand == [], "\n".join(map(str, read_by_hand))
