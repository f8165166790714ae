"""The read gate is the only path (issue 16): nothing outside `privacy/` writes a read
entry or projects a classified model by itself, and every model holding a person's data
declares the class of each field.

How: the source of every module outside `privacy/` (tests and migrations aside) is parsed
(`ast`), and two things are looked for.

1. A *read event* (the audit actions that say "this was shown") named anywhere but as an
   argument of the gate (`gate.read(event=...)`, `gate.Read(...)`, `gate.Read.of(...)`)
   or where it is defined (an app's `events.py`). Writing it by `record`, `record_many`,
   `Pending` or an app's `on_*` helper is what the gate replaced; a string spelling of
   the action counts too.
2. A *projection helper* (`privacy_classes`, `fields_of_class`, `row_class`,
   `derived_class`, `class_of`) used outside the models that declare them: the gate
   alone turns a row into what a reader sees. The few uses left are listed below with
   the reason each may stay; a new one fails the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from coresponder.calls import events as call_events
from coresponder.cases import events as case_events
from coresponder.encounters import events as encounter_events
from coresponder.people.models import Person
from coresponder.privacy import events as privacy_events
from coresponder.privacy.classification import PersonData

ROOT = Path(__file__).resolve().parents[2]  # coresponder/

READ_EVENTS = {
    "PERSON_READ": privacy_events.PERSON_READ,
    "CALL_VIEWED": call_events.CALL_VIEWED,
    "ENCOUNTER_VIEWED": encounter_events.ENCOUNTER_VIEWED,
    "PLAN_VIEWED": encounter_events.PLAN_VIEWED,
    "CASE_VIEWED": case_events.CASE_VIEWED,
    "CASES_LISTED": case_events.CASES_LISTED,
    "SAFETY_PLAN_VIEWED": case_events.SAFETY_PLAN_VIEWED,
}
GATE_CALLS = {"read", "Read", "of"}  # gate.read, gate.Read, gate.Read.of

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


def test_the_scan_finds_a_read_written_by_hand(tmp_path):
    # given a module that writes a read entry itself
    source = tmp_path / "access.py"
    source.write_text(
        "from coresponder.calls import events\n"
        "from coresponder.privacy.audit import record\n"
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
