"""Tokens, the one error shape, and the login rate limit."""
from tests.conftest import PASSWORD


def test_a_good_password_gets_a_token_that_expires_and_names_the_user(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "dl1", "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 200
    assert body["token"] and body["expires_at"].endswith("Z")
    assert body["user"] == {"id": body["user"]["id"], "username": "dl1", "role": "officer", "district": "DL",
                            "badge_no": "HRB-DL-0001", "name": "officer DL1"}


def test_a_wrong_password_is_401_in_the_one_error_shape(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "dl1", "password": "nope-nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "BAD_CREDENTIALS"


def test_an_unknown_user_is_refused_the_same_way_as_a_wrong_password(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "whatever1"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "BAD_CREDENTIALS"


def test_a_missing_field_is_422_naming_the_field(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "dl1"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and "password" in error["details"]["fields"]


def test_after_five_failures_even_the_right_password_waits(client, world):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "dl2", "password": "wrong-password"})
    response = client.post("/api/v1/auth/token", json={"username": "dl2", "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "LOGIN_RATE_LIMITED"


def test_a_revoked_token_no_longer_opens_anything(client, auth, world):
    headers = auth("dl1")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "TOKEN_INVALID"


def test_an_expired_token_is_refused(app, client, auth, world):
    from datetime import timedelta

    from supervise.extensions import db
    from supervise.models import ApiToken
    from supervise.timeutil import utcnow

    headers = auth("dl1")
    with app.app_context():
        for token in db.session.scalars(db.select(ApiToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_unknown_paths_and_methods_answer_in_the_one_error_shape(client, auth, world):
    missing = client.get("/api/v1/nothing-here", headers=auth("admin"))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "NOT_FOUND"
    wrong_method = client.put("/api/v1/districts", headers=auth("admin"), json={})
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_a_body_that_is_not_json_is_a_clear_400_or_422(client, auth, world):
    response = client.post("/api/v1/districts", headers={**auth("admin"), "Content-Type": "application/json"},
                           data=b"{not json")
    assert response.status_code in (400, 422)
    assert "code" in response.get_json()["error"]


def test_the_openapi_document_is_generated_and_lists_the_reference_paths(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/districts", "/api/v1/grids", "/api/v1/officers",
                 "/api/v1/shifts", "/api/v1/devices", "/api/v1/posts"):
        assert path in document["paths"]
    assert "bearerAuth" in document["components"]["securitySchemes"]
