"""The OpenAPI document states the real error body, {"error": {code, message, details}}, on every
4xx response of every operation and as the default, so a generated client can read every error."""
from __future__ import annotations

import pytest

METHODS = ("get", "post", "put", "delete", "patch")


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def schema_of(document, response: dict) -> dict:
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def test_the_error_body_component_is_the_shape_the_service_answers(document):
    body = document["components"]["schemas"]["ErrorBody"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert body["required"] == ["error"] and body["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    assert set(detail["required"]) == {"code", "message", "details"}


def test_every_4xx_and_every_default_of_every_operation_states_the_error_body(document):
    checked = 0
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            if status == "default" or status.startswith("4"):
                assert schema_of(document, response) == {"$ref": "#/components/schemas/ErrorBody"}, (name, status)
                checked += 1
    assert checked >= 80


def test_a_real_error_answer_has_the_documented_shape(client, world):
    body = client.get("/api/v1/flags/12345", headers={"Authorization": "Bearer nonsense"}).get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
