"""CAD feeds: the computer-aided dispatch systems that post calls, and what they delivered.

A feed is one CAD system of one agency. It authenticates with an agency API token and signs
each body with its own secret (HMAC-SHA256), which is kept in clear because verifying a
signature needs it; the secret is shown once, when the feed is made, and never in a page.
A delivery remembers an idempotency key so that a retried delivery returns the call it made.

Neither table holds a person's information: a delivery points at a call, whose fields are
classified in `calls.models`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, ApiToken
from coresponder.calls.models import Call
from coresponder.core.models import BaseModel

IDEMPOTENCY_KEY_MAX = 200


class CadFeedQuerySet(models.QuerySet):
    def active(self) -> CadFeedQuerySet:
        return self.filter(active=True, token__revoked_at__isnull=True)


class CadFeed(BaseModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cad_feeds")
    name = models.CharField(_("name"), max_length=120)
    # One token per feed: the token says which feed is posting, the secret proves the body.
    token = models.OneToOneField(ApiToken, on_delete=models.PROTECT, related_name="cad_feed")
    signing_secret = models.CharField(_("signing secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CadFeedQuerySet.as_manager()

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="cad_feed_unique_name"),
            models.CheckConstraint(condition=~Q(signing_secret=""), name="cad_feed_has_secret"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class CadDelivery(models.Model):
    """One accepted delivery: its idempotency key, the SHA-256 of its body, the call it made."""

    feed = models.ForeignKey(CadFeed, on_delete=models.PROTECT, related_name="deliveries")
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX)
    body_sha256 = models.CharField(max_length=64)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "CAD deliveries"
        constraints = [
            # What makes a retried delivery, even two at once, never make a second call.
            models.UniqueConstraint(
                fields=["feed", "idempotency_key"], name="cad_delivery_key_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feed_id}:{self.idempotency_key}"
