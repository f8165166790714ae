"""Rewrite code written against the module paths from before issue #19's moves.

Run from the repository root on the files a branch changed, after merging it:
`python tools/rewrite_layers_moves.py $(git diff --name-only main... -- '*.py')`.
It rewrites dotted paths and splits `from x import a, b` where only some names moved;
run `ruff check --fix` and `ruff format` after it to sort the imports it adds.
"""

import re
import sys
from pathlib import Path

# Whole modules: old dotted path -> new dotted path.
MODULES = {
    "coresponder.privacy.audit": "coresponder.core.audit",
    "coresponder.privacy.admin_audit": "coresponder.core.admin_audit",
    "coresponder.privacy.receivers": "coresponder.accounts.receivers",
    "coresponder.privacy.management.commands.audit": "coresponder.core.management.commands.audit",
    "coresponder.core.home": "coresponder.web.home",
    "coresponder.core.navigation": "coresponder.web.navigation",
    "coresponder.core.admin_site": "coresponder.web.admin_site",
    "coresponder.core.urls": "coresponder.web.urls",
    "coresponder.people.views": "coresponder.web.people.views",
    "coresponder.people.urls": "coresponder.web.people.urls",
    "coresponder.calls.views": "coresponder.web.calls.views",
    "coresponder.calls.urls": "coresponder.web.calls.urls",
    "coresponder.calls.api": "coresponder.web.calls.api",
    "coresponder.dispatch.views": "coresponder.web.dispatch.views",
    "coresponder.dispatch.urls": "coresponder.web.dispatch.urls",
    "coresponder.privacy.views": "coresponder.web.privacy.views",
    "coresponder.privacy.urls": "coresponder.web.privacy.urls",
    "coresponder.privacy.api": "coresponder.web.privacy.api",
}

# Names that moved out of a module that stays: (old module, name) -> (new module, new name).
NAMES = {
    **{
        ("coresponder.privacy.models", name): ("coresponder.core.models", name)
        for name in (
            "AuditEntry",
            "AuditChainHead",
            "AuditEntryQuerySet",
            "AuditLogIsAppendOnly",
            "GENESIS_HASH",
        )
    },
    **{
        ("coresponder.privacy.events", name): ("coresponder.accounts.events", name)
        for name in (
            "LOGGED_IN",
            "LOGGED_OUT",
            "LOGIN_FAILED",
            "LOCKED_OUT",
            "SESSION_ENDED",
            "logged_in",
            "logged_out",
            "login_failed",
            "locked_out",
            "session_ended",
        )
    },
    ("coresponder.core.views", "home"): ("coresponder.web.views", "home"),
    ("coresponder.encounters.views.plans", "may_draft"): (
        "coresponder.encounters.actions",
        "may_draft_plan",
    ),
}

# URL names whose namespace changed (all other URL names and paths are unchanged).
URL_NAMES = {"core:home": "web:home"}

IMPORT = re.compile(r"^(?P<indent>\s*)from (?P<module>[\w.]+) import (?P<names>[^(\n]+)$", re.M)


def rewrite(text: str) -> str:
    for old, new in sorted(MODULES.items(), key=lambda item: -len(item[0])):
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)

    def split(match: re.Match) -> str:
        module, indent = match["module"], match["indent"]
        kept, moved = [], {}
        for part in (p.strip() for p in match["names"].split(",") if p.strip()):
            name = part.split(" as ")[0].strip()
            target = NAMES.get((module, name))
            if target is None:
                kept.append(part)
            else:
                alias = part.split(" as ")[1].strip() if " as " in part else None
                new_name = target[1] + (f" as {alias}" if alias else "")
                if alias is None and target[1] != name:
                    new_name = f"{target[1]} as {name}"
                moved.setdefault(target[0], []).append(new_name)
        if not moved:
            return match.group(0)
        lines = [f"{indent}from {module} import {', '.join(kept)}"] if kept else []
        lines += [f"{indent}from {m} import {', '.join(n)}" for m, n in moved.items()]
        return "\n".join(lines)

    text = IMPORT.sub(split, text)
    for old, new in URL_NAMES.items():
        text = text.replace(f"'{old}'", f"'{new}'").replace(f'"{old}"', f'"{new}"')
    return text


def main(paths: list[str]) -> None:
    for name in paths:
        path = Path(name)
        if not path.is_file():
            continue
        before = path.read_text()
        after = rewrite(before)
        moved_events = {n for (m, n) in NAMES if m == "coresponder.privacy.events"}
        if re.search(r"from coresponder\.privacy import [^\n]*\bevents\b", after) and any(
            re.search(rf"\.{name}\b", after) for name in moved_events
        ):
            print(f"check {path}: it uses privacy's events module for a sign-in event, now in")
            print("    coresponder.accounts.events")
        if after != before:
            path.write_text(after)
            print(f"rewrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
