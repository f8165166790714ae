"""System checks: production's static files collected and current, the API's rates readable."""

from __future__ import annotations

import json

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
# The same manifest without the compressing, which takes minutes on a busy machine.
MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def our_errors(**options) -> list[tuple[str, str]]:
    return [
        (message.id, message.msg)
        for message in run_checks(include_deployment_checks=True, **options)
        if message.id.startswith("core.")
    ]


@pytest.fixture
def production_static(settings, tmp_path):
    """Static files as production keeps them: hashed names, looked up in a manifest."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def test_production_static_files_not_collected_fail_the_deploy_check(settings, tmp_path):
    # given: production's storage, nothing collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    settings.STATIC_ROOT = tmp_path / "static"

    # when
    errors = our_errors()

    # then
    assert errors == [
        (
            "core.E001",
            f"Static files are not collected: {tmp_path / 'static' / 'staticfiles.json'} is "
            "missing or unreadable, so every page will answer 500.",
        )
    ]


def test_collected_static_files_pass_the_deploy_check(production_static):
    # given
    call_command("collectstatic", "--noinput", verbosity=0)

    # when
    errors = our_errors()

    # then
    assert errors == []


def test_static_files_collected_from_older_code_fail_the_deploy_check(production_static):
    # given: collected, then the code gained a file (here: the manifest lost one)
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest_file = production_static / "staticfiles.json"
    manifest = json.loads(manifest_file.read_text())
    del manifest["paths"]["core/coresponder.css"]
    manifest_file.write_text(json.dumps(manifest))

    # when
    errors = our_errors()

    # then
    assert errors == [
        (
            "core.E002",
            "Static files were collected from older code: 1 shipped files are not in the "
            "manifest (e.g. core/coresponder.css); pages using them will answer 500.",
        )
    ]


def test_static_files_served_from_the_apps_need_no_collecting(settings):
    # the suite's (and the demo's) storage: no manifest
    assert settings.STORAGES["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )

    assert our_errors() == []


def test_an_api_rate_that_cannot_be_read_fails_the_checks(settings):
    settings.COR_API_RATES = {"read": "600/min", "write": "fast", "cad": "10/fortnight"}

    errors = our_errors()

    assert errors == [
        (
            "core.E003",
            "The API's cad rate is not valid: '10/fortnight' is not a number of "
            "requests per s, min, hour or day.",
        ),
        (
            "core.E003",
            "The API's write rate is not valid: 'fast' is not a number of "
            "requests per s, min, hour or day.",
        ),
    ]
