from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from coresponder.privacy.admin_audit import AuditedModelAdmin

from .models import Agency, ApiToken, Program, RoleGrant, User


@admin.register(Program)
class ProgramAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "time_zone"]
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
        ("Person", {"fields": ["full_name", "title", "email", "agency"]}),
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
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued on their own page, where the secret is shown once."""

    list_display = ["name", "prefix", "agency", "created_at", "revoked_at", "last_used_at"]
    list_filter = ["agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
