import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coresponder.settings.prod")
application = get_wsgi_application()


def gunicorn_application(environ, start_response):
    """The application as gunicorn serves it (`coresponder serve`).

    gunicorn believes `X-Forwarded-Proto` only from `forwarded_allow_ips` (the trusted
    proxy) and says what it believed in `wsgi.url_scheme`; Django's SECURE_PROXY_SSL_HEADER
    would believe the header from anyone who can reach the port. The header is made to say
    what gunicorn believed, so a request that did not come through the proxy is not HTTPS.
    """
    if "HTTP_X_FORWARDED_PROTO" in environ:
        environ["HTTP_X_FORWARDED_PROTO"] = environ["wsgi.url_scheme"]
    return application(environ, start_response)
