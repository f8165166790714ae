"""Telling a team it has been sent: at once on its field view, and by message.

The channels are pluggable: `COR_NOTIFIERS` lists dotted paths of notifier classes, e-mail
by default; `SmsGatewayNotifier` posts to an SMS gateway where `COR_SMS_GATEWAY_URL` is
set. Messages carry the call number, priority and response only: no person's name, no
address. Those are read in Coresponder, behind sign-in and the audit log.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connections
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from coresponder.calls.triage import RESPONSE_WORDS, Response

from .models import Notification

log = logging.getLogger(__name__)

DEFAULT_NOTIFIERS = ["coresponder.dispatch.notify.EmailNotifier"]


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def message_for(team, call) -> Message:
    link = settings.COR_SITE_URL.rstrip("/") + reverse("dispatch:field")
    subject = _("Dispatched: call %(call)s, priority %(priority)s") % {
        "call": call.reference,
        "priority": call.priority,
    }
    body = _(
        "%(team)s is dispatched to call %(call)s (priority %(priority)s, %(response)s). "
        "Open your field view for the address and safety information: %(link)s"
    ) % {
        "team": team.name,
        "call": call.reference,
        "priority": call.priority,
        "response": RESPONSE_WORDS[Response(call.response)],
        "link": link,
    }
    return Message(subject, body)


class EmailNotifier:
    channel = "email"

    def send(self, member, message: Message) -> None:
        if not member.user.email:
            raise ValueError(_("no e-mail address"))
        send_mail(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [member.user.email],
            fail_silently=False,
        )


class SmsGatewayNotifier:
    """Posts `{"to": ..., "text": ...}` as JSON to the gateway, with its bearer token."""

    channel = "sms"

    def send(self, member, message: Message) -> None:
        url = getattr(settings, "COR_SMS_GATEWAY_URL", "")
        if not url:
            raise ValueError(_("no SMS gateway configured"))
        if not member.phone:
            raise ValueError(_("no phone number"))
        request = urllib.request.Request(  # noqa: S310 - the operator's configured gateway
            url,
            data=json.dumps({"to": member.phone, "text": message.body}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {getattr(settings, 'COR_SMS_GATEWAY_TOKEN', '')}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            if response.status >= 300:
                raise ValueError(_("gateway answered %(status)s") % {"status": response.status})


def notifiers() -> list:
    return [import_string(path)() for path in getattr(settings, "COR_NOTIFIERS", DEFAULT_NOTIFIERS)]


def notify_soon(team, call, members) -> threading.Thread | None:
    """Notifies off the request: a slow mail server or gateway never holds up a dispatch.

    The field view shows the dispatch at once whatever happens here. With
    `COR_NOTIFY_IN_BACKGROUND` off (the test suite), it notifies before returning.
    """
    if not settings.COR_NOTIFY_IN_BACKGROUND:
        notify_dispatched(team, call, members)
        return None
    thread = threading.Thread(
        target=_notify_and_close, args=(team, call, members), name="dispatch-notify", daemon=True
    )
    thread.start()
    return thread


def _notify_and_close(team, call, members) -> None:
    try:
        notify_dispatched(team, call, members)
    except Exception:
        log.exception("notifying %s of call %s failed", team, call)
    finally:
        connections.close_all()  # this thread's own connections


def notify_dispatched(team, call, members) -> list[Notification]:
    """Runs after the dispatch commits; a failed channel is recorded, never raised."""
    message = message_for(team, call)
    rows = [
        Notification(team=team, call=call, user=member.user, channel="field", sent=True)
        for member in members
    ]
    for notifier in notifiers():
        for member in members:
            row = Notification(team=team, call=call, user=member.user, channel=notifier.channel)
            try:
                notifier.send(member, message)
                row.sent = True
            except Exception as error:
                log.warning("notifying %s by %s failed: %s", member.user, notifier.channel, error)
                row.error = str(error)[:300]
            rows.append(row)
    return Notification.objects.bulk_create(rows)
