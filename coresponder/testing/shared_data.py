"""Finding ../shared/data, the real external data tests read in place (never copied)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def skip_unless_ci(message: str) -> None:
    """Skip where a newcomer lacks an optional part; fail in CI, which always has it."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def shared_data_dir() -> Path:
    return Path(os.environ.get("COR_SHARED_DATA", PROJECT_DIR.parent / "shared" / "data"))


def shared_data(relative: str) -> Path:
    """The path of a shared data file; skips the test where ../shared is absent."""
    path = shared_data_dir() / relative
    if not path.exists():
        message = (
            f"needs {relative} from the shared data folder, not found at {path}. "
            "Check out the project beside shared/ (or set COR_SHARED_DATA) to run it."
        )
        skip_unless_ci(message)
    return path
