"""`coresponder serve`: gunicorn in real processes on loopback (workers replaced when killed,
none left behind when the master dies), and waitress behind a TLS proxy for the demo and
Windows.

Every process a test signals is one it started: the server it launched, or a worker whose
parent is that server. Nothing sleeps a fixed time: each wait polls a condition against a
deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from waitress import create_server

from coresponder.core.management.commands.serve import gunicorn_arguments, waitress_options

# No database: the pages asked for here read none, so no server thread keeps a connection.

DEADLINE_SECONDS = 60


def wait_for(condition, what: str, seconds: float = DEADLINE_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up after {seconds} s waiting for {what}")


def alive(pid: int) -> bool:
    """Running: a zombie (exited, not yet reaped by whoever adopted it) is not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children_of(parent: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def get(port: int, path: str = "/login/", headers: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "testserver", **(headers or {})})
        return connection.getresponse().status
    finally:
        connection.close()


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


class Gunicorn:
    """`coresponder serve` started as an operator would, its output kept in files."""

    def __init__(self, tmp_path: Path, *arguments: str) -> None:
        self.out = tmp_path / "serve.out"
        self.err = tmp_path / "serve.err"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coresponder.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        }
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "coresponder", "serve", "--port", "0", *arguments],
                stdout=out,
                stderr=err,
                env=environment,
            )
        self.pid = self.process.pid  # gunicorn takes the command's process over
        self.seen_workers: set[int] = set()
        line = wait_for(self._serving_line, "the server to say where it listens")
        self.port = int(re.search(r"127\.0\.0\.1:(\d+)/", line).group(1))

    def _serving_line(self) -> str | None:
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited: {self.err.read_text()}")
        return next(
            (line for line in self.out.read_text().splitlines() if "Serving on" in line), None
        )

    def workers(self) -> set[int]:
        found = children_of(self.pid)
        self.seen_workers |= found
        return found

    def wait_for_workers(self, count: int, *, other_than: set[int] = frozenset()) -> set[int]:
        def ready() -> set[int] | None:
            found = self.workers()
            return found if len(found) == count and not found & other_than else None

        return wait_for(ready, f"{count} workers other than {sorted(other_than)}")

    def answered_by(self, pid: int, path: str) -> bool:
        """Whether the access log has a line of this worker answering this path."""
        return any(
            f"<{pid}>" in line and f'"GET {path}"' in line
            for line in self.out.read_text().splitlines()
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=DEADLINE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.seen_workers:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def start_gunicorn(tmp_path):
    started = []

    def start(*arguments: str) -> Gunicorn:
        server = Gunicorn(tmp_path, *arguments)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.mark.slow  # a real gunicorn master and workers, started and stopped
def test_a_killed_worker_is_replaced_and_the_new_one_answers(start_gunicorn):
    # given: one worker, answering
    server = start_gunicorn("--processes", "1")
    (first,) = server.wait_for_workers(1)
    assert get(server.port) == 200
    wait_for(lambda: server.answered_by(first, "/login/"), "the first worker's log line")

    # when
    os.kill(first, signal.SIGKILL)

    # then: the master starts another, and it answers
    (second,) = server.wait_for_workers(1, other_than={first})
    assert second != first
    assert not alive(first)
    assert get(server.port, "/healthz") == 200
    wait_for(lambda: server.answered_by(second, "/healthz"), "the new worker's log line")


@pytest.mark.slow  # a real gunicorn master and workers, started and stopped
def test_when_the_master_is_killed_its_workers_exit_and_the_port_is_free(start_gunicorn):
    # given
    server = start_gunicorn("--processes", "2")
    workers = server.wait_for_workers(2)
    assert get(server.port) == 200

    # when
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=DEADLINE_SECONDS)

    # then: each worker sees its parent gone and exits; nothing holds the port
    wait_for(lambda: not any(alive(pid) for pid in workers), "the orphaned workers to exit")
    wait_for(lambda: refused(server.port), "the port to refuse connections")
    with socket.create_server(("127.0.0.1", server.port)) as taken_again:
        assert taken_again.getsockname()[1] == server.port


@pytest.mark.slow  # a real gunicorn master and workers, started and stopped
def test_a_reload_replaces_every_worker_and_a_stop_ends_them_all(start_gunicorn):
    # given
    server = start_gunicorn("--processes", "2")
    before = server.wait_for_workers(2)

    # when: systemd's reload
    server.process.send_signal(signal.SIGHUP)

    # then: new workers answer; the old ones have left
    after = server.wait_for_workers(2, other_than=before)
    wait_for(lambda: not any(alive(pid) for pid in before), "the old workers to exit")
    for _ in range(4):
        assert get(server.port) == 200

    # when: systemd's stop
    server.process.send_signal(signal.SIGTERM)

    # then
    assert server.process.wait(timeout=DEADLINE_SECONDS) == 0
    wait_for(lambda: not any(alive(pid) for pid in after), "the workers to exit")
    assert refused(server.port)


