"""The extracts page: the de-identified extract (supervisors, evaluators, administrators)
and the state's monthly report (supervisors and administrators), as a zip download.

The extract is written to a scratch folder, exactly as the `export` command writes it,
then streamed as a zip file by file; the scratch folder goes when the download ends.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from coresponder.core.audit import Actor

from .access import may_run_program, may_take_extract, require
from .actions import take_extract, take_state_export
from .deidentified import WEEK, YEAR, ExtractRefused
from .state_export import StateExportRefused

DEIDENTIFIED = "deidentified"
STATE = "state"
BLOCK = 1 << 16


class ExtractForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[
            (DEIDENTIFIED, _("De-identified extract (one row per call)")),
            (STATE, _("State monthly report (Colorado)")),
        ],
        initial=DEIDENTIFIED,
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (included)"), widget=forms.DateInput(attrs={"type": "date"}))
    dates = forms.ChoiceField(
        label=_("Keep call dates to"),
        choices=[
            (WEEK, _("the week of the year")),
            (YEAR, _("the year (Safe Harbor to the letter)")),
        ],
        initial=WEEK,
        required=False,
    )

    def __init__(self, *args, may_take_state: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_take_state:
            self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != STATE]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period must end on or after the day it starts."))
        return cleaned


def _last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class _Pipe:
    """A write-only stream the zip writes into and the response reads out of."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


class ZippedFolder:
    """The files of a folder as a zip, produced block by block; `close` removes the
    scratch folder, whether the download finished or not."""

    def __init__(self, folder: Path, *, inside: str, cleanup: Callable[[], None]) -> None:
        self.folder, self.inside, self.cleanup = folder, inside, cleanup

    def __iter__(self) -> Iterator[bytes]:
        pipe = _Pipe()
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for source in sorted(self.folder.iterdir()):
                size = source.stat().st_size
                info = zipfile.ZipInfo(f"{self.inside}/{source.name}")
                info.compress_type = zipfile.ZIP_DEFLATED
                with (
                    source.open("rb") as reader,
                    archive.open(info, "w", force_zip64=size > 1 << 31) as writer,
                ):
                    while block := reader.read(BLOCK):
                        writer.write(block)
                        if data := pipe.take():
                            yield data
                if data := pipe.take():
                    yield data
        if data := pipe.take():
            yield data

    def close(self) -> None:
        self.cleanup()


def _download(folder: Path, name: str, scratch: Path) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        ZippedFolder(folder, inside=name, cleanup=lambda: shutil.rmtree(scratch, True)),
        content_type="application/zip",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def extracts(request: HttpRequest):
    user = request.user
    require(may_take_extract(user))
    may_take_state = may_run_program(user)
    program = user.program
    if request.method == "POST":
        form = ExtractForm(request.POST, may_take_state=may_take_state)
        if form.is_valid():
            data = form.cleaned_data
            kind, start, end = data["kind"], data["start"], data["end"]
            require(kind != STATE or may_take_state)
            scratch = Path(tempfile.mkdtemp(prefix="coresponder-extract-"))
            name = f"{program.slug}-{kind}-{start.isoformat()}-{end.isoformat()}"
            actor = Actor.of_user(user)
            try:
                if kind == STATE:
                    take_state_export(
                        scratch / name,
                        program=program,
                        start=start,
                        end=end,
                        actor=actor,
                        request=request,
                    )
                else:
                    take_extract(
                        scratch / name,
                        program=program,
                        start=start,
                        end=end,
                        dates=data["dates"] or WEEK,
                        actor=actor,
                        request=request,
                    )
            except (ExtractRefused, StateExportRefused) as error:
                shutil.rmtree(scratch, ignore_errors=True)
                form.add_error(None, str(error))
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
            else:
                return _download(scratch / name, name, scratch)
        status = 400
    else:
        start, end = _last_month(timezone.localdate())
        form = ExtractForm(initial={"start": start, "end": end}, may_take_state=may_take_state)
        status = 200
    return TemplateResponse(
        request,
        "analytics/extracts.html",
        {"form": form, "program": program, "may_take_state": may_take_state},
        status=status,
    )


urlpatterns = [path("extracts/", extracts, name="extracts")]
