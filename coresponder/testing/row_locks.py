"""Waiting, in a PostgreSQL test, until another connection queues behind a row lock."""

from __future__ import annotations

import threading
import time

from django.db import connection

WAIT_SECONDS = 30


def someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def wait_until_queued(writer: threading.Thread, what: str) -> None:
    """Returns once `writer` waits on a lock this transaction holds; fails if it finished
    without waiting, or never queued. It asks the database every 10 ms until then: a wait
    on a condition, with a deadline, not a sleep that hopes the other side is ready."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not someone_waits_on_a_lock():
        assert writer.is_alive(), f"{what} finished without waiting for the lock"
        assert time.monotonic() < deadline, f"{what} never queued behind the lock"
        time.sleep(0.01)
