import errno

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

    def handle(self, *args, host, port, threads, **options):
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        application = get_wsgi_application()
        self.stdout.write(f"Serving on http://{host}:{port}/  (Ctrl-C to stop)")
        try:
            serve(application, host=host, port=port, **waitress_options(threads=threads))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"Port {port} on {host} is already in use. Stop the other server, "
                    "or choose another port with --port."
                ) from None
            raise
