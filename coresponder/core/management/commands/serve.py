import errno
import os
import socket
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coresponder.core.checks import static_files_collected

GUNICORN_CONFIG = "python:coresponder.core.gunicorn_config"


def gunicorn_arguments(
    *,
    host: str,
    port: int,
    processes: int,
    threads: int,
    timeout: int,
    max_requests: int,
) -> list[str]:
    """gunicorn's command line: our config module, and what this run chooses over it."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        "--config",
        GUNICORN_CONFIG,
        "--bind",
        bind,
        "--workers",
        str(processes),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        str(timeout),
        "--max-requests",
        str(max_requests),
        "--max-requests-jitter",
        str(max_requests // 10),
        # gunicorn believes X-Forwarded-Proto only from these addresses: the proxy behind
        # COR_BEHIND_TLS_PROXY, and nobody when there is none.
        "--forwarded-allow-ips",
        settings.COR_TRUSTED_PROXY if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) else "",
    ]


def waitress_options(*, threads: int) -> dict:
    """Behind a TLS proxy, waitress must trust the proxy's X-Forwarded-Proto.

    Waitress drops forwarding headers from peers it was not told to trust; without them
    every request looks like plain HTTP and the HTTPS redirect loops for ever.
    """
    options = {"threads": threads, "ident": "coresponder"}
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        options["trusted_proxy"] = settings.COR_TRUSTED_PROXY
        options["trusted_proxy_headers"] = {"x-forwarded-proto", "x-forwarded-for"}
        options["clear_untrusted_proxy_headers"] = True
    return options


class Command(BaseCommand):
    help = (
        "Serve Coresponder over HTTP with gunicorn: worker processes the master replaces when "
        "they die (put TLS in front of it in production). --server waitress serves from one "
        "process, on any system."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="gunicorn worker processes sharing the port (default 2): about one per core "
            "the machine gives Coresponder. Each has its own threads and database connections.",
        )
        parser.add_argument("--threads", type=int, default=8, help="Threads in each process.")
        parser.add_argument(
            "--timeout",
            type=int,
            default=30,
            help="Seconds before a silent worker is killed and replaced, and that a worker has "
            "to finish its requests when stopped or reloaded (gunicorn).",
        )
        parser.add_argument(
            "--max-requests",
            type=int,
            default=5000,
            help="Restart each worker after this many requests, plus up to a tenth more at "
            "random so that they do not restart together; 0 never (gunicorn).",
        )
        parser.add_argument(
            "--server",
            choices=["gunicorn", "waitress"],
            default="waitress" if os.name == "nt" else "gunicorn",
            help="gunicorn (POSIX, the default there) or waitress (one process; Windows and "
            "the demo).",
        )

    def handle(self, *args, host, port, processes, threads, timeout, max_requests, server, **opts):
        if processes is not None and processes < 1:
            raise CommandError("--processes is 1 or more.")
        if threads < 1 or timeout < 1 or max_requests < 0:
            raise CommandError("--threads and --timeout are 1 or more, --max-requests 0 or more.")
        for problem in static_files_collected(None):
            self.stderr.write(f"Warning: {problem.msg} {problem.hint}")
        if server == "waitress":
            if processes not in (None, 1):
                raise CommandError("waitress serves from one process: use --processes 1.")
            self._serve_with_waitress(host, port, threads)
            return
        # A port in use is said in a sentence at once, not after gunicorn's five retries.
        # Under systemd socket activation (LISTEN_FDS) the port is systemd's, handed over.
        if port != 0 and "LISTEN_FDS" not in os.environ:
            _listen(host, port).close()
        arguments = gunicorn_arguments(
            host=host,
            port=port,
            processes=processes or 2,
            threads=threads,
            timeout=timeout,
            max_requests=max_requests,
        )
        self.stdout.flush()
        self.stderr.flush()
        # gunicorn takes this process over: its pid is the master's, so systemd and a
        # supervisor's signals (TERM stop, HUP reload, TTIN/TTOU more or fewer workers)
        # reach gunicorn itself.
        os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *arguments])  # noqa: S606

    def _serve_with_waitress(self, host: str, port: int, threads: int) -> None:
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        application = get_wsgi_application()
        listening = _listen(host, port)
        shown = listening.getsockname()[1]
        self.stdout.write(f"Serving on http://{host}:{shown}/  (waitress; Ctrl-C to stop)")
        self.stdout.flush()
        serve(application, sockets=[listening], **waitress_options(threads=threads))


def _listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family, backlog=1024)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                f"Port {port} on {host} is already in use. Stop the other server, "
                "or choose another port with --port."
            ) from None
        raise
