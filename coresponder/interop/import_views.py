"""The import page: a program administrator uploads a CAD export (CSV), maps its columns
with no code, checks it (a dry run) and imports it, in the background.

Only the program's administrators reach these pages (as only an operator runs the command
line): an export holds the program's calls as the CAD system wrote them. Each upload is
the program's; another program's is not found. What the import writes is audited as the
command's is (`csv_import.import_calls` with the acting user).
"""

from __future__ import annotations

import tomllib

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coresponder.accounts.models import Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError

from . import actions
from .classify import MAPPINGS_DIR, MappingError, read_toml
from .csv_import import ImportRefused, _refuse_missing_columns, shipped_mappings
from .import_file import column_values, preview
from .import_forms import MappingForm, UploadForm, initial_from, initial_values
from .import_tasks import read_progress
from .mapping_toml import mapping_of, toml_text
from .models import CallImport, CallMapping

app_name = "interop"
ADMINS = (Role.ADMINISTRATOR,)
LISTED = ("content", "rejects", "sample")  # heavy columns a list does not read


def _upload_for(request, import_id, *, content: bool = False) -> CallImport:
    uploads = CallImport.objects.filter(program=request.user.program).select_related("agency")
    if not content:
        uploads = uploads.defer("content", "rejects")
    upload = uploads.filter(pk=import_id).first()
    if upload is None:
        raise Http404
    return upload


def _start_table(choice: str, program) -> tuple[dict, str]:
    """A shipped or saved mapping's table and name, from the upload form's choice."""
    kind, _sep, key = choice.partition(":")
    if kind == "shipped" and key in shipped_mappings():
        return read_toml(MAPPINGS_DIR / f"{key}.toml", "The mapping"), key
    if kind == "saved":
        saved = (
            CallMapping.objects.filter(program=program, pk=key).first() if key.isdigit() else None
        )
        if saved is not None:
            return tomllib.loads(saved.toml), saved.name
    return {}, ""


@require_role(*ADMINS)
@require_http_methods(["GET", "POST"])
def import_calls_page(request):
    program = request.user.program
    saved = CallMapping.objects.filter(program=program).select_related("saved_by")
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        agencies=program.agencies.order_by("kind", "name"),
        shipped=shipped_mappings(),
        saved=saved,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        encoding, delimiter = form.cleaned_data["encoding"], form.cleaned_data["delimiter"]
        start, start_name = _start_table(form.cleaned_data["start"], program)
        try:
            seen = preview(content, encoding=encoding, delimiter=delimiter)
            if start:
                _refuse_missing_columns(mapping_of(start, start_name), seen.header)
        except ImportRefused as error:
            form.add_error("file", error.message)
        except MappingError as error:
            form.add_error("start", str(error))
        else:
            made = actions.upload_call_file(
                agency=form.cleaned_data["agency"],
                file_name=upload.name,
                content=content,
                encoding=encoding,
                delimiter=delimiter,
                preview=seen,
                start_name=start_name,
                start_toml=toml_text(start) if start else "",
                acting_user=request.user,
            )
            return redirect("interop:import_call_file", made.pk)
    uploads = CallImport.objects.filter(program=program).defer(*LISTED)[:10]
    return TemplateResponse(
        request,
        "interop/import_calls.html",
        {
            "form": form,
            "uploads": uploads,
            "saved": saved,
            "upload_limit": settings.COR_IMPORT_UPLOAD_MAX_BYTES,
        },
        status=400 if form.errors else 200,
    )


def _values_of(upload: CallImport):
    found: dict = {}

    def values_of(column: str):
        if column not in found:
            found[column] = column_values(
                bytes(upload.content),
                encoding=upload.encoding,
                delimiter=upload.delimiter,
                column=column,
            )
        return found[column]

    return values_of


def _start_of(upload: CallImport) -> tuple[dict, str]:
    """The mapping the form starts from: the one last run, or the one chosen at upload."""
    if not upload.toml:
        return {}, ""
    return tomllib.loads(upload.toml), upload.mapping_name


