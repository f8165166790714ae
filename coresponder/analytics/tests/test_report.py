"""The program report: built from the hand-built facts of `dataset.py`, made through the
background task, printed to PDF, and refused to those who may not see outcomes."""

from __future__ import annotations

import re
import zlib
from datetime import date

import pytest

from coresponder.accounts.models import Role
from coresponder.analytics import charts, events, report, tasks
from coresponder.analytics.engines import OperationalEngine
from coresponder.analytics.kpis import Filters
from coresponder.analytics.models import CallFact, ReportRun
from coresponder.core.models import AuditEntry

from . import dataset


@pytest.fixture
def facts(program):
    rows = []
    for row in dataset.facts():
        if row["program_id"] == dataset.PROGRAM:
            row["program_id"] = program.pk
        else:
            row["program_id"] = program.pk + 1000
        rows.append(CallFact(**row))
    CallFact.objects.bulk_create(rows)
    return program


def _pages(pdf: bytes) -> int:
    """The page count a PDF declares, read through its compressed object streams too."""
    texts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            texts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    counts = [
        int(n) for text in texts for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", text)
    ]
    counts += [
        int(n) for text in texts for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", text)
    ]
    return max(counts, default=0)


def _january(program) -> Filters:
    return Filters(program.pk, *dataset.JANUARY)


def test_the_report_holds_the_hand_counted_figures(facts):
    # when
    built = report.build(
        OperationalEngine(),
        program_name=facts.name,
        filters=_january(facts),
        cost_settings=None,
    )

    # then: headline figures against December (c12, one arrest) and the reference
    rows = {row.kpi.key: row for row in built.headlines}
    arrest_free = rows["arrest_free"]
    assert (arrest_free.shown, arrest_free.now.numerator, arrest_free.now.denominator) == (
        "85.7%",
        6,
        7,
    )
    assert (arrest_free.shown_before, arrest_free.change, arrest_free.judgement) == (
        "0.0%",
        "+85.7 pts",
        "better",
    )
    assert arrest_free.kpi.reference.says == "98% of 25,900 calls without arrest"
    assert rows["enforcement"].shown == "28.6%"
    assert rows["on_scene_median"].shown == "30 min"
    # data-quality notes: c8 is a draft of 8 calls with an encounter; c9 has none of 9;
    # c7 has no on-scene time of 7 encounters, and no person of 9 calls
    notes = [(note.count, note.of, note.share) for note in built.quality]
    assert notes == [(1, 8, "12.5%"), (1, 9, "11.1%"), (1, 7, "14.3%"), (1, 9, "11.1%")]
    # charts and their data tables
    by_key = {chart.key: chart for chart in built.charts}
    assert by_key["trend"].rows == [["Jan 2026", "9", "7", "85.7%", "28.6%", "14.3%"]]
    assert ["arrest", "1", "0", "14.3%"] in by_key["dispositions"].rows
    assert by_key["referrals"].rows[2] == ["Attended", "1", "50%"]
    friday = by_key["hour_of_week"].rows[4]  # 9 January 2026, 03:00: c5
    assert (friday[0], friday[1], friday[-1]) == ("Friday", "1", "2")
    # arrived in 10 and 15 minutes (c1, c2); on scene 10 minutes (c4)
    assert by_key["times"].rows[1] == ["10–19 min", "2", "1"]
    assert not built.costs.configured

    # and the page says it all, with every KPI of the library defined
    html = report.render_html(built, links={"costs": "/outcomes/costs/"})
    assert "Test County Co-Responder Program" in html
    assert "1 January 2026 – 31 January 2026" in html
    assert "Colorado co-responder programs, state reporting" in html
    assert html.count("<svg") == 5
    assert "not set its unit costs" in html
    assert 'href="/outcomes/costs/"' in html
    for kpi in built.library:
        assert kpi.definition.replace("'", "&#x27;") in html


def test_the_report_prices_costs_when_they_are_set(facts):
    from coresponder.analytics.models import CostSettings

    costs = CostSettings(program=facts, ed_visit=1000, baseline_ed_per_100=50)
    built = report.build(
        OperationalEngine(), program_name=facts.name, filters=_january(facts), cost_settings=costs
    )
    # 50 × 7 / 100 = 3.5 expected, c6's hold happened: 2.5 visits × 1,000
    assert built.costs.total == 2500
    html = report.render_html(built)
    assert "USD 2,500" in html
    assert "Method" in html


def test_charts_are_accessible_svg_with_escaped_words():
    svg = charts.bar_chart(
        ["<a>"], [("Calls & more", [3])], title="Calls <by> hour", description="Counted."
    )
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-calls-by-hour-title chart-calls-by-hour-desc"' in svg
    assert '<title id="chart-calls-by-hour-title">Calls &lt;by&gt; hour</title>' in svg
    assert "<a>" not in svg
    assert "style=" not in svg


