"""Production: everything from the environment, nothing guessed."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Coresponder will not start in production without one. "
        "Generate a key with: python -c 'import secrets; print(secrets.token_urlsafe(50))' "
        "and set it in the environment as SECRET_KEY."
    )
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short: use at least 32 random characters.")
