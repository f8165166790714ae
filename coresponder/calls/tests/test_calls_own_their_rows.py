"""Calls own their rows (issue 19): no module outside `calls/` writes a `Call` row.

Dispatch asks `calls.actions` to move a call's state (`send_team_to`, `note_team_moved`,
`reopen_cleared`), and the CSV import takes its rows through `take_calls`, the bulk form
of `take_call`. Each module outside `calls/` (tests and migrations aside) is parsed
(`ast`) and these are looked for:

1. a `Call(...)` built (a row to insert);
2. a write method (`update`, `bulk_create`, `create`, `save`, `delete`, ...) at the end of
   a chain starting at `Call.objects`, or at a related manager of calls (`person.calls`);
3. `.save()` or `.delete()` of a name that holds a call (`call`, `live_call`, `x.call`).

`Call` is followed under whatever name it is imported as. The few writes left (the demo's
synthetic history) are listed with the reason each may stay; a new one fails the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # coresponder/

WRITES = {
    "update",
    "bulk_create",
    "bulk_update",
    "create",
    "get_or_create",
    "update_or_create",
    "delete",
    "save",
}
ROW_WRITES = {"save", "delete"}

# Writes that stay, as (module, function), each with its reason. Remove a line when its
# write goes.
ALLOWED = {
    # The demo generator writes years of synthetic history as it would have been: calls
    # closed at past times, with the statuses of teams that were never sent live. No
    # action takes a call at a time past its own, so it writes those rows itself.
    ("demo/history.py", "calls"),
    ("demo/history.py", "_store_calls"),
    ("demo/calls.py", "_history"),
    ("demo/calls.py", "build_calls"),
    ("demo/cases.py", "_place_in_the_past"),
}


def modules(root: Path = ROOT) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path.relative_to(root).parts[0] != "calls"
    )


def _call_model_names(tree: ast.AST) -> set[str]:
    """The names `Call` is imported under from `calls.models`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("calls.models"):
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "Call"}
    return names


def _root_of(node: ast.AST) -> list[ast.AST]:
    """The chain a method is called on, from its root: `Call.objects.filter(..).update`
    gives [Name Call, Attribute objects, Attribute filter, Call, ...]."""
    chain = []
    while True:
        chain.append(node)
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            break
    return chain[::-1]


def _holds_a_call(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name == "call" or name.endswith("_call")


def _is_write(node: ast.Call, models: set[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in models  # Call(...)
    if not isinstance(func, ast.Attribute) or func.attr not in WRITES:
        return False
    chain = _root_of(func.value)
    first = chain[0]
    attributes = [link.attr for link in chain if isinstance(link, ast.Attribute)]
    if isinstance(first, ast.Name) and first.id in models and attributes[:1] == ["objects"]:
        return True
    if "calls" in attributes:  # a related manager: person.calls.update(...)
        return True
    return func.attr in ROW_WRITES and _holds_a_call(func.value)


def call_writes(path: Path, root: Path = ROOT) -> set[tuple[str, str]]:
    """(module, function) of each write to a `Call` row in `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    models = _call_model_names(tree) or {"Call"}
    relative = str(path.relative_to(root))
    found = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _is_write(node, models):
                found.add((relative, function.name))
    return found


def test_no_module_outside_calls_writes_a_call_row():
    found = set().union(*(call_writes(path) for path in modules()))
    assert found - ALLOWED == set()
    # and the allowances are still needed (a stale one would hide a new write)
    assert ALLOWED - found == set()


def test_the_scan_finds_each_kind_of_write(tmp_path):
    # given a module writing calls each way dispatch and the CSV import once did
    source = tmp_path / "actions.py"
    source.write_text(
        "from coresponder.calls.models import Call as TheCall\n"
        "def send(call):\n"
        "    TheCall.objects.filter(pk=call.pk).update(state='dispatched')\n"
        "def move(team):\n"
        "    call = TheCall.objects.select_for_update().get(pk=team.call_id)\n"
        "    call.save(update_fields=['state'])\n"
        "def undo(event):\n"
        "    event.call.save()\n"
        "def load(rows):\n"
        "    TheCall.objects.bulk_create([TheCall(reference=row) for row in rows])\n"
        "def built(row):\n"
        "    return TheCall(reference=row)\n"
        "def via_person(person):\n"
        "    person.calls.all().update(state='closed')\n"
        "def reads(program):\n"
        "    calls = list(TheCall.objects.filter(program=program))\n"
        "    team.save(update_fields=['status'])\n"
        "    return calls, TheCall.objects.filter(program=program).count()\n"
    )

    # when it is scanned
    found = call_writes(source, root=tmp_path)

    # then each write is found, and the reads and another model's save are not
    assert found == {
        ("actions.py", "send"),
        ("actions.py", "move"),
        ("actions.py", "undo"),
        ("actions.py", "load"),
        ("actions.py", "built"),
        ("actions.py", "via_person"),
    }
