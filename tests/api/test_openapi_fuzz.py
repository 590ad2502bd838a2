"""schemathesis over the service's own OpenAPI document: every operation, generated valid and
invalid requests (bounded for CI), as an admin; no answer is a server error, every status and
content type is one the document states, and every 4xx body is the error body it states."""
from __future__ import annotations

import os
import tempfile

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from supervise import create_app

# Cases per operation; the document has about 50 operations. SCHEMATHESIS_EXAMPLES raises it locally.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


def errors_as_documented(ctx, response, case):
    """Every 4xx body validates against the schema the document gives that status (the one error
    body); 2xx bodies are not held to their schemas here (some nullable fields are not marked so)."""
    if 400 <= response.status_code < 500:
        return response_schema_conformance(ctx, response, case)
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, errors_as_documented]


def _document() -> dict:
    """The OpenAPI document, read from an app of its own: it does not depend on any data."""
    with tempfile.TemporaryDirectory() as storage:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "STORAGE_DIR": storage,
                          "SECRET_KEY": "openapi"})
        return app.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_generated_request_is_a_server_error_and_every_answer_is_as_documented(case, app, auth, world):
    response = case.call(app=app, headers=auth("admin"))
    case.validate_response(response, checks=CHECKS)
