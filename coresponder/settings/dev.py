"""The local demo and development: plain HTTP on loopback, a key kept on disk."""

import secrets

from .base import *  # noqa: F403
from .base import PROJECT_DIR
from .environment import env_bool, env_list, env_str


def local_secret_key() -> str:
    """A key generated once for this checkout and kept in var/, never committed."""
    path = PROJECT_DIR / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or local_secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
COR_REQUIRE_MFA = env_bool("COR_REQUIRE_MFA", default=False)

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None  # static files come from the apps through WhiteNoise; nothing is collected

# The demo sends no mail: dispatch messages land as files in var/mail to read.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = PROJECT_DIR / "var" / "mail"

# The demo program publishes its outcomes at /outcomes/public/demo-county/.
COR_PUBLIC_OUTCOMES = env_list("COR_PUBLIC_OUTCOMES", default=["demo-county"])
