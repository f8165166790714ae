"""Starting Django for a benchmark run from a checkout: the benchmark measures its code."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def set_up_django() -> Path | None:
    """Configure and migrate; returns the temporary directory to remove, if one was made.

    Without DATABASE_URL, a fresh SQLite file in a temporary directory.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coresponder.settings.test")
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = Path(tempfile.mkdtemp(prefix="cor-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return scratch
