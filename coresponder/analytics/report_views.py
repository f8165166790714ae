"""The program report (asked for, made in the background, read or printed) and the cost
settings behind its cost-avoided section."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coresponder.core.time_bounds import Facing

from .access import may_run_program, may_see_outcomes, require
from .actions import change_cost_settings
from .choices import filter_choices
from .costs import METHODS, is_configured
from .forms import CostSettingsForm, ReportForm
from .models import CostSettings, ReportRun
from .tasks import make_report

# A queued report not started after this long means no worker is running.
WORKER_PATIENCE = timedelta(seconds=30)


def _program(request):
    return request.user.agency.program


def _run_for(request, run_id) -> ReportRun:
    require(may_see_outcomes(request.user))
    run = ReportRun.objects.filter(program=_program(request), pk=run_id).first()
    if run is None:
        raise Http404
    return run


def _default_period(today):
    first_of_month = today.replace(day=1)
    last = first_of_month - timedelta(days=1)
    return {"first_day": last.replace(month=1, day=1), "last_day": last}


@require_http_methods(["GET", "POST"])
def report_start(request):
    require(may_see_outcomes(request.user))
    program = _program(request)
    choices = filter_choices(program)
    if request.method == "POST":
        bounds = program.time_bounds(timezone.now(), facing=Facing.PLANNED)
        form = ReportForm(request.POST, choices=choices, bounds=bounds)
        if form.is_valid():
            run = ReportRun.objects.create(
                program=program,
                requested_by=request.user,
                start=form.cleaned_data["first_day"],
                end=form.cleaned_data["end"],
                filters=form.narrowing(),
            )
            run_id = str(run.pk)
            transaction.on_commit(lambda: make_report.enqueue(run_id=run_id))
            return redirect("analytics:report_run", run.pk)
    else:
        form = ReportForm(initial=_default_period(timezone.localdate()), choices=choices)
    runs = ReportRun.objects.filter(program=program).defer("html", "pdf")[:10]
    return TemplateResponse(request, "analytics/report_start.html", {"form": form, "runs": runs})


def report_run(request, run_id):
    run = _run_for(request, run_id)
    stalled = (
        run.status == ReportRun.Status.QUEUED and timezone.now() - run.created_at > WORKER_PATIENCE
    )
    template = "analytics/report_progress.html" if request.htmx else "analytics/report_run.html"
    return TemplateResponse(request, template, {"run": run, "stalled": stalled})


def report_html(request, run_id):
    run = _run_for(request, run_id)
    if run.status != ReportRun.Status.DONE:
        raise Http404
    return HttpResponse(run.html, content_type="text/html; charset=utf-8")


def report_pdf(request, run_id):
    run = _run_for(request, run_id)
    if run.status != ReportRun.Status.DONE:
        raise Http404
    response = HttpResponse(bytes(run.pdf), content_type="application/pdf")
    name = f"{run.program.slug}-report-{run.start:%Y%m%d}-{run.last_day:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def costs_page(request):
    require(may_see_outcomes(request.user))
    program = _program(request)
    may_change = may_run_program(request.user)
    current = CostSettings.objects.filter(program=program).first()
    if request.method == "POST":
        require(may_change)
        form = CostSettingsForm(request.POST, instance=current or CostSettings(program=program))
        if form.is_valid():
            change_cost_settings(
                program, values=form.cleaned_data, acting_user=request.user, request=request
            )
            from django.contrib import messages

            messages.success(request, _("The cost settings are saved."))
            return redirect("analytics:costs")
    else:
        form = CostSettingsForm(instance=current or CostSettings(program=program))
    if not may_change:
        for field in form.fields.values():
            field.disabled = True
    return TemplateResponse(
        request,
        "analytics/costs.html",
        {
            "form": form,
            "may_change": may_change,
            "configured": is_configured(current),
            "methods": METHODS.values(),
        },
    )


urlpatterns = [
    path("report/", report_start, name="report"),
    path("report/<uuid:run_id>/", report_run, name="report_run"),
    path("report/<uuid:run_id>/report.html", report_html, name="report_html"),
    path("report/<uuid:run_id>/report.pdf", report_pdf, name="report_pdf"),
    path("costs/", costs_page, name="costs"),
]
