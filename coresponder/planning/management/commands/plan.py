"""`coresponder plan run SCENARIO.toml`: a staffing scenario on the program's history."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coresponder.accounts.management.programs import program_named
from coresponder.planning import actions
from coresponder.planning.models import RunState, Scenario
from coresponder.planning.replications import FIGURES
from coresponder.planning.scenario import ScenarioError


class Command(BaseCommand):
    help = "Staffing scenarios. `plan run FILE.toml`: keep and run one; `plan rerun NAME`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        run = sub.add_parser(
            "run",
            help="Keep the scenario in a TOML file (docs/planning.md) and run it.",
            description="Keep the scenario (replacing one of the same name), fit it on the "
            "program's history, run its replications on every core and print the figures "
            "with their 95% confidence intervals.",
        )
        run.add_argument("file", help="The scenario, a TOML file.")
        rerun = sub.add_parser("rerun", help="Run a kept scenario again, on today's history.")
        rerun.add_argument("name", help="The scenario's name.")
        for each in (run, rerun):
            each.add_argument("--program", help="The program (id, short name or name).")
            each.add_argument("--workers", type=int, help="Processes (default: every core).")

    def handle(self, *args, what, program=None, workers=None, **options):
        found = program_named(program)
        if what == "run":
            path = Path(options["file"])
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"The scenario {path} cannot be read: {error}") from None
            try:
                scenario = actions.save_scenario(found, text=text)
            except ScenarioError as error:
                raise CommandError(f"{path}: {error}") from None
        else:
            scenario = Scenario.objects.filter(program=found, name=options["name"]).first()
            if scenario is None:
                raise CommandError(f"{found} keeps no scenario named {options['name']!r}.")
        run = actions.start_run(scenario)
        self.stdout.write(
            f"Scenario {scenario.name!r}: run {run.pk}, {run.replications} replications"
        )
        run = actions.execute_run(run, workers=workers, progress=self._progress)
        self.stderr.write("")
        if run.state == RunState.FAILED:
            raise CommandError(f"The run failed: {run.error}")
        self.stdout.write(table(run.result))

    def _progress(self, done: int, total: int) -> None:
        if sys.stderr.isatty():
            self.stderr.write(f"\r  replications: {done} / {total}", ending="")
        else:
            self.stderr.write(f"  replications: {done} / {total}")


def table(result: dict) -> str:
    """The figures, each with its 95% interval."""
    lines = [f"{'figure':<48} {'mean':>12} {'± 95%':>10}"]
    for name, words in FIGURES.items():
        figure = result["figures"][name]
        mean, half = figure["mean"], figure["half_width"]
        shown = "—" if mean is None else f"{mean:,.3f}"
        interval = "—" if half is None or math.isinf(half) else f"{half:,.3f}"
        lines.append(f"{words:<48} {shown:>12} {interval:>10}")
    lines.append("team utilisation:")
    for name, figure in zip(result["teams"], result["team_utilisation"], strict=True):
        mean = figure["mean"]
        lines.append(f"  {name:<46} {'—' if mean is None else f'{mean:.1%}':>12}")
    return "\n".join(lines)