def test_a_year_report_is_made_by_the_task_into_a_real_pdf(
    facts, make_user, sign_in, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    supervisor = make_user(Role.SUPERVISOR)
    client = sign_in(supervisor)
    steps = []
    mark = tasks._mark
    monkeypatch.setattr(
        tasks, "_mark", lambda run_id, **values: (steps.append(values), mark(run_id, **values))
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/outcomes/report/", {"first_day": "2026-01-01", "last_day": "2026-12-31"}
        )

    # then: the task ran, saying how far it had got at each step
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/outcomes/report/{run.pk}/"
    progress = [values["progress"] for values in steps if "progress" in values]
    assert progress == sorted(progress)
    assert progress[0] == 5
    assert progress[-1] == 100
    assert "Drawing the charts" in [values.get("step") for values in steps]
    assert (run.status, run.progress, run.start, run.end) == (
        "done",
        100,
        date(2026, 1, 1),
        date(2027, 1, 1),
    )
    pdf = bytes(run.pdf)
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 2
    made = AuditEntry.objects.get(action=events.REPORT_MADE)
    assert (made.actor_username, made.detail["start"]) == (supervisor.username, "2026-01-01")

    # and the pages show it
    waiting = client.get(f"/outcomes/report/{run.pk}/", headers={"HX-Request": "true"})
    assert b"The report is ready" in waiting.content
    assert b"hx-trigger" not in waiting.content
    page = client.get(f"/outcomes/report/{run.pk}/report.html")
    assert page.status_code == 200
    assert b"Headline figures" in page.content
    download = client.get(f"/outcomes/report/{run.pk}/report.pdf")
    assert download["Content-Type"] == "application/pdf"
    assert download.content == pdf


def test_a_queued_report_polls_until_it_is_done(program, make_user, sign_in):
    # given: a report no worker has taken yet
    evaluator = make_user(Role.EVALUATOR)
    run = ReportRun.objects.create(
        program=program, requested_by=evaluator, start=date(2026, 1, 1), end=date(2026, 2, 1)
    )
    client = sign_in(evaluator)

    # when
    fragment = client.get(f"/outcomes/report/{run.pk}/", headers={"HX-Request": "true"})

    # then
    assert b'hx-trigger="every 1s"' in fragment.content
    assert b"Waiting to start" in fragment.content
    assert client.get(f"/outcomes/report/{run.pk}/report.pdf").status_code == 404


def test_a_failed_build_is_recorded(program, make_user, monkeypatch):
    run = ReportRun.objects.create(
        program=program,
        requested_by=make_user(Role.SUPERVISOR),
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
    )

    def broken(*args, **kwargs):
        raise RuntimeError("no figures")

    monkeypatch.setattr(report, "build", broken)
    with pytest.raises(RuntimeError):
        tasks.make_report.call(run_id=str(run.pk))
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "RuntimeError: no figures")


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CLINICIAN, Role.CASE_MANAGER, Role.PARTNER])
def test_field_roles_are_refused_the_report(program, make_user, sign_in, role):
    # given
    someone = make_user(Role.SUPERVISOR)
    run = ReportRun.objects.create(
        program=program, requested_by=someone, start=date(2026, 1, 1), end=date(2026, 2, 1)
    )
    client = sign_in(make_user(role))

    # when / then
    assert client.get("/outcomes/report/").status_code == 403
    posted = client.post("/outcomes/report/", {"first_day": "2026-01-01", "last_day": "2026-01-31"})
    assert posted.status_code == 403
    assert client.get(f"/outcomes/report/{run.pk}/").status_code == 403
    assert ReportRun.objects.count() == 1


def test_another_programs_report_is_not_found(program, make_user, sign_in):
    from coresponder.accounts.models import Program

    other = Program.objects.create(name="Other Program", slug="other")
    run = ReportRun.objects.create(program=other, start=date(2026, 1, 1), end=date(2026, 2, 1))
    client = sign_in(make_user(Role.ADMINISTRATOR))
    assert client.get(f"/outcomes/report/{run.pk}/").status_code == 404
    assert client.get(f"/outcomes/report/{run.pk}/report.html").status_code == 404


def test_a_period_that_ends_before_it_starts_is_refused(program, make_user, sign_in):
    client = sign_in(make_user(Role.SUPERVISOR))
    response = client.post(
        "/outcomes/report/", {"first_day": "2026-02-01", "last_day": "2026-01-01"}
    )
    assert response.status_code == 200
    assert b"The last day comes before the first." in response.content
    assert not ReportRun.objects.exists()
