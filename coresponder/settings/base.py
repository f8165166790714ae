"""Settings shared by every environment. Defaults here are the safe ones."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .environment import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Ours first, so that our management commands (flush) take precedence.
    "coresponder.core",
    "coresponder.accounts",
    "coresponder.privacy",
    "coresponder.people",
    "coresponder.calls",
    "coresponder.dispatch",
    "coresponder.encounters",
    "coresponder.referrals",
    "coresponder.cases",
    "coresponder.planning",
    "coresponder.analytics",
    "coresponder.interop",
    "coresponder.demo",
    "coresponder.web.admin_site.CoresponderAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coresponder.core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "coresponder.accounts.middleware.SessionLifetimeMiddleware",
    "coresponder.accounts.middleware.SecondFactorRequiredMiddleware",
    "coresponder.accounts.middleware.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it turns a lockout raised below it into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coresponder.urls"
WSGI_APPLICATION = "coresponder.wsgi.application"
ASGI_APPLICATION = "coresponder.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coresponder.web.navigation.navigation",
                "coresponder.accounts.context_processors.clock",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # IMMEDIATE takes the write lock when a transaction starts, so two
        # writers queue instead of failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'var' / 'coresponder.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and authentication, as the CJIS Security Policy and NIST 800-63B ask.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Digits alone, keyboard walks, names with small changes: zxcvbn's guessability score.
    {
        "NAME": "coresponder.accounts.passwords.GuessabilityValidator",
        "OPTIONS": {"min_score": 3},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

COR_REQUIRE_MFA = env_bool("COR_REQUIRE_MFA", default=True)
COR_SESSION_IDLE_SECONDS = env_int("COR_SESSION_IDLE_SECONDS", default=30 * 60)
COR_SESSION_MAX_SECONDS = env_int("COR_SESSION_MAX_SECONDS", default=12 * 60 * 60)
OTP_TOTP_ISSUER = "Coresponder"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = COR_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "coresponder_session"
CSRF_COOKIE_NAME = "coresponder_csrf"

# Transport security. Production keeps these; dev and test relax them for plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading binds the whole domain for years: the operator opts in (and W021 is silenced).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("COR_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy's address, whose X-Forwarded-Proto and -For waitress believes.
COR_TRUSTED_PROXY = env_str("COR_TRUSTED_PROXY", "127.0.0.1")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("es", "Español")]
# Instants are kept in UTC, and commands and workers run on it; each page is on the reader's
# program's clock (accounts.middleware.TimeZoneMiddleware, docs/settings.md).
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded documents (signed consent forms) are never served as static files: a view checks
# the privacy policy before sending one. Keep this directory out of the web server's reach.
MEDIA_ROOT = Path(env_str("COR_MEDIA_ROOT", str(PROJECT_DIR / "var" / "media")))
MEDIA_URL = "/documents/"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(PROJECT_DIR / "var" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

# Rate limits of the JSON API, per agency token or signed-in user and kind of operation, in
# requests per s, min, hour or day (docs/settings.md says why these). A CAD feed posts calls
# at its own rate, far above a large city's peak of a few calls a second.
COR_API_RATES = {
    "read": env_str("COR_API_READ_RATE", "1200/min"),
    "write": env_str("COR_API_WRITE_RATE", "300/min"),
    "cad": env_str("COR_API_CAD_RATE", "3000/min"),
}
# The cache holding the rate counters (and the public outcome pages). `memory` is one per
# process, so several gunicorn workers each count on their own; `database` shares them
# (after `coresponder createcachetable`).
COR_CACHE = env_str("COR_CACHE", "memory")
if COR_CACHE == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "coresponder_cache",
            # Culling beyond this would drop live rate counters: keep room for every user.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
elif COR_CACHE == "memory":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"COR_CACHE must be memory or database, not {COR_CACHE!r}.")
COR_THROTTLE_CACHE = "default"

# Dispatch messages. The site address goes into links; messages carry no person's data.
COR_SITE_URL = env_str("COR_SITE_URL", "http://127.0.0.1:8000")
COR_NOTIFIERS = env_list("COR_NOTIFIERS", default=["coresponder.dispatch.notify.EmailNotifier"])
COR_SMS_GATEWAY_URL = env_str("COR_SMS_GATEWAY_URL", "")
COR_SMS_GATEWAY_TOKEN = env_str("COR_SMS_GATEWAY_TOKEN", "")
# Send dispatch messages from a background thread, so a slow channel never delays a dispatch.
COR_NOTIFY_IN_BACKGROUND = env_bool("COR_NOTIFY_IN_BACKGROUND", default=True)
# Remind a partner of a referral still unanswered this many hours after it was sent.
COR_REFERRAL_REMINDER_HOURS = env_int("COR_REFERRAL_REMINDER_HOURS", default=24)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "coresponder@localhost")

# axes.W006 wants lockout by IP address as well. CJIS asks for the *account* to lock
# after repeated failures, whatever the source; locking by address too would let one
# user's mistakes lock out a whole shared dispatch centre behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]

# Background work (program reports): Django's task framework, queued in the database and
# run by `coresponder db_worker` (the demo runs one inside its server process).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A large program's dashboards read an embedded DuckDB store in this folder, refreshed by
# `coresponder analytics refresh`; empty means the figures come from this database.
COR_ANALYTICS_STORE = env_str("COR_ANALYTICS_STORE", "")
# Programs (by short name) whose aggregate outcomes are published on a page with no log-in,
# small counts suppressed: /outcomes/public/<short name>/. Empty publishes nothing.
COR_PUBLIC_OUTCOMES = env_list("COR_PUBLIC_OUTCOMES", default=[])
# A small program's outcome pages rebuild changed call facts before answering, at most
# once in this many seconds.
COR_ANALYTICS_FRESH_SECONDS = env_int("COR_ANALYTICS_FRESH_SECONDS", default=30)

# The largest CSV the import page takes (bytes); a larger export goes through
# `coresponder import calls` on the server (docs/operations.md).
COR_IMPORT_UPLOAD_MAX_BYTES = env_int("COR_IMPORT_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
