"""Writing to and verifying the audit chain. Every audit event goes through `record`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEntry

VERIFY_BATCH = 2000


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, a machine client's token, or the system."""

    user_id: int | None = None
    username: str = ""
    token_prefix: str = ""
    agency_id: int | None = None
    agency_name: str = ""
    roles: tuple[str, ...] = ()

    @classmethod
    def of_user(cls, user) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls.system()
        agency = user.agency
        return cls(
            user_id=user.pk,
            username=user.username,
            agency_id=agency.pk,
            agency_name=agency.name,
            roles=tuple(sorted(user.roles)),
        )

    @classmethod
    def of_token(cls, token) -> Actor:
        return cls(
            token_prefix=token.prefix,
            agency_id=token.agency_id,
            agency_name=token.agency.name,
        )

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(username=name)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class Pending:
    """One entry to write with `record_many`."""

    action: str
    actor: Actor
    object_type: str = ""
    object_id: object = ""
    fields: Iterable[str] = ()
    detail: dict[str, str | int | bool | None] | None = None


def record(
    action: str,
    *,
    actor: Actor,
    object_type: str = "",
    object_id: object = "",
    fields: Iterable[str] = (),
    detail: dict[str, str | int | bool | None] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction if there is one."""
    pending = Pending(action, actor, object_type, object_id, fields, detail)
    return record_many([pending], request=request)[0]


def record_many(
    pending: list[Pending], *, request: HttpRequest | None = None, at=None
) -> list[AuditEntry]:
    """Append several entries under one lock and one insert (a page of search results).
    `at`: when it happened, if not now (the read gate passes its reading time)."""
    if not pending:
        return []
    # Inside the caller's transaction no savepoint of its own (two round trips under the
    # chain's lock): an entry that cannot be written fails the whole action, as it must.
    with transaction.atomic(savepoint=False):
        return append(pending, request=request, at=at)


def append(pending: list[Pending], *, request: HttpRequest | None = None, at=None):
    """`record_many` for a caller already inside its own transaction (the read gate):
    the same lock and insert, without a savepoint of its own."""
    if not pending:
        return []
    head = _locked_head()
    now, ip, entries = at or timezone.now(), client_ip(request), []
    seq, prev_hash = head.last_seq, head.last_hash
    for item in pending:
        seq += 1
        actor = item.actor
        entry = AuditEntry(
            seq=seq,
            occurred_at=now,
            action=item.action,
            actor_id=actor.user_id,
            actor_username=actor.username,
            actor_token=actor.token_prefix,
            agency_id=actor.agency_id,
            agency_name=actor.agency_name,
            roles=",".join(actor.roles),
            object_type=item.object_type,
            object_id=str(item.object_id) if item.object_id != "" else "",
            fields=sorted(item.fields),
            detail=item.detail or {},
            ip_address=ip,
            prev_hash=prev_hash,
        )
        entry.entry_hash = entry.compute_hash()
        prev_hash = entry.entry_hash
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries)
    head.last_seq, head.last_hash = seq, prev_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entries


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    last_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def _entries_in_order() -> Iterator[AuditEntry]:
    after = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=after).order_by("seq")[:VERIFY_BATCH])
        if not batch:
            return
        yield from batch
        after = batch[-1].seq


def verify_chain() -> ChainReport:
    """Walk the chain from the start; report the first entry that breaks it."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for entry in _entries_in_order():
        if entry.seq != expected_seq:
            return ChainReport(
                False,
                count,
                prev_hash,
                expected_seq,
                f"entry #{expected_seq} is missing (the next entry is #{entry.seq})",
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False,
                count,
                prev_hash,
                entry.seq,
                f"entry #{entry.seq} does not link to the entry before it",
            )
        if entry.compute_hash() != entry.entry_hash:
            return ChainReport(
                False,
                count,
                prev_hash,
                entry.seq,
                f"entry #{entry.seq} was changed after it was written",
            )
        prev_hash, expected_seq, count = entry.entry_hash, expected_seq + 1, count + 1

    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq < count:
        return ChainReport(
            False,
            count,
            prev_hash,
            head_seq + 1,
            f"entry #{head_seq + 1} was added outside the audit writer",
        )
    if (head_seq, head_hash) != (count, prev_hash):
        return ChainReport(
            False,
            count,
            prev_hash,
            count + 1,
            f"the chain ends at #{count} but its head records #{head_seq}: "
            "entries were removed from the end",
        )
    return ChainReport(True, count, prev_hash)
