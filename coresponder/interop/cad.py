"""CAD intake: a computer-aided dispatch system posts a call; it is recorded once.

The order of checks is the order of trust: the agency token says which feed is posting
(403 if it is not an active feed's), the HMAC-SHA256 signature of the raw body proves the
feed's CAD sent those very bytes (401 if not), and only then is the body parsed. The
idempotency key makes a retried delivery return the call the first one made.

Later, the CAD may send how the call ended — its disposition and cleared time — by the
same incident number: signed and keyed the same way, and the same update again changes
nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.calls.actions import CallIn, ReportedOutcome, record_reported_outcome, take_call
from coresponder.calls.models import Call, Origin
from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from coresponder.core.time_bounds import CLOCK_SKEW

from .classify import classify, default_rules
from .models import IDEMPOTENCY_KEY_MAX, CadDelivery, CadFeed

SIGNATURE_HEADER = "X-Coresponder-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
IDEMPOTENCY_KEY = re.compile(rf"[\x20-\x7e]{{1,{IDEMPOTENCY_KEY_MAX}}}")


class SignatureRefused(DomainError):
    code = "bad_signature"
    status = 401


class DeliveryInvalid(DomainError):
    code = "invalid"
    status = 422


def feed_for(token) -> CadFeed:
    """The active feed the token belongs to; a token of no active feed is refused."""
    feed = (
        CadFeed.objects.active()
        .select_related("agency__program", "token")
        .filter(token=token)
        .first()
    )
    if feed is None:
        raise PermissionDenied(
            _("This token does not belong to an active CAD feed; CAD calls need a feed's token.")
        )
    return feed


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body: what the CAD system computes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(feed: CadFeed, body: bytes, header: str | None) -> None:
    if not header:
        raise SignatureRefused(
            _(
                "Sign the body: send %(header)s: sha256=<hex HMAC-SHA256 of the raw body, "
                "keyed with the feed's signing secret>."
            )
            % {"header": SIGNATURE_HEADER}
        )
    found = SIGNATURE.fullmatch(header.strip())
    expected = sign(feed.signing_secret, body)
    given = "sha256=" + (found[1].lower() if found else "")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureRefused(
            _(
                "The signature does not match the body. Sign the exact bytes you send with the "
                "feed's signing secret: %(header)s: sha256=<hex>."
            )
            % {"header": SIGNATURE_HEADER}
        )


def idempotency_key_problems(key: str | None) -> list[str]:
    if key is None or not key.strip():
        return [
            _(
                "Required: a key that names this delivery, the same on every retry "
                "(for example the CAD's event number and revision)."
            )
        ]
    if not IDEMPOTENCY_KEY.fullmatch(key.strip()):
        return [_("At most %(limit)d printable ASCII characters.") % {"limit": IDEMPOTENCY_KEY_MAX}]
    return []


def call_in_from(payload) -> CallIn:
    """The intake of a validated CAD payload; concerns and screening from the nature code
    when the CAD sent none of its own."""
    derived_concerns, derived_screening = classify([payload.call_type], default_rules())
    summary = "\n".join(
        part
        for part in (
            # Stored data, not a message: the same words whatever the request's language.
            f"CAD call type: {payload.call_type}" if payload.call_type else "",
            payload.narrative,
        )
        if part
    )
    return CallIn(
        source=payload.source,
        concerns=list(payload.concerns) if payload.concerns is not None else derived_concerns,
        screening=list(payload.screening) if payload.screening is not None else derived_screening,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        caller_relation=payload.caller_relation,
        language=payload.language,
        summary=summary,
        # Held to the program's bounds by `take_call`, a clock a little ahead taken as now.
        received_at=payload.received_at,
        external_id=payload.incident_number,
    )


@dataclass(frozen=True)
class Delivered:
    call: Call
    created: bool  # False: a retry, answered with the call the first delivery made


def cleared_at_from(cleared_at: datetime | None) -> datetime | None:
    now = timezone.now()
    if cleared_at is not None and now < cleared_at <= now + CLOCK_SKEW:
        return now
    return cleared_at


def _earlier_delivery(feed: CadFeed, key: str) -> CadDelivery | None:
    return CadDelivery.objects.select_related("call").filter(feed=feed, idempotency_key=key).first()


def _replay(delivery: CadDelivery, digest: str) -> Delivered:
    if not hmac.compare_digest(delivery.body_sha256, digest):
        raise Conflict(
            _(
                "This Idempotency-Key was used for a different body. A retry sends the same "
                "bytes; a new or changed call needs a new key."
            ),
            fields={IDEMPOTENCY_HEADER: [_("Already used for another body.")]},
        )
    return Delivered(call=delivery.call, created=False)


def deliver(feed: CadFeed, *, key: str, body: bytes, call_in: CallIn, request=None) -> Delivered:
    """Records the call once per (feed, key): a retry gets the first call back, even when two
    copies arrive at once (the unique key decides; the loser's call is rolled back)."""
    key = key.strip()
    digest = hashlib.sha256(body).hexdigest()
    earlier = _earlier_delivery(feed, key)
    if earlier is not None:
        return _replay(earlier, digest)
    try:
        with transaction.atomic():
            call = take_call(
                call_in,
                actor=Actor.of_token(feed.token),
                agency=feed.agency,
                origin=Origin.CAD,
                request=request,
            )
            CadDelivery.objects.create(
                feed=feed, idempotency_key=key, body_sha256=digest, call=call
            )
    except DomainError as error:
        if type(error) is not DomainError:  # only bad input becomes a 422
            raise
        raise DeliveryInvalid(error.message, fields=error.fields) from None
    except IntegrityError:
        earlier = _earlier_delivery(feed, key)
        if earlier is None:
            raise
        return _replay(earlier, digest)
    return Delivered(call=call, created=True)


def call_for_outcome(feed: CadFeed, incident_number: str) -> Call:
    """The program's call with this incident number (the latest, should a CAD have sent
    one number twice); 404 when there is none."""
    call = (
        Call.objects.filter(program=feed.agency.program, external_id=incident_number)
        .order_by("-received_at")
        .first()
    )
    if call is None:
        raise NotFound(
            _("No call of this program has incident number %(number)s; send the call first.")
            % {"number": incident_number},
            fields={"incident_number": [_("No such call.")]},
        )
    return call


def deliver_outcome(
    feed: CadFeed,
    *,
    key: str,
    body: bytes,
    incident_number: str,
    reported: ReportedOutcome,
    request=None,
) -> Delivered:
    """Keeps how a call ended, once per (feed, key): a retry gets the call back as it is."""
    key = key.strip()
    digest = hashlib.sha256(body).hexdigest()
    earlier = _earlier_delivery(feed, key)
    if earlier is not None:
        return _replay(earlier, digest)
    call = call_for_outcome(feed, incident_number)
    try:
        with transaction.atomic():
            call, changed = record_reported_outcome(
                call, reported, actor=Actor.of_token(feed.token), request=request
            )
            CadDelivery.objects.create(
                feed=feed, idempotency_key=key, body_sha256=digest, call=call
            )
    except DomainError as error:
        if type(error) is not DomainError:
            raise
        raise DeliveryInvalid(error.message, fields=error.fields) from None
    except IntegrityError:
        earlier = _earlier_delivery(feed, key)
        if earlier is None:
            raise
        return _replay(earlier, digest)
    return Delivered(call=call, created=changed)
