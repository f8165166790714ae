"""A CAD feed of the test program's law-enforcement agency, and a CAD system that posts to it."""

from __future__ import annotations

import json

import pytest

from coresponder.interop import actions
from coresponder.interop.cad import sign


@pytest.fixture
def issued_feed(agencies):
    return actions.create_cad_feed(
        agency=agencies["law_enforcement"], name="County CAD", acting_user=None
    )


@pytest.fixture
def cad_post(client, issued_feed):
    """Posts a body as a CAD system would: the feed's token, a signature, an idempotency key.

    `payload` is JSON-encoded unless it is bytes already; `signature=None` leaves the header
    out, and so do `key=None` and `token=None`. `path` is the call intake unless given (the
    outcome of a call: /api/v1/cad/outcomes).
    """

    def post(
        payload,
        *,
        key: str | None = "evt-1",
        token: str | None = "feed",  # noqa: S107 - "feed" stands for the feed's own token
        signature: str | None = "sign",
        secret: str | None = None,
        path: str = "/api/v1/cad/calls",
    ):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {}
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = "Bearer " + (
                issued_feed.token if token == "feed" else token
            )
        if signature == "sign":
            signature = sign(secret or issued_feed.signing_secret, body)
        if signature is not None:
            headers["HTTP_X_CORESPONDER_SIGNATURE"] = signature
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return client.post(path, body, content_type="application/json", **headers)

    return post
