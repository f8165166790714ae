"""Teams, members, shifts and service areas, set up by administrators.

Status is not edited here: it moves only through dispatch actions, which keep the events.
"""

from django.contrib import admin

from coresponder.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import ServiceArea, Shift, StatusEvent, Team, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 1
    ordering = ["-starts_at"]


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ["name", "agency", "status", "is_active", "home_base"]
    list_filter = ["program", "agency", "status", "is_active"]
    search_fields = ["name"]
    inlines = [TeamMemberInline, ShiftInline]
    readonly_fields = ["status", "status_since", "call", "latitude", "longitude", "revision"]
    fields = [
        "program",
        "name",
        "agency",
        "service_area",
        "home_base",
        "base_latitude",
        "base_longitude",
        "languages",
        "specialities",
        "is_active",
        *readonly_fields,
    ]


@admin.register(ServiceArea)
class ServiceAreaAdmin(AuditedModelAdmin):
    list_display = ["name", "program"]


@admin.register(StatusEvent)
class StatusEventAdmin(ReadOnlyModelAdmin):
    list_display = ["occurred_at", "team", "from_status", "to_status", "call", "by"]
    list_filter = ["team", "to_status"]
