from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from coresponder.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import Agency, ApiToken, Program, RoleGrant, TrainingRecord, User

# Roles, not Django's groups, decide what a user may do; hiding groups avoids a second system.
admin.site.unregister(Group)


@admin.register(Program)
class ProgramAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "time_zone", "earliest_date"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "program"]
    list_filter = ["kind", "program"]
    search_fields = ["name"]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "agency", "is_active", "last_login"]
    list_filter = ["agency", "is_active", "role_grants__role"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    inlines = [RoleGrantInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["full_name", "title", "email", "agency", "time_zone"]}),
        ("Status", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "email", "agency", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """Read-only: tokens are issued on their own page, where the secret is shown once."""

    list_display = ["name", "prefix", "agency", "created_at", "revoked_at", "last_used_at"]
    list_filter = ["agency"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(AuditedModelAdmin):
    """New records come from the Training page, which checks them; here an administrator
    corrects or removes a mistaken one, and the change is audited."""

    list_display = ["user", "course", "completed_on", "expires_on", "provider", "recorded_by"]
    list_filter = ["course", "user__agency"]
    search_fields = ["user__username", "user__full_name", "provider", "certificate_number"]
    date_hierarchy = "expires_on"
    raw_id_fields = ["user"]
    readonly_fields = ["recorded_by", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False
