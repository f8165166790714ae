"""The OpenAPI document tells clients the truth: one schema per name, every answer
documented, the CSRF refusal in the one error shape."""

from __future__ import annotations

import json
import typing
from collections import defaultdict
from enum import Enum

import pydantic
import pytest
from django.test import Client

from coresponder.accounts.models import Role
from coresponder.api import api
from coresponder.calls.models import Call
from coresponder.testing.fixtures import PASSWORD
from coresponder.testing.openapi import openapi_document, problems_with

pytestmark = pytest.mark.django_db


def _models_in(annotation, found: set) -> None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        found.add(annotation)  # an enum class is a component of the document too
        return
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _models_in(argument, found)


def schemas_by_name(ninja_api) -> dict[str, set]:
    """Each schema name the operations use, with the classes (and their JSON schemas)
    that carry it: Ninja's input and output models, and every model and enum inside them."""
    by_name: dict[str, set] = defaultdict(set)
    for _prefix, router in ninja_api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                found: set = set()
                for model in [*operation.models, *operation.response_models.values()]:
                    _models_in(model, found)
                for model in found:
                    if model.__module__ == "abc" or model.__module__.startswith("ninja."):
                        continue  # Ninja's parameter and response wrappers: never components
                    if issubclass(model, Enum):
                        shape = json.dumps([member.value for member in model])
                    else:
                        shape = json.dumps(model.model_json_schema(), sort_keys=True)
                    by_name[model.__name__].add((model.__module__, model.__qualname__, shape))
    return by_name


def test_no_schema_name_is_used_for_two_shapes():
    # given every operation of the API
    by_name = schemas_by_name(api)

    # then each name is one class with one JSON schema
    reused = {name: sorted(c[:2] for c in classes) for name, classes in by_name.items()}
    reused = {name: classes for name, classes in reused.items() if len(by_name[name]) > 1}
    assert reused == {}
    assert {"TeamStatusMoveIn", "ReferralMoveIn", "PlanContactIn", "CaseContactIn"} <= set(by_name)


def test_the_name_check_sees_a_reuse():
    from ninja import NinjaAPI, Router, Schema

    # given two routers, each with its own MoveIn
    def router_with_move(field: str) -> Router:
        move_in = type(
            "MoveIn", (Schema,), {"__annotations__": {field: str}, "__module__": f"app_{field}"}
        )
        router = Router()
        router.post("/" + field)(lambda request, payload: None)
        router.path_operations["/" + field].operations[0].models.append(move_in)
        return router

    ninja_api = NinjaAPI(urls_namespace="reuse-check")
    ninja_api.add_router("/a", router_with_move("status"))
    ninja_api.add_router("/b", router_with_move("to"))

    # then the check finds the name twice
    assert len(schemas_by_name(ninja_api)["MoveIn"]) == 2


def test_every_operation_documents_its_errors_in_the_one_error_shape():
    document = openapi_document()
    error = {"$ref": "#/components/schemas/ErrorOut"}

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "429"} <= set(responses), (method, path)
            assert list(responses["429"]["headers"]) == ["Retry-After"], (method, path)
            if method != "get":
                assert {"404", "409", "422"} <= set(responses), (method, path)
            for status in (s for s in responses if s.startswith("4") and s != "409"):
                content = responses[status]["content"]["application/json"]
                assert content["schema"] == error, (method, path, status)
    assert document["components"]["schemas"]["ErrorOut"]["required"] == [
        "message",
        "code",
        "fields",
    ]


def test_enum_like_fields_list_their_values():
    schemas = openapi_document()["components"]["schemas"]

    assert schemas["CallIn"]["properties"]["source"]["enum"] == [
        "911",
        "988",
        "non_emergency",
        "officer_initiated",
        "walk_in",
        "cad",
    ]
    assert "emergency_hold" in schemas["DispositionIn"]["properties"]["disposition"]["enum"]
    assert schemas["TeamStatusMoveIn"]["properties"]["status"]["enum"][:3] == [
        "available",
        "dispatched",
        "en_route",
    ]
    section = openapi_document()["paths"]["/api/v1/encounters/{encounter_id}/sections/{kind}"]
    kind = next(p for p in section["put"]["parameters"] if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["safety", "clinical", "substance_use", "medical"]


def test_the_checker_refuses_an_undocumented_status_and_a_body_off_its_schema():
    assert problems_with("GET", "/api/v1/me", 418, b"{}") == [
        "status 418 is not documented (documented: 200, 401, 403, 429)"
    ]
    assert problems_with("GET", "/api/v1/me", 401, b'{"message": "x", "code": "y"}') == [
        '(body): "fields" is a required property'
    ]
    assert problems_with("GET", "/api/v1/nothing-here", 404, b"") == []


def test_a_call_without_a_person_reads_as_documented(client, make_user, sign_in):
    # given a call no person is linked to (the document once said person_id was required)
    sign_in(make_user(Role.DISPATCHER))
    created = client.post(
        "/api/v1/calls", {"source": "911", "address": "Main St"}, content_type="application/json"
    )

    # when it is read back
    response = client.get(f"/api/v1/calls/{created.json()['id']}")

    # then the answer leaves person_id out, and the document allows it
    assert response.status_code == 200
    assert "person_id" not in response.json()
    assert "person_id" not in openapi_document()["components"]["schemas"]["CallOut"]["required"]
    assert problems_with("GET", "/api/v1/calls/x", 200, response.content) == []


def _signed_in_browser(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/")
    signed_in = browser.post(
        "/login/",
        {
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    assert signed_in.status_code == 302
    return browser


def test_a_session_write_without_its_csrf_token_is_refused_in_the_error_shape(make_user):
    # given a signed-in session that does not send its CSRF token
    browser = _signed_in_browser(make_user(Role.DISPATCHER))

    # when it writes
    response = browser.post(
        "/api/v1/calls", {"source": "911", "address": "Main St"}, content_type="application/json"
    )

    # then 403 csrf_failed, documented, and no call
    assert response.status_code == 403
    assert response.json() == {
        "message": "A write with the session needs its CSRF token in the X-CSRFToken header.",
        "code": "csrf_failed",
        "fields": {},
    }
    assert not Call.objects.exists()


def test_a_session_write_with_its_csrf_token_is_taken(make_user):
    browser = _signed_in_browser(make_user(Role.DISPATCHER))
    token = browser.cookies["coresponder_csrf"].value

    response = browser.post(
        "/api/v1/calls",
        {"source": "911", "address": "Main St"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201
    assert Call.objects.count() == 1


def test_a_write_with_no_credentials_at_all_is_not_authenticated_not_a_csrf_refusal():
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/calls", {"source": "911"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Call.objects.exists()
