from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coresponder.accounts.models import Program
from coresponder.demo.cases import describe_cases
from coresponder.demo.directory import describe_directory
from coresponder.demo.encounters import describe
from coresponder.demo.generator import DEMO_PASSWORD, DEMO_PROGRAM_SLUG, build_demo_program
from coresponder.demo.history import describe_history
from coresponder.demo.outcomes import describe_outcomes
from coresponder.demo.referrals import describe_referrals


class Command(BaseCommand):
    help = "Create (once) and serve a synthetic demo program, printing a log-in for every role."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Load the demo program and stop, without serving it.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the database and build the demo afresh for today (a database that "
            "holds the demo program and nothing else).",
        )

    def handle(self, *args, seed, host, port, no_serve, reset, **options):
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            self.empty_for_a_new_demo()
        self.stdout.write("Loading the demo program…")
        demo = build_demo_program(now=timezone.now(), seed=seed)
        state = "created" if demo.created else self.kept(demo.program)
        self.stdout.write(self.style.SUCCESS(f"{demo.program.name}: {state}."))
        self.stdout.write(describe(demo.program))
        self.stdout.write(describe_directory(demo.program))
        self.stdout.write(describe_referrals(demo.program))
        self.stdout.write(describe_cases(demo.program))
        self.stdout.write(demo.history.line() if demo.history else describe_history(demo.program))
        self.stdout.write(describe_outcomes(demo.program))
        self.stdout.write("")
        self.stdout.write(
            f"Sign in at http://{host}:{port}/login/ with any of these "
            f"(password for all: {DEMO_PASSWORD}):"
        )
        self.stdout.write("")
        width = max(len(username) for username, _role, _agency in demo.logins)
        for username, role, agency in demo.logins:
            self.stdout.write(f"  {username.ljust(width)}  {role} — {agency}")
        self.stdout.write("")
        if not settings.COR_REQUIRE_MFA:
            self.stdout.write("The demo does not ask for a second factor (COR_REQUIRE_MFA is off).")
        if no_serve:
            return
        start_task_worker()
        self.stdout.write("Background tasks (program reports) run in this process.")
        # One process, so that the task worker thread above runs beside the pages it serves.
        call_command("serve", host=host, port=port, server="waitress")

    def empty_for_a_new_demo(self) -> None:
        # The demo's day (teams on scene, calls in hand) is built at the time it is built;
        # a demo built days ago is rebuilt from nothing. Only where nothing else would go.
        others = list(
            Program.objects.exclude(slug=DEMO_PROGRAM_SLUG).values_list("name", flat=True)
        )
        if others:
            raise CommandError(
                f"This database holds other programs than the demo ({', '.join(others)}): "
                "--reset empties the whole database, so it does nothing here. Point "
                "DATABASE_URL at the demo's own database."
            )
        call_command("flush", interactive=False, verbosity=0)
        self.stdout.write("Emptied the database, to build the demo afresh for today.")

    def kept(self, program: Program) -> str:
        built = timezone.localtime(program.created_at, ZoneInfo(program.time_zone))
        return (
            f"already there, built on {built.day} {built:%B %Y}, kept as it is; "
            "`coresponder demo --reset` (or `make demo-reset`) builds it afresh for today"
        )


def start_task_worker() -> None:
    """Run the database task worker in a daemon thread beside the server, so that the demo
    needs one command; production runs `coresponder db_worker` as its own service."""
    import threading

    from django.utils.crypto import get_random_string
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.management.commands.db_worker import Worker

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return
    worker = Worker(
        queue_names=["*"],
        interval=1,
        batch=False,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    threading.Thread(target=worker.run, name="task-worker", daemon=True).start()
