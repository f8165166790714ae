"""The API's answers against its OpenAPI document.

A pytest plugin (listed in the root conftest): every answer of `/api/v1/` that a test
receives through Django's test client is checked against the document the code describes.
A status the operation does not document, or a body its schema refuses, fails the test
that received it, so a client generated from `/api/openapi.json` can trust it.
"""

from __future__ import annotations

import json
import re
from functools import cache

import jsonschema_rs
import pytest
from django.test import Client

API_PREFIX = "/api/v1/"


@cache
def openapi_document() -> dict:
    from coresponder.api import api

    return json.loads(json.dumps(api.get_openapi_schema()))


@cache
def _routes() -> list[tuple[re.Pattern, str]]:
    routes = []
    for template in openapi_document()["paths"]:
        parts = re.split(r"\{[^}]+\}", template)
        pattern = "[^/]+".join(re.escape(part) for part in parts)
        routes.append((re.compile(f"^{pattern}$"), template))
    # Literal paths before templated ones: /persons/x/consents is not /persons/{id}.
    routes.sort(key=lambda route: route[1].count("{"))
    return routes


def operation_for(method: str, path: str) -> tuple[str, dict] | None:
    for pattern, template in _routes():
        if pattern.match(path):
            operation = openapi_document()["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
    return None


@cache
def _validator(template: str, method: str, status: str):
    operation = openapi_document()["paths"][template][method]
    content = operation["responses"][status].get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": openapi_document()["components"]}
    )


def problems_with(method: str, path: str, status: int, body: bytes) -> list[str]:
    """What in an answer the document does not say; empty when it matches."""
    found = operation_for(method, path)
    if found is None:
        return []  # no such operation: the unknown path's 404 (or 405) is not an operation's
    template, operation = found
    documented = sorted(operation["responses"])
    if str(status) not in operation["responses"]:
        return [f"status {status} is not documented (documented: {', '.join(documented)})"]
    validator = _validator(template, method.lower(), str(status))
    if validator is None:
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return [f"the {status} body is not JSON: {body[:200]!r}"]
    return [
        f"{'/'.join(str(part) for part in error.instance_path) or '(body)'}: {error.message}"
        for error in validator.iter_errors(data)
    ]


@pytest.fixture(autouse=True)
def api_answers_match_the_document(monkeypatch):
    """Check every `/api/v1/` answer a test receives through the test client."""
    receive = Client.request

    def checked(client, **environ):
        response = receive(client, **environ)
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX) and not response.streaming:
            method = environ.get("REQUEST_METHOD", "GET")
            problems = problems_with(method, path, response.status_code, response.content)
            if problems:
                pytest.fail(
                    f"{method} {path} answered {response.status_code} unlike its OpenAPI "
                    "description:\n  " + "\n  ".join(problems),
                    pytrace=False,
                )
        return response

    monkeypatch.setattr(Client, "request", checked)
