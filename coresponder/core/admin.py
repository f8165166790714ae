"""The audit log in Django admin: to read, never to change."""

from django.contrib import admin

from .admin_audit import ReadOnlyModelAdmin
from .models import AuditEntry


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
