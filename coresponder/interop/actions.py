"""Writes to CAD feeds: make one (with its token and signing secret), disable one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils.translation import gettext as _

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Role
from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, PermissionDenied

from . import events
from .models import CadFeed, CallImport, CallMapping


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


# --- the import page ------------------------------------------------------------------------

# Who may import a program's history, on the page as on the command line's server.
IMPORTERS = (Role.ADMINISTRATOR,)


class ImportBusy(Conflict):
    code = "import_busy"


def _require_importer(acting_user) -> None:
    if not acting_user.has_role(*IMPORTERS):
        raise PermissionDenied(_("Only the program's administrators import past calls."))


def upload_call_file(
    *,
    agency,
    file_name: str,
    content: bytes,
    encoding: str,
    delimiter: str,
    preview,
    start_name: str = "",
    start_toml: str = "",
    acting_user,
) -> CallImport:
    """Keeps an uploaded CSV for its mapping; `preview` is its header and first rows, read
    (and the file found mappable) by `import_file.preview` before anything is stored."""
    _require_importer(acting_user)
    with transaction.atomic():
        upload = CallImport.objects.create(
            program=agency.program,
            agency=agency,
            uploaded_by=acting_user,
            file_name=file_name[:255],
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            encoding=encoding,
            delimiter=delimiter,
            header=preview.header,
            sample=preview.sample,
            mapping_name=start_name,
            toml=start_toml,
        )
        events.call_file_uploaded(upload=upload, actor=Actor.of_user(acting_user))
    return upload


def start_call_import(
    upload: CallImport, *, name: str, toml: str, dry_run: bool, acting_user
) -> CallImport:
    """Saves the mapping for the program under `name` and queues the check (`dry_run`) or
    the import of the file with it; the task runs once this commits."""
    from .import_tasks import run_call_import

    _require_importer(acting_user)
    with transaction.atomic():
        upload = CallImport.objects.select_for_update().get(pk=upload.pk)
        if upload.busy:
            raise ImportBusy(_("The file is being checked or imported: wait for it to end."))
        if upload.status == CallImport.Status.IMPORTED:
            raise ImportBusy(_("The file is imported already."))
        CallMapping.objects.update_or_create(
            program=upload.program,
            name=name,
            defaults={"toml": toml, "saved_by": acting_user},
        )
        upload.mapping_name, upload.toml, upload.dry_run = name, toml, dry_run
        upload.status, upload.started_by, upload.error = CallImport.Status.QUEUED, acting_user, ""
        upload.save(
            update_fields=[
                "mapping_name",
                "toml",
                "dry_run",
                "status",
                "started_by",
                "error",
                "updated_at",
            ]
        )
        events.call_import_started(upload=upload, actor=Actor.of_user(acting_user))
        upload_id = str(upload.pk)
        transaction.on_commit(lambda: run_call_import.enqueue(import_id=upload_id))
    return upload
