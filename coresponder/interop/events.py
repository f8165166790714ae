"""Audit events of interoperability. Each function writes exactly one entry.

A call a CAD system delivers is audited by `calls.events.call_taken` (origin "cad"); a CSV
import writes one entry for the whole file, since imported calls are history that names no
person.
"""

from __future__ import annotations

from coresponder.core.audit import Actor, record

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


CALL_FILE_UPLOADED = "interop.call_file_uploaded"
CALL_IMPORT_STARTED = "interop.call_import_started"


def call_file_uploaded(*, upload, actor: Actor) -> None:
    record(
        CALL_FILE_UPLOADED,
        actor=actor,
        object_type="call_import",
        object_id=upload.pk,
        detail={
            "file": upload.file_name,
            "file_sha256": upload.sha256,
            "bytes": upload.size,
            "agency": upload.agency.name,
        },
    )


def call_import_started(*, upload, actor: Actor) -> None:
    """A check (dry run) or an import of an uploaded file asked for, with the mapping it
    runs with, saved for the program under its name. The calls it writes are audited
    by `calls_imported` when it ends."""
    record(
        CALL_IMPORT_STARTED,
        actor=actor,
        object_type="call_import",
        object_id=upload.pk,
        detail={
            "file": upload.file_name,
            "mapping": upload.mapping_name,
            "dry_run": upload.dry_run,
        },
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