@pytest.mark.slow  # a real gunicorn master and workers, started and stopped
def test_a_worker_is_restarted_after_its_maximum_of_requests(start_gunicorn):
    # given: a worker that serves three requests (no jitter at so few)
    server = start_gunicorn("--processes", "1", "--max-requests", "3")
    (first,) = server.wait_for_workers(1)

    # when
    statuses = [get(server.port) for _ in range(3)]

    # then
    assert statuses == [200, 200, 200]
    (second,) = server.wait_for_workers(1, other_than={first})
    assert get(server.port, "/healthz") == 200
    wait_for(lambda: server.answered_by(second, "/healthz"), "the new worker's log line")


@pytest.mark.slow  # a real gunicorn master and workers, started and stopped
def test_the_access_log_has_the_path_and_not_the_query_string(start_gunicorn):
    # given
    server = start_gunicorn("--processes", "1")
    (worker,) = server.wait_for_workers(1)

    # when: a search whose query string carries a person's name and date of birth
    get(server.port, "/login/?name=Demo+Alpha&dob=1990-01-01", {"User-Agent": "agent-7"})

    # then
    line = wait_for(
        lambda: next((x for x in server.out.read_text().splitlines() if "/login/" in x), None),
        "the access log line",
    )
    assert re.fullmatch(rf'127\.0\.0\.1 \[[^\]]+\] <{worker}> "GET /login/" 200 \d+ \d+ms', line), (
        line
    )
    assert "Demo" not in server.out.read_text() + server.err.read_text()


def test_a_port_in_use_is_refused_in_a_sentence():
    # given
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]

        # when
        with pytest.raises(CommandError) as refusal:
            call_command("serve", "--port", str(port))

    # then
    assert str(refusal.value) == (
        f"Port {port} on 127.0.0.1 is already in use. Stop the other server, "
        "or choose another port with --port."
    )


def test_gunicorn_believes_forwarded_https_from_the_trusted_proxy_alone(settings):
    # given
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.COR_TRUSTED_PROXY = "10.0.0.5"

    # when
    arguments = gunicorn_arguments(
        host="127.0.0.1", port=8000, processes=3, threads=8, timeout=30, max_requests=5000
    )

    # then
    assert arguments == [
        "--config",
        "python:coresponder.core.gunicorn_config",
        "--bind",
        "127.0.0.1:8000",
        "--workers",
        "3",
        "--threads",
        "8",
        "--timeout",
        "30",
        "--graceful-timeout",
        "30",
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        "--forwarded-allow-ips",
        "10.0.0.5",
    ]


def test_without_a_proxy_gunicorn_believes_no_forwarded_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = None

    arguments = gunicorn_arguments(
        host="::1", port=8000, processes=1, threads=1, timeout=30, max_requests=0
    )

    assert arguments[arguments.index("--bind") + 1] == "[::1]:8000"
    assert arguments[arguments.index("--forwarded-allow-ips") + 1] == ""


@pytest.mark.parametrize(
    ("scheme_gunicorn_believed", "header_django_sees"), [("https", "https"), ("http", "http")]
)
def test_django_sees_the_forwarded_scheme_gunicorn_believed(
    monkeypatch, scheme_gunicorn_believed, header_django_sees
):
    # given: a request claiming HTTPS, believed or not by gunicorn (wsgi.url_scheme)
    from coresponder import wsgi

    seen = {}
    monkeypatch.setattr(wsgi, "application", lambda environ, start: seen.update(environ))
    environ = {"HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": scheme_gunicorn_believed}

    # when
    wsgi.gunicorn_application(environ, None)

    # then
    assert seen["HTTP_X_FORWARDED_PROTO"] == header_django_sees


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.COR_TRUSTED_PROXY = "127.0.0.1"
    from django.core.wsgi import get_wsgi_application

    server = create_server(
        get_wsgi_application(), host="127.0.0.1", port=0, **waitress_options(threads=2)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()


def test_waitress_believes_the_proxys_https_and_redirects_plain_http(behind_proxy):
    assert get(behind_proxy, headers={"X-Forwarded-Proto": "https"}) == 200
    assert get(behind_proxy) == 301


def test_without_a_proxy_waitress_trusts_no_forwarding_headers(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert "trusted_proxy" not in waitress_options(threads=4)


def test_waitress_serves_one_process_only():
    with pytest.raises(CommandError) as refusal:
        call_command("serve", "--server", "waitress", "--processes", "2")

    assert str(refusal.value) == "waitress serves from one process: use --processes 1."
