"""`coresponder plan run` on the demo program's day: fitted from its calls, status moves,
encounters and rota, kept, run, and run again to the same figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from freezegun import freeze_time

from coresponder.calls.models import Call
from coresponder.core.models import AuditEntry
from coresponder.demo.generator import build_demo_program
from coresponder.planning import events
from coresponder.planning.history import fit_demand, fit_service, program_teams
from coresponder.planning.models import Run, RunState, Scenario

pytestmark = pytest.mark.django_db
DEMO_NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)

SCENARIO = """
name = "Today's rota and one evening team"
replications = 3
seed = 7

[history]
start = 2026-06-08
end = 2026-06-11

[rota]
week = 2026-06-08

[rules]
wait_limit_minutes = 30
patrol_minutes = 90
team_hour_cost = 140

[[teams]]
name = "Evening extra"
crew = ["officer", "clinician"]
base = [39.74, -104.99]

[[teams.shifts]]
days = "Mon-Sun"
start = "16:00"
hours = 10
break_after_hours = 5
break_minutes = 30
"""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        freeze_time(DEMO_NOW, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_demo_program(now=DEMO_NOW, history=False)
        transaction.set_rollback(True)


def test_the_history_is_fitted_from_the_program_s_own_records(demo):
    program = demo.program
    start, end = date(2026, 6, 8), date(2026, 6, 11)

    demand = fit_demand(program, start, end, replay=False, growth=1.0)
    service = fit_service(program, start, end)
    teams = program_teams(program, start)

    eligible = Call.objects.filter(
        program=program, response__in=["co_responder", "mobile_crisis"],
        received_precision__in=["minute", "hour"],
    ).count()  # fmt: skip
    # three days hold each hour of the week's Monday to Wednesday once: rate = count
    assert round(sum(sum(row) for row in demand.rates)) == eligible
    assert all(kind.needs for kind in demand.kinds)
    assert sum(len(v) for v in service.visits.values()) > 0
    assert all(visit.on_scene >= 0 and visit.after >= 0 for v in service.visits.values()
               for visit in v)  # fmt: skip
    assert teams
    assert all(team.shifts and team.crew for team in teams)


def test_a_scenario_runs_from_the_command_with_progress_and_again_to_the_same_figures(
    demo, tmp_path, capsys
):
    # given a scenario file
    path = tmp_path / "evening.toml"
    path.write_text(SCENARIO, encoding="utf-8")

    # when it is run, then run again by name
    call_command("plan", "run", str(path), "--program", demo.program.slug, "--workers", "1")
    first = capsys.readouterr()
    call_command("plan", "rerun", "Today's rota and one evening team",
                 "--program", demo.program.slug, "--workers", "1")  # fmt: skip

    # then the scenario is kept once, with two finished runs giving the same figures
    scenario = Scenario.objects.get(program=demo.program)
    runs = list(Run.objects.filter(scenario=scenario).order_by("created_at"))
    assert [run.state for run in runs] == [RunState.DONE, RunState.DONE]
    assert [run.done for run in runs] == [3, 3]
    assert runs[0].result["figures"] == runs[1].result["figures"]
    assert "Evening extra" in runs[0].result["teams"]
    assert runs[0].result["figures"]["calls"]["mean"] > 0
    # progress and the figures were printed
    assert "replications: 3 / 3" in first.err
    assert "share answered by a team" in first.out
    assert "Evening extra" in first.out
    # one audit event for the saving, and one each for starting and finishing each run
    actions = list(
        AuditEntry.objects.filter(action__startswith="planning.").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        [events.SCENARIO_SAVED] + [events.RUN_STARTED, events.RUN_FINISHED] * 2
    )


def test_a_bad_scenario_is_refused_with_the_reason_and_nothing_kept(demo, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace('start = "16:00"', 'start = "25:00"'), encoding="utf-8")
    before = AuditEntry.objects.count()

    with pytest.raises(CommandError, match=r"shift 1: start is a time such as"):
        call_command("plan", "run", str(path), "--program", demo.program.slug)

    assert not Scenario.objects.filter(program=demo.program).exists()
    assert AuditEntry.objects.count() == before


def test_a_period_without_calls_fails_the_run_with_the_reason(demo, tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text(
        SCENARIO.replace("2026-06-08\nend = 2026-06-11", "2020-01-06\nend = 2020-01-07"),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="No calls a team answers between 2020-01-06"):
        call_command("plan", "run", str(path), "--program", demo.program.slug)

    run = Run.objects.get()
    assert (run.state, run.result, run.done) == (RunState.FAILED, None, 0)
