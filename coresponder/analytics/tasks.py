"""Background work of the outcomes: making a program report.

Queued by the report page, run by the database worker (`coresponder db_worker`; the demo
runs one inside its server). The task records how far it has gone on the `ReportRun`, so
the waiting page can show it, and keeps the finished HTML and PDF there.
"""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from coresponder.core.audit import Actor

from . import events, report
from .access import engine_for
from .kpis import Filters
from .models import CostSettings, ReportRun

logger = logging.getLogger(__name__)


def _mark(run_id, **values) -> None:
    ReportRun.objects.filter(pk=run_id).update(updated_at=timezone.now(), **values)


@task()
def make_report(run_id: str) -> str:
    run = ReportRun.objects.select_related("program", "requested_by").get(pk=run_id)
    program = run.program
    _mark(run.pk, status=ReportRun.Status.RUNNING, progress=5, step=_("Bringing facts up to date"))
    try:
        engine = engine_for(program)
        filters = Filters(program.pk, run.start, run.end, **run.filters)
        built = report.build(
            engine,
            program_name=program.name,
            filters=filters,
            cost_settings=CostSettings.objects.filter(program=program).first(),
            names=report.filter_names(program),
            on_step=lambda progress, step: _mark(run.pk, progress=progress, step=step),
            time_zone=str(program.zone),
        )
        _mark(run.pk, progress=75, step=_("Laying out the pages"))
        links = {
            "back": reverse("analytics:report_run", args=[run.pk]),
            "pdf": reverse("analytics:report_pdf", args=[run.pk]),
            "costs": reverse("analytics:costs"),
        }
        html = report.render_html(built, links=links)
        _mark(run.pk, progress=80, step=_("Printing the PDF"))
        pdf = report.render_pdf(html)
    except Exception as error:
        logger.exception("The report %s could not be made.", run.pk)
        _mark(
            run.pk,
            status=ReportRun.Status.FAILED,
            step=_("Failed"),
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise
    _mark(
        run.pk,
        status=ReportRun.Status.DONE,
        progress=100,
        step=_("Ready"),
        html=html,
        pdf=pdf,
        finished_at=timezone.now(),
    )
    events.on_program(
        events.REPORT_MADE,
        program,
        actor=Actor.of_user(run.requested_by),
        detail={
            "report": str(run.pk),
            "start": run.start.isoformat(),
            "end": run.end.isoformat(),
            "filters": run.filters,
            "pdf_bytes": len(pdf),
        },
    )
    return str(run.pk)
