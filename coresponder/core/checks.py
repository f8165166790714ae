"""System checks for what would otherwise fail on every request, found at deploy time instead."""

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, register
from django.core.files.storage import storages

from .throttles import RateInvalid, parse_rate


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs, **kwargs) -> list[Error]:
    """Production's static storage looks every file up in the manifest `collectstatic` writes.

    Without the manifest (or with one older than the installed code) every page that links
    a stylesheet or script answers 500. Settings that serve static files from the apps
    (the demo, the tests) have no manifest to check.
    """
    storage = storages.create_storage(settings.STORAGES["staticfiles"])
    if not isinstance(storage, ManifestFilesMixin):
        return []
    try:
        collected, _hash = storage.load_manifest()
    except ValueError:  # a manifest of another Django version, or a damaged one
        collected = {}
    if not collected:
        return [
            Error(
                f"Static files are not collected: {storage.path(storage.manifest_name)} is "
                "missing or unreadable, so every page will answer 500.",
                hint="Run `coresponder collectstatic --noinput` (after every install or "
                "upgrade), with the same STATIC_ROOT as the server.",
                id="core.E001",
            )
        ]
    ignored = apps.get_app_config("staticfiles").ignore_patterns  # as collectstatic ignores
    shipped = {path for finder in finders.get_finders() for path, _ in finder.list(ignored)}
    missing = sorted(shipped - collected.keys())
    if missing:
        return [
            Error(
                f"Static files were collected from older code: {len(missing)} shipped files "
                f"are not in the manifest (e.g. {', '.join(missing[:3])}); pages using them "
                "will answer 500.",
                hint="Run `coresponder collectstatic --noinput` again after the upgrade.",
                id="core.E002",
            )
        ]
    return []


@register()
def api_rates_valid(app_configs, **kwargs) -> list[Error]:
    """A rate the API cannot read would fail every API request; say so before serving."""
    errors = []
    for operation, rate in sorted(settings.COR_API_RATES.items()):
        try:
            parse_rate(rate)
        except RateInvalid as error:
            errors.append(
                Error(
                    f"The API's {operation} rate is not valid: {error}",
                    hint="Write it as a number of requests per s, min, hour or day, e.g. 600/min.",
                    id="core.E003",
                )
            )
    return errors
