"""Primitives every domain app builds on: the base model and the audit log.

The audit log is append-only and hash-chained, written for every touch of a person's
record; `core.audit` writes and verifies it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


GENESIS_HASH = "0" * 64


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def for_object(self, object_type: str, object_id: str) -> AuditEntryQuerySet:
        return self.filter(object_type=object_type, object_id=str(object_id))


class AuditEntry(models.Model):
    """One thing that happened. Identities are copied, not linked, so history outlives rows."""

    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_token = models.CharField(max_length=16, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)
    agency_name = models.CharField(max_length=200, blank=True)
    roles = models.CharField(max_length=300, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        # The table keeps the name it was made with in privacy (migration core 0001).
        db_table = "privacy_auditentry"
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_username or self.actor_token or '-'}"

    def save(self, *args, **kwargs):
        if not kwargs.get("force_insert") or self._state.adding is False:
            raise AuditLogIsAppendOnly("Audit entries are only ever inserted.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def canonical_content(self) -> bytes:
        """The entry as hashed: every field but the hash itself, in a stable form."""
        content = {
            "seq": self.seq,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "actor_token": self.actor_token,
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "roles": self.roles,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "fields": list(self.fields),
            "detail": self.detail,
            "ip_address": self.ip_address,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_content()).hexdigest()


class AuditChainHead(models.Model):
    """The chain's last link, locked by every append so entries queue in one order.

    It also lets verification notice entries cut from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        db_table = "privacy_auditchainhead"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"audit head at #{self.last_seq}"
