"""Playwright driving Debian's Chromium. Never downloads a browser."""

from __future__ import annotations

import os
from pathlib import Path

from .shared_data import PROJECT_DIR, skip_unless_ci

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path:
    return Path(os.environ.get("COR_CHROMIUM", "/usr/bin/chromium"))


def require_chromium() -> Path:
    path = chromium_path()
    if not path.exists():
        message = (
            f"browser tests need Chromium at {path}. Install Debian's package "
            "(sudo apt-get install chromium) or set COR_CHROMIUM to a Chromium binary."
        )
        skip_unless_ci(message)
    return path


def screenshot_dir() -> Path:
    path = Path(os.environ.get("COR_TEST_OUTPUT", PROJECT_DIR / "test-results")) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
