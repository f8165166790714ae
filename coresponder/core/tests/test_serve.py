"""`coresponder serve` behind a TLS proxy: the proxy's word that the request was HTTPS
is believed, so the HTTPS redirect does not loop. A real waitress server on loopback."""

from __future__ import annotations

import http.client
import threading

import pytest
from waitress import create_server

from coresponder.core.management.commands.serve import waitress_options

pytestmark = pytest.mark.django_db(transaction=True)


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
    connection.request("GET", "/healthz", headers={"Host": "testserver", **headers})
    status = connection.getresponse().status
    connection.close()
    return status


def test_the_proxys_https_is_believed_and_plain_http_is_redirected(behind_proxy):
    assert get(behind_proxy, {"X-Forwarded-Proto": "https"}) == 200
    assert get(behind_proxy, {}) == 301


def test_without_a_proxy_forwarding_headers_are_not_trusted(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert "trusted_proxy" not in waitress_options(threads=4)
