"""Writes to CAD feeds: make one (with its token and signing secret), disable one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils.translation import gettext as _

from coresponder.accounts.actions import create_api_token
from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError

from . import events
from .models import CadFeed


def _actor(acting_user, agency) -> Actor:
    if acting_user is not None:
        return Actor.of_user(acting_user)
    return replace(Actor.system(), agency_id=agency.pk, agency_name=agency.name)


@dataclass(frozen=True)
class IssuedFeed:
    feed: CadFeed
    token: str  # the API token in clear, shown once
    signing_secret: str  # also kept on the feed: verifying a signature needs it


def create_cad_feed(*, agency, name: str, acting_user=None) -> IssuedFeed:
    """A feed with a new API token for `agency` and a new signing secret."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError(
            _("Name the feed after the CAD system that will post to it (at most 120 characters)."),
            fields={"name": [_("Give a name of 1 to 120 characters.")]},
        )
    with transaction.atomic():
        if CadFeed.objects.filter(agency=agency, name=name).exists():
            raise Conflict(
                _("The agency already has a CAD feed with that name."), fields={"name": [name]}
            )
        issued = create_api_token(
            agency=agency, name=_("CAD feed: %(name)s") % {"name": name}, acting_user=acting_user
        )
        feed = CadFeed.objects.create(
            agency=agency,
            name=name,
            token=issued.token,
            signing_secret=secrets.token_hex(32),
            created_by=acting_user,
        )
        events.cad_feed_created(feed=feed, actor=_actor(acting_user, agency))
    return IssuedFeed(feed=feed, token=issued.secret, signing_secret=feed.signing_secret)


def disable_cad_feed(feed: CadFeed, *, acting_user=None) -> CadFeed:
    """Refuse the feed's deliveries from now on (403). Its token stays until revoked."""
    with transaction.atomic():
        feed = CadFeed.objects.select_for_update().get(pk=feed.pk)
        if not feed.active:
            raise Conflict(_("That CAD feed is already disabled."))
        feed.active = False
        feed.save(update_fields=["active", "updated_at"])
        events.cad_feed_disabled(feed=feed, actor=_actor(acting_user, feed.agency))
    return feed
