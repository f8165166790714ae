from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command

from coresponder.testing.shared_data import PROJECT_DIR


def run_with_settings(module: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-m", "coresponder", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_DIR,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with_settings("coresponder.settings.prod")

    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_with_settings("coresponder.settings.prod", SECRET_KEY="too-short")

    assert result.returncode == 2
    assert "SECRET_KEY is too short" in result.stderr


def test_production_settings_pass_djangos_deployment_checks(settings, tmp_path):
    # given: static files collected where production looks for them (the same manifest
    # production's storage writes, without its minutes of compressing)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", verbosity=0)

    # when
    result = run_with_settings(
        "coresponder.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="coresponder.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_collected_static_files_fails_the_deployment_checks(tmp_path):
    result = run_with_settings(
        "coresponder.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="coresponder.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
    )

    assert result.returncode == 1
    assert "(core.E001) Static files are not collected" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", False),
        ("SESSION_COOKIE_SECURE", True),
        ("CSRF_COOKIE_SECURE", True),
        ("SECURE_SSL_REDIRECT", True),
        ("SECURE_HSTS_SECONDS", 31_536_000),
        ("X_FRAME_OPTIONS", "DENY"),
        ("COR_REQUIRE_MFA", True),
        ("COR_SESSION_IDLE_SECONDS", 1800),
    ],
)
def test_production_defaults_are_the_safe_ones(monkeypatch, name, value):
    for variable in (
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "COR_REQUIRE_MFA",
        "COR_SESSION_IDLE_SECONDS",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    import importlib

    from coresponder.settings import base

    importlib.reload(base)
    if "coresponder.settings.prod" in sys.modules:
        settings = importlib.reload(sys.modules["coresponder.settings.prod"])
    else:
        settings = importlib.import_module("coresponder.settings.prod")

    assert getattr(settings, name) == value


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/login/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
