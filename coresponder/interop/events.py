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


FHIR_BUNDLE_IMPORTED = "interop.fhir_bundle_imported"
# A read of a person's imported health summary, by the read gate (one per record and window).
HEALTH_SUMMARY_READ = "interop.health_summary_read"


def fhir_bundle_imported(*, program, actor: Actor, detail: dict, request=None) -> None:
    """One entry per bundle: its source, the persons it matched and made, the counts."""
    record(
        FHIR_BUNDLE_IMPORTED,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
        request=request,
    )
