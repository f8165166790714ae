"""The test suite: SQLite in memory unless DATABASE_URL names another database."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_url
from .environment import env_str

SECRET_KEY = "test-only-key-not-secret-0123456789abcdef"  # noqa: S105 - tests only
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
COR_REQUIRE_MFA = False

DATABASES = {"default": database_from_url(env_str("DATABASE_URL", "sqlite://:memory:"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: with an in-memory database the browser tests' live server shares
    # one connection between its threads, and two requests at once (an htmx search still
    # in flight while a link is followed) collide in it. A file gives each its own, as in
    # production.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="coresponder-test-db-")) / "test.sqlite3")
    }

# Argon2 is slow on purpose; tests that check hashing switch it back on.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None  # static files come from the apps through WhiteNoise; nothing is collected

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="coresponder-test-media-"))

# Tests read the outbox right after a dispatch; one test turns the background back on.
COR_NOTIFY_IN_BACKGROUND = False

# Tasks run the moment they are enqueued, in the test's own thread and transaction.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# No test is slowed or refused by the API's rate limits; the throttle's tests lower them.
COR_API_RATES = {"read": "100000/min", "write": "100000/min", "cad": "100000/min"}

# Tests change records and read the outcomes at once: the facts are always rebuilt.
COR_ANALYTICS_FRESH_SECONDS = 0
