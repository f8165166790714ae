from django.contrib import admin

from coresponder.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import AuditSettings, ReadWindow


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
