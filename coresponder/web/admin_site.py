"""Django admin, open to the program's administrators and no one else."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class CoresponderAdminSite(AdminSite):
    site_header = "Coresponder administration"
    site_title = "Coresponder"
    index_title = "Program administration"

    def has_permission(self, request) -> bool:
        user = request.user
        # Imported here: the admin site is built before the accounts models are ready.
        from coresponder.accounts.models import Role

        return user.is_active and user.is_authenticated and user.has_role(Role.ADMINISTRATOR)


class CoresponderAdminConfig(AdminConfig):
    default_site = "coresponder.web.admin_site.CoresponderAdminSite"
