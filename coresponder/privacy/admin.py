from django.contrib import admin

from .admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from .models import AuditEntry, AuditSettings, ReadWindow


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    """The audit log, to read. Nobody adds, changes or removes entries."""

    list_display = [
        "seq",
        "occurred_at",
        "action",
        "actor_username",
        "agency_name",
        "object_type",
        "object_id",
        "ip_address",
    ]
    list_filter = ["action", "agency_name"]
    search_fields = ["actor_username", "object_id"]
    ordering = ["-seq"]


@admin.register(AuditSettings)
class AuditSettingsAdmin(AuditedModelAdmin):
    """The program's read window: repeated reads of a record within it are one entry."""

    list_display = ["program", "read_window_minutes"]


@admin.register(ReadWindow)
class ReadWindowAdmin(ReadOnlyModelAdmin):
    """How many times each reader read a record in each window, beside the chain."""

    list_display = ["entry_seq", "reader", "action", "record", "count", "opened_at", "closes_at"]
    list_filter = ["action"]
    search_fields = ["reader", "record"]
    ordering = ["-entry_seq"]
