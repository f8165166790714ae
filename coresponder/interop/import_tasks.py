"""Background work of the import page: checking (a dry run) or importing an uploaded CSV.

Queued by `actions.start_call_import`, run by the database worker (`coresponder db_worker`).
The import is one transaction, so how far it has gone cannot be written to the database
for the page to read while it runs: it goes to a small file beside the media files
(`progress_path`), which the status view reads; the result goes on the `CallImport`.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .classify import MappingError
from .csv_import import ImportRefused, import_calls
from .mapping_toml import mapping_from_toml
from .models import CallImport

logger = logging.getLogger(__name__)
FIRST_REJECTS = 20  # rejected rows shown on the page; the file has them all


def progress_path(import_id) -> Path:
    return Path(settings.MEDIA_ROOT) / "import-progress" / f"{import_id}.txt"


def read_progress(import_id) -> tuple[int, int] | None:
    """(lines done, lines in the file) of a running check or import, or None."""
    try:
        done, total = progress_path(import_id).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


class ProgressFile:
    """The import's progress callback: lines done and the file's lines, written whole."""

    def __init__(self, import_id) -> None:
        self.path = progress_path(import_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, done: int, total: int) -> None:
        part = self.path.with_suffix(".part")
        part.write_text(f"{done} {total}")
        part.replace(self.path)  # a reader sees the old figures or the new, never half

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _mark(import_id, **values) -> None:
    CallImport.objects.filter(pk=import_id).update(updated_at=timezone.now(), **values)


def _first_rejects(rejects: bytes) -> list[list]:
    rows = csv.reader(io.StringIO(rejects.decode("utf-8"), newline=""))
    next(rows, None)  # the header
    return [[int(row[0]), row[1]] for row, _n in zip(rows, range(FIRST_REJECTS), strict=False)]


@task()
def run_call_import(import_id: str) -> str:
    upload = CallImport.objects.select_related("agency__program", "started_by").get(pk=import_id)
    _mark(upload.pk, status=CallImport.Status.RUNNING)
    progress = ProgressFile(upload.pk)
    try:
        mapping = mapping_from_toml(upload.toml, upload.mapping_name)
        with tempfile.TemporaryDirectory(prefix="coresponder-import-") as folder:
            path = Path(folder) / (Path(upload.file_name).name or "calls.csv")
            path.write_bytes(bytes(upload.content))
            rejects_path = Path(folder) / "rejected.csv"
            report = import_calls(
                path,
                mapping=mapping,
                agency=upload.agency,
                rejects_path=rejects_path,
                dry_run=upload.dry_run,
                acting_user=upload.started_by,
                progress=progress,
            )
            rejects = rejects_path.read_bytes()
    except (ImportRefused, MappingError) as error:
        message = getattr(error, "message", None) or str(error)
        _mark(
            upload.pk,
            status=CallImport.Status.FAILED,
            error=message,
            finished_at=timezone.now(),
        )
        progress.remove()
        return str(upload.pk)
    except Exception as error:
        logger.exception("The import %s could not be run.", upload.pk)
        _mark(
            upload.pk,
            status=CallImport.Status.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        progress.remove()
        raise
    done = CallImport.Status.CHECKED if upload.dry_run else CallImport.Status.IMPORTED
    values = {
        "status": done,
        "read": report.read,
        "imported": report.imported,
        "rejected": report.rejected_total,
        "reasons": [[reason, rows] for reason, rows in report.rejected.most_common()],
        "first_rejects": _first_rejects(rejects),
        "rejects": rejects,
        "precision": mapping.received.precision,
        "received_from": report.received_from,
        "received_to": report.received_to,
        "finished_at": timezone.now(),
    }
    if not upload.dry_run:
        values["content"] = b""  # imported: the calls hold what the file said
    _mark(upload.pk, **values)
    progress.remove()
    return str(upload.pk)
