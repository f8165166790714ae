"""Audit events of the resource directory. Each function writes exactly one entry.

Directory data names services, not people: an import or export is audited once, for the
whole package, with its counts.
"""

from __future__ import annotations

from coresponder.privacy.audit import Actor, record

DIRECTORY_IMPORTED = "referrals.directory_imported"
DIRECTORY_EXPORTED = "referrals.directory_exported"


def directory_imported(*, program, actor: Actor, detail: dict) -> None:
    record(
        DIRECTORY_IMPORTED,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
    )


def directory_exported(*, program, actor: Actor, detail: dict) -> None:
    record(
        DIRECTORY_EXPORTED,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
    )
