"""`coresponder cases sweep` and `coresponder cases rules`.

`sweep` is the follow-up clock: run it from cron or a systemd timer (e.g. every 5
minutes). It makes a task for each referral of a person with an open case left unanswered
past the program's hours, and sends one reminder for each task come due; each is done once,
and runs that overlap do not do it twice. `rules` lists a program's follow-up rules and
numbers in force.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from coresponder.accounts.management.programs import program_named
from coresponder.cases import actions
from coresponder.cases.access import numbers_of, rules_of
from coresponder.cases.models import FollowUpRule
from coresponder.encounters.dispositions import WORDS, Disposition


class Command(BaseCommand):
    help = "Follow-up cases: `sweep` runs the follow-up clock; `rules` lists the rules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser(
            "sweep",
            help="Make tasks for unanswered referrals and remind assignees of tasks come due.",
            description="Makes a task for each referral of a person with an open case not "
            "accepted within the program's hours (default 24), and e-mails one reminder for "
            "each task come due to its assignee, or else to its queue's case managers. "
            "Messages name the task and the case number only, never the person.",
        )
        rules = sub.add_parser(
            "rules", help="List the program's follow-up rules and numbers in force."
        )
        rules.add_argument("--program", help="The program (optional when there is one).")

    def handle(self, *args, what, **options):
        if what == "rules":
            self._rules(**options)
            return
        report = actions.sweep()
        self.stdout.write(
            f"Referral tasks: {report.referral_tasks} made for referrals not accepted in time"
        )
        self.stdout.write(f"Reminders: {report.reminders} sent for tasks come due")

    def _rules(self, *, program, **options):
        found = program_named(program)
        has_rules = FollowUpRule.objects.filter(program=found).exists()
        in_force = rules_of(found)
        self.stdout.write(
            f"Follow-up rules of {found}" + ("" if has_rules else " (the defaults: none set)")
        )
        if not in_force:
            self.stdout.write("  No disposition opens a case.")
        for disposition in Disposition:
            if disposition in in_force:
                self.stdout.write(
                    f"  {WORDS[disposition]}: first contact within {in_force[disposition]} h"
                )
        numbers = numbers_of(found)
        self.stdout.write(
            f"Repeat crisis: {numbers.repeat_calls} calls in {numbers.repeat_days} days"
        )
        self.stdout.write(
            f"Unreached after {numbers.failed_attempts_flag} failed contact attempts in a row"
        )
        self.stdout.write(
            f"Referral not accepted within {numbers.referral_answer_hours} h makes a task"
        )
