"""The notifiers: e-mail by default, an SMS gateway where one is configured.

The gateway is outside the program, so the test runs a real one on loopback: an HTTP
server that records what it receives.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from coresponder.dispatch import actions
from coresponder.dispatch.models import Notification

pytestmark = pytest.mark.django_db

SMS = "coresponder.dispatch.notify.SmsGatewayNotifier"
EMAIL = "coresponder.dispatch.notify.EmailNotifier"


@pytest.fixture
def gateway():
    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()


def test_an_sms_gateway_gets_one_message_per_member_with_no_address(
    settings, gateway, make_team, take_call, desk, django_capture_on_commit_callbacks
):
    url, received = gateway
    settings.COR_NOTIFIERS = [SMS]
    settings.COR_SMS_GATEWAY_URL = url
    settings.COR_SMS_GATEWAY_TOKEN = "gateway-secret"
    team = make_team()
    team.members.update(phone="+15555550100")
    call = take_call(address="77 Spruce Avenue")
    with django_capture_on_commit_callbacks(execute=True):
        actions.dispatch_team(call, team, acting_user=desk)
    assert len(received) == 2
    authorization, body = received[0]
    assert authorization == "Bearer gateway-secret"
    assert body["to"] == "+15555550100"
    assert call.reference in body["text"]
    assert "Spruce" not in body["text"]
    assert mail.outbox == []
    assert Notification.objects.filter(channel="sms", sent=True).count() == 2


def test_a_failing_channel_is_recorded_and_does_not_stop_the_others(
    settings, make_team, take_call, desk, django_capture_on_commit_callbacks
):
    settings.COR_NOTIFIERS = [SMS, EMAIL]
    settings.COR_SMS_GATEWAY_URL = ""  # not configured
    team = make_team()
    with django_capture_on_commit_callbacks(execute=True):
        actions.dispatch_team(take_call(), team, acting_user=desk)
    failed = Notification.objects.filter(channel="sms")
    assert failed.count() == 2
    assert all(not n.sent and "no SMS gateway" in n.error for n in failed)
    assert len(mail.outbox) == 2
    # The field view counts as told at once, whatever the other channels did.
    assert Notification.objects.filter(channel="field", sent=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_slow_gateway_does_not_hold_up_the_dispatch(settings, make_team, take_call, desk):
    import time

    settings.COR_NOTIFY_IN_BACKGROUND = True
    settings.COR_NOTIFIERS = [SMS]
    release = threading.Event()
    received = []

    class SlowGateway(BaseHTTPRequestHandler):
        def do_POST(self):
            release.wait(timeout=10)
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), SlowGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.COR_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    team = make_team()
    team.members.update(phone="+15555550100")
    try:
        started = time.monotonic()
        actions.dispatch_team(take_call(), team, acting_user=desk)  # commits: no outer atomic
        assert time.monotonic() - started < 2
        assert received == []  # the gateway is still holding the first message
        release.set()
        for thread in threading.enumerate():
            if thread.name == "dispatch-notify":
                thread.join(timeout=15)
        assert len(received) == 2
        assert Notification.objects.filter(channel="sms", sent=True).count() == 2
    finally:
        release.set()
        server.shutdown()
