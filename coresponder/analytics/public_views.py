"""The public transparency page: a program's outcomes by month, for anyone, no log-in.

Optional: only programs listed in COR_PUBLIC_OUTCOMES are published. Counts from 1 to 10
are shown as "fewer than 11" and further cells are suppressed so that none can be worked
back from the totals (`suppression.py`); a month's median time to arrive is shown only
when at least 11 encounters make it. The page reads no person's record, only the facts'
monthly sums, and is cached for a few minutes so that public traffic costs little.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from coresponder.accounts.models import Program
from coresponder.core.spreadsheet import safe_csv_writer

from . import kpis
from .access import engine_for
from .suppression import (
    FEWER_THAN_11,
    SMALLEST_SHOWN,
    CannotProtectTable,
    Cell,
    MonthCounts,
    PublicTable,
    suppress,
)

MONTHS_SHOWN = 12
CACHE_SECONDS = 600


@dataclass(frozen=True)
class PublicMonth:
    month: int
    calls: Cell  # every call, answered in person or not
    response_median: str  # minutes, or "—" when fewer than 11 encounters make it


@dataclass(frozen=True)
class PublicOutcomes:
    program: Program
    start: date
    end: date
    table: PublicTable
    months: dict[int, PublicMonth]
    calls_total: Cell


def _published(slug: str) -> Program:
    if slug not in settings.COR_PUBLIC_OUTCOMES:
        raise Http404("This program does not publish its outcomes here.")
    return get_object_or_404(Program, slug=slug)


def last_whole_months(today: date, count: int = MONTHS_SHOWN) -> tuple[date, date]:
    end = today.replace(day=1)
    year, month = end.year, end.month - count
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), end


def _month_numbers(start: date, end: date) -> list[int]:
    numbers, year, month = [], start.year, start.month
    while date(year, month, 1) < end:
        numbers.append(year * 100 + month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return numbers


def _primary(value: int) -> Cell:
    if 0 < value < SMALLEST_SHOWN:
        return Cell(value=None, shown=FEWER_THAN_11)
    return Cell(value=value, shown=str(value))


def public_outcomes(program: Program, today: date) -> PublicOutcomes:
    start, end = last_whole_months(today)
    found = {
        row["month"]: row
        for row in kpis.monthly(engine_for(program), kpis.Filters(program.pk, start, end))
    }
    counts, months = [], {}
    for number in _month_numbers(start, end):
        row = found.get(number, {})
        encounters = row.get("encounters", 0)
        counts.append(
            MonthCounts(
                month=number,
                calls=encounters,
                arrests=row.get("arrests", 0),
                voluntary=row.get("voluntary", 0),
                force=row.get("force", 0),
            )
        )
        median = row.get("response_median_minutes")
        months[number] = PublicMonth(
            month=number,
            calls=_primary(row.get("calls", 0)),
            response_median="—"
            if median is None or encounters < SMALLEST_SHOWN
            else f"{median:.0f}",
        )
    # Calls in all are a single number per month and in total, in no equation with the
    # table; a small month is hidden, and then the total too, or it would give it away.
    total = sum(row.get("calls", 0) for row in found.values())
    any_hidden = any(month.calls.value is None for month in months.values())
    calls_total = Cell(value=None, shown="suppressed") if any_hidden else _primary(total)
    return PublicOutcomes(program, start, end, suppress(counts), months, calls_total)


def _cached(program: Program) -> PublicOutcomes:
    today = timezone.localdate(timezone=program.zone)
    key = f"analytics:public:{program.pk}:{today.isoformat()}"
    outcomes = cache.get(key)
    if outcomes is None:
        outcomes = public_outcomes(program, today)
        cache.set(key, outcomes, CACHE_SECONDS)
    return outcomes


def month_label(number: int | None) -> str:
    if number is None:
        return "Whole period"
    return date(number // 100, number % 100, 1).strftime("%B %Y")


UNSAFE = (
    "This period's figures cannot be published without giving small counts away, so none "
    "are shown. They will appear when the counts allow."
)


@require_GET
def public_page(request, slug: str):
    program = _published(slug)
    try:
        outcomes = _cached(program)
    except CannotProtectTable:
        return render(request, "analytics/public_unsafe.html", {"program": program, "why": UNSAFE})
    rows = [
        {
            "label": month_label(row.month),
            "row": row,
            "extra": outcomes.months[row.month],
        }
        for row in outcomes.table.months
    ]
    return render(
        request,
        "analytics/public.html",
        {
            "outcomes": outcomes,
            "rows": rows,
            "whole": outcomes.table.whole_period,
            "calls_total": outcomes.calls_total,
            "last_month": month_label(rows[-1]["row"].month) if rows else "",
            "first_month": month_label(rows[0]["row"].month) if rows else "",
        },
    )


CSV_COLUMNS = (
    "month",
    "calls",
    "encounters",
    "arrests",
    "not_arrested",
    "arrest_free_percent",
    "voluntary",
    "not_voluntary",
    "voluntary_percent",
    "force",
    "no_force",
    "force_percent",
    "response_median_minutes",
)


@require_GET
def public_csv(request, slug: str):
    try:
        outcomes = _cached(_published(slug))
    except CannotProtectTable:
        return HttpResponse(UNSAFE, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-outcomes.csv"'
    writer = safe_csv_writer(response)
    writer.writerow(CSV_COLUMNS)

    def percent(value) -> str:
        return "" if value is None else str(value)

    for row in (*outcomes.table.months, outcomes.table.whole_period):
        extra = outcomes.months.get(row.month)
        writer.writerow(
            [
                "whole period"
                if row.month is None
                else f"{row.month // 100}-{row.month % 100:02d}",
                extra.calls.shown if extra else outcomes.calls_total.shown,
                row.calls.shown,
                row.arrests.shown,
                row.not_arrested.shown,
                percent(row.arrest_free_percent),
                row.voluntary.shown,
                row.not_voluntary.shown,
                percent(row.voluntary_percent),
                row.force.shown,
                row.no_force.shown,
                percent(row.force_percent),
                extra.response_median if extra else "",
            ]
        )
    return response


urlpatterns = [
    path("public/<slug:slug>/", public_page, name="public"),
    path("public/<slug:slug>/outcomes.csv", public_csv, name="public_csv"),
]
