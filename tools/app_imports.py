"""The app-level import graph of coresponder/, its cycles and its function-local imports.

Run from the repository root: `python tools/app_imports.py [--tests]`. Tests are left out
unless asked for: the layers concern the program, not the suite that walks it.
"""

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "coresponder"
SKIP_TOP = {"settings", "testing", "migrations"}


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "coresponder" or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            if not is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        return [target]
    return []


def scan(include_tests: bool):
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    local_imports: list[tuple[str, int, str, str]] = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP_TOP or "migrations" in rel.parts:
            continue
        if not include_tests and ("tests" in rel.parts or path.name == "conftest.py"):
            continue
        module = module_name(path)
        source_app = app_of(module) if len(rel.parts) > 1 else "(project)"
        if source_app is None:
            continue
        if len(rel.parts) == 1:
            source_app = "(project)"
        tree = ast.parse(path.read_text(), filename=str(path))
        top_level = set()
        for node in tree.body:
            top_level.add(node)
        parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                parents[child] = parent
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            in_function = False
            up = parents.get(node)
            while up is not None:
                if isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
                    in_function = True
                    break
                up = parents.get(up)
            for target in imported(node, module, path.name == "__init__.py"):
                target_app = app_of(target)
                if target_app is None or target_app in SKIP_TOP or target_app == source_app:
                    continue
                if len(target.split(".")) == 2 and (ROOT / f"{target_app}.py").exists():
                    target_app = "(project)"
                if target_app == source_app:
                    continue
                where = f"{module}:{node.lineno}{' (local)' if in_function else ''} -> {target}"
                edges[(source_app, target_app)].append(where)
                if in_function:
                    local_imports.append((module, node.lineno, target, target_app))
    return edges, local_imports


def strongly_connected(nodes, graph):
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            result.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return result


def main() -> None:
    include_tests = "--tests" in sys.argv
    verbose = "-v" in sys.argv
    edges, local_imports = scan(include_tests)
    graph = defaultdict(set)
    nodes = set()
    for a, b in edges:
        graph[a].add(b)
        nodes |= {a, b}
    print("app-level imports (importer -> imported: count)")
    for (a, b), where in sorted(edges.items()):
        print(f"  {a} -> {b}: {len(where)}")
        if verbose:
            for w in where:
                print(f"      {w}")
    print("\ncycles (strongly connected sets of apps)")
    cycles = [c for c in strongly_connected(nodes, graph) if len(c) > 1]
    for component in cycles:
        print("  " + ", ".join(component))
    if not cycles:
        print("  none")
    print("\ntwo-app cycles")
    for a, b in sorted(edges):
        if a < b and (b, a) in edges:
            print(f"  {a} <-> {b}")
    print(f"\nfunction-local imports of another app: {len(local_imports)}")
    for module, line, target, _ in local_imports:
        print(f"  {module}:{line} -> {target}")


if __name__ == "__main__":
    main()
