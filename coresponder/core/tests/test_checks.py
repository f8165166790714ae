"""System checks: the API's rates readable."""

from __future__ import annotations

from django.core.checks import run_checks


def our_errors(**options) -> list[tuple[str, str]]:
    return [
        (message.id, message.msg)
        for message in run_checks(include_deployment_checks=True, **options)
        if message.id.startswith("core.")
    ]


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
