"""The accounting of disclosures: every read of a person's information by someone outside
the agency that holds it, from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coresponder.core.models import AuditEntry

from . import events
from .models import Consent, ReadWindow


@dataclass(frozen=True)
class Disclosure:
    at: datetime
    recipient: str
    agency: str
    classes: list[str]
    basis: dict[str, str]
    channel: str
    seq: int
    reads: int = 1  # repeated reads in the entry's audit window (ReadWindow), this one included
    last_read_at: datetime | None = None


def disclosures_of(person_id, *, readable) -> tuple[list[Disclosure], int]:
    """The disclosures of the classes the reader may read, and how many were left out."""
    entries = (
        AuditEntry.objects.for_object("person", person_id)
        .filter(action=events.PERSON_READ)
        .exclude(detail__disclosed="")
        .order_by("-seq")
    )
    result, withheld = [], 0
    entries = list(entries)
    # A reader's repeated reads in one window are one entry; the window holds their count.
    windows = {
        seq: (count, last)
        for seq, count, last in ReadWindow.objects.filter(
            entry_seq__in=[entry.seq for entry in entries]
        ).values_list("entry_seq", "count", "last_read_at")
    }
    for entry in entries:
        disclosed = [name for name in entry.detail.get("disclosed", "").split(",") if name]
        if set(disclosed) - set(readable):
            withheld += 1
            continue
        basis = dict(
            part.split("=", 1) for part in entry.detail.get("basis", "").split(";") if "=" in part
        )
        result.append(
            Disclosure(
                at=entry.occurred_at,
                recipient=entry.actor_username,
                agency=entry.agency_name,
                classes=disclosed,
                basis={name: basis.get(name, "") for name in disclosed},
                channel=entry.detail.get("channel", ""),
                seq=entry.seq,
                reads=windows.get(entry.seq, (1, None))[0],
                last_read_at=windows.get(entry.seq, (1, None))[1],
            )
        )
    return result, withheld


def basis_in_words(basis: str, consents: dict[str, Consent]) -> str:
    kind, _sep, detail = basis.partition(":")
    if kind == "consent" and detail in consents:
        consent = consents[detail]
        return f"{consent.get_kind_display()} consent of {consent.starts_at:%Y-%m-%d}"
    if kind == "relation":
        return f"treatment / operations ({detail.replace('_', ' ')})"
    if kind == "break_glass":
        return "emergency access (break-the-glass)"
    if kind == "role":
        return "program operations"
    return basis