@require_role(*ADMINS)
@require_http_methods(["GET", "POST"])
def import_call_file(request, import_id):
    upload = _upload_for(request, import_id, content=True)
    program = request.user.program
    zone = program.time_zone
    start, start_name = _start_of(upload)
    values_of = _values_of(upload)
    action = request.POST.get("action", "")
    form = None
    if request.method == "POST" and upload.status != CallImport.Status.IMPORTED:
        if action in ("check", "import"):
            form = MappingForm(request.POST, header=upload.header, values_of=values_of)
            if form.is_valid():
                table = form.mapping_data(
                    encoding=upload.encoding,
                    delimiter=upload.delimiter,
                    program_zone=zone,
                    carried=start,
                )
                name = form.cleaned_data["name"].strip()
                try:
                    mapping_of(table, name)
                except MappingError as error:
                    form.add_mapping_error(str(error))
                else:
                    comment = _("Made on the import page of %(program)s.") % {"program": program}
                    try:
                        actions.start_call_import(
                            upload,
                            name=name,
                            toml=toml_text(table, comment=comment),
                            dry_run=action == "check",
                            acting_user=request.user,
                        )
                    except DomainError as error:
                        messages.error(request, error.message)
                    return redirect("interop:import_call_file", upload.pk)
        else:
            # "Show the values": the chosen columns' values, without judging the rest yet.
            initial = request.POST.dict()
            initial["classify_columns"] = request.POST.getlist("classify_columns")
            form = MappingForm(initial=initial, header=upload.header, values_of=values_of)
            form.initial.update(initial_values(form, start))
    if form is None:
        initial = initial_from(start, program_zone=zone) if start else {"time_zone": zone}
        initial["name"] = start_name or upload.file_name.rsplit(".", 1)[0][:120]
        form = MappingForm(initial=initial, header=upload.header, values_of=values_of)
        form.initial.update(initial_values(form, start))
    context = {
        "upload": upload,
        "form": form,
        "progress": read_progress(upload.pk),
        "columns": [f"{{{name}}}" for name in upload.header],
    }
    status = 400 if form.is_bound and form.errors else 200
    return TemplateResponse(request, "interop/import_call_file.html", context, status=status)


@require_role(*ADMINS)
@require_GET
def import_status(request, import_id):
    """The status fragment the page polls while a check or an import runs."""
    upload = _upload_for(request, import_id)
    response = TemplateResponse(
        request,
        "interop/import_status.html",
        {"upload": upload, "progress": read_progress(upload.pk)},
    )
    if request.htmx and not upload.busy:
        response["HX-Refresh"] = "true"  # ended: the whole page, with its form, again
    return response


@require_role(*ADMINS)
@require_GET
def import_rejects(request, import_id):
    upload = _upload_for(request, import_id, content=True)
    if not upload.finished or upload.status == CallImport.Status.FAILED:
        raise Http404
    response = HttpResponse(bytes(upload.rejects), content_type="text/csv; charset=utf-8")
    stem = upload.file_name.rsplit(".", 1)[0] or "calls"
    response["Content-Disposition"] = f'attachment; filename="{_safe(stem)}.rejected.csv"'
    return response


@require_role(*ADMINS)
@require_GET
def import_mapping_toml(request, import_id):
    upload = _upload_for(request, import_id)
    if not upload.mapping_name:
        raise Http404
    return _toml_response(upload.toml, upload.mapping_name)


@require_role(*ADMINS)
@require_GET
def saved_mapping_toml(request, mapping_id):
    saved = CallMapping.objects.filter(program=request.user.program, pk=mapping_id).first()
    if saved is None:
        raise Http404
    return _toml_response(saved.toml, saved.name)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:100] or "mapping"


def _toml_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_safe(name)}.toml"'
    return response


urlpatterns = [
    path("calls/", import_calls_page, name="import_calls"),
    path("calls/<uuid:import_id>/", import_call_file, name="import_call_file"),
    path("calls/<uuid:import_id>/status/", import_status, name="import_status"),
    path("calls/<uuid:import_id>/rejected.csv", import_rejects, name="import_rejects"),
    path("calls/<uuid:import_id>/mapping.toml", import_mapping_toml, name="import_mapping_toml"),
    path("calls/mappings/<int:mapping_id>.toml", saved_mapping_toml, name="saved_mapping_toml"),
]
