from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
