import contextlib
import errno
import os
import signal
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


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
    help = "Serve Coresponder over HTTP with waitress (put TLS in front of it in production)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Server processes sharing the port (POSIX): one per core the machine "
            "gives Coresponder. Each has its own threads and database connections.",
        )

    def handle(self, *args, host, port, threads, processes, **options):
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        if processes < 1:
            raise CommandError("--processes is 1 or more.")
        if processes > 1 and not hasattr(os, "fork"):
            raise CommandError("Several processes need a POSIX system; use --processes 1.")
        application = get_wsgi_application()
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            listening = socket.create_server((host, port), family=family, backlog=1024)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"Port {port} on {host} is already in use. Stop the other server, "
                    "or choose another port with --port."
                ) from None
            raise
        shown = listening.getsockname()[1]
        many = f", {processes} processes" if processes > 1 else ""
        self.stdout.write(f"Serving on http://{host}:{shown}/{many}  (Ctrl-C to stop)")
        self.stdout.flush()
        if processes == 1:
            serve(application, sockets=[listening], **waitress_options(threads=threads))
            return
        _serve_forked(application, listening, processes, waitress_options(threads=threads))


def _serve_forked(application, listening: socket.socket, processes: int, options: dict) -> None:
    """Pre-fork: each child serves the one listening socket; the kernel shares out accepts.

    Database connections are closed before forking so that no child inherits one.
    """
    from django.db import connections
    from waitress import serve

    connections.close_all()
    children = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:  # the child
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                serve(application, sockets=[listening], **options)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(signum, frame):
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        while True:
            try:
                os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
