"""gunicorn's settings as `coresponder serve` runs it (`gunicorn -c python:<this module>`).

`serve` passes what varies (address, processes, threads, limits) on gunicorn's command line,
which wins over this module. Nothing here imports Django: the master process stays free of
the application, so `kill -HUP` (systemd's reload) starts workers on the code now installed
and stops the old ones once they have answered what they hold.
"""

import sys

wsgi_app = "coresponder.wsgi:gunicorn_application"

# Threads in each worker process, as waitress had them: a slow request holds a thread, not
# the process. The master replaces a worker that dies, and restarts each one after its
# max_requests (plus up to the jitter, so that they do not all restart at once).
worker_class = "gthread"
workers = 2
threads = 8
max_requests = 5000
max_requests_jitter = 500
# A worker silent this long is killed and replaced; on stop or reload, a worker has this
# long to finish the requests it holds.
timeout = 30
graceful_timeout = 30
keepalive = 5

# The access log: no query string (searches carry names and dates of birth), no referrer
# (it carries the previous page's query), no user agent. The worker's pid tells an operator
# which process answered.
accesslog = "-"
access_log_format = '%(h)s %(t)s %(p)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
proc_name = "coresponder"
# Signals (HUP, TERM, TTIN, TTOU) steer the master; no control socket in a shared directory.
control_socket_disable = True


def when_ready(server):
    """Say where we listen, as `serve` always has (the port is chosen by the system for 0)."""
    for listener in server.LISTENERS:
        address = listener.sock.getsockname()
        host = f"[{address[0]}]" if ":" in address[0] else address[0]
        processes = "1 process" if server.num_workers == 1 else f"{server.num_workers} processes"
        sys.stdout.write(
            f"Serving on http://{host}:{address[1]}/, {processes} (gunicorn; Ctrl-C to stop)\n"
        )
    sys.stdout.flush()


def post_worker_init(worker):
    """Load every view before the worker takes its first request, not during it: a worker
    started after another's max_requests would otherwise make one caller wait seconds."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing is the point
