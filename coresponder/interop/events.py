"""Audit events of interoperability. Each function writes exactly one entry.

A call a CAD system delivers is audited by `calls.events.call_taken` (origin "cad"); a CSV
import writes one entry for the whole file, since imported calls are history that names no
person.
"""

from __future__ import annotations

from coresponder.privacy.audit import Actor, record

CAD_FEED_CREATED = "interop.cad_feed_created"
CAD_FEED_DISABLED = "interop.cad_feed_disabled"
CALLS_IMPORTED = "interop.calls_imported"


def cad_feed_created(*, feed, actor: Actor) -> None:
    record(
        CAD_FEED_CREATED,
        actor=actor,
        object_type="cad_feed",
        object_id=feed.pk,
        detail={"name": feed.name, "agency": feed.agency.name, "token": feed.token.prefix},
    )


def cad_feed_disabled(*, feed, actor: Actor) -> None:
    record(
        CAD_FEED_DISABLED,
        actor=actor,
        object_type="cad_feed",
        object_id=feed.pk,
        fields=["active"],
        detail={"name": feed.name, "agency": feed.agency.name},
    )


def calls_imported(*, program, actor: Actor, detail: dict) -> None:
    record(
        CALLS_IMPORTED,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
    )


FHIR_BUNDLE_EXPORTED = "interop.fhir_bundle_exported"


def fhir_bundle_exported(
    *,
    actor: Actor,
    person_id,
    bundle_id: str,
    channel: str,
    counts: dict[str, int],
    labels: list[str],
    encounters: list[str] | None,
    request=None,
) -> None:
    """A person's record left the program as a FHIR bundle: which bundle, by what channel,
    how many resources of each type, and its security labels. Each record in it was read
    (and its disclosure accounted) through the read gate."""
    record(
        FHIR_BUNDLE_EXPORTED,
        actor=actor,
        object_type="person",
        object_id=person_id,
        request=request,
        detail={
            "bundle": bundle_id,
            "channel": channel,
            "resources": counts,
            "security": labels,
            **({"encounters": encounters} if encounters is not None else {}),
        },
    )
