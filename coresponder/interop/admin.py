from django.contrib import admin

from coresponder.core.admin_audit import ReadOnlyModelAdmin

from .models import CadDelivery, CadFeed


@admin.register(CadFeed)
class CadFeedAdmin(ReadOnlyModelAdmin):
    """Read-only: feeds are made and disabled with `coresponder cad_feed`, which audits it.

    The signing secret is never shown: it was shown once, when the feed was made.
    """

    list_display = ["name", "agency", "token", "active", "created_at"]
    list_filter = ["active", "agency"]
    fields = ["name", "agency", "token", "active", "created_by", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(CadDelivery)
class CadDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["received_at", "feed", "idempotency_key", "call"]
    list_filter = ["feed"]
    search_fields = ["idempotency_key"]
    fields = ["feed", "idempotency_key", "body_sha256", "call", "received_at"]
    readonly_fields = fields
