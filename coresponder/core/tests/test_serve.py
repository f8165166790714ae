"""`coresponder serve` behind a TLS proxy: the proxy's word that the request was HTTPS
is believed, so the HTTPS redirect does not loop. A real waitress server on loopback."""

from __future__ import annotations

import http.client
import threading

import pytest
from waitress import create_server

from coresponder.core.management.commands.serve import waitress_options

# No database: the pages asked for here read none, so no server thread keeps a connection.


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


def get(port: int, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login/", headers={"Host": "testserver", **headers})
    status = connection.getresponse().status
    connection.close()
    return status


def test_the_proxys_https_is_believed_and_plain_http_is_redirected(behind_proxy):
    assert get(behind_proxy, {"X-Forwarded-Proto": "https"}) == 200
    assert get(behind_proxy, {}) == 301


def test_without_a_proxy_forwarding_headers_are_not_trusted(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert "trusted_proxy" not in waitress_options(threads=4)


def test_several_processes_share_the_port_and_stop_together(tmp_path):
    import os
    import re
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coresponder.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "coresponder", "serve", "--port", "0", "--processes", "2"],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        line = server.stdout.readline()
        port = int(re.search(r":(\d+)/", line).group(1))
        assert "2 processes" in line

        def children() -> list[int]:
            found = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == server.pid:
                    found.append(int(stat.parent.name))
            return found

        deadline = time.monotonic() + 10
        while len(children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(children()) == 2
        for _ in range(6):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/login/", headers={"Host": "testserver"})
            assert connection.getresponse().status == 200
            connection.close()
        forked = children()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    time.sleep(0.2)
    assert not [pid for pid in forked if Path(f"/proc/{pid}").exists()]
