"""Failed logins are limited per (username, client address) and per address, so a stranger who
types wrong passwords for an officer locks out only themselves; X-Forwarded-For counts only from
a trusted proxy. (That Redis shares the counts between processes is shown with real servers in
tests/integration/test_deployment.py.)"""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

STRANGER, OFFICER_PHONE = "203.0.113.66", "198.51.100.7"


def token_from(client, address: str, username: str, password: str, headers: dict | None = None):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


def test_a_stranger_guessing_an_officers_password_cannot_lock_the_officer_out(client, world):
    for _ in range(10):
        token_from(client, STRANGER, "dl1", "not-the-password")
    assert token_from(client, STRANGER, "dl1", PASSWORD).status_code == 429

    response = token_from(client, OFFICER_PHONE, "dl1", PASSWORD)

    assert response.status_code == 200 and response.get_json()["token"]


def test_the_limit_answers_429_with_retry_after_and_the_one_error_shape(client, world):
    for _ in range(5):
        assert token_from(client, STRANGER, "dl1", "not-the-password").status_code == 401
    response = token_from(client, STRANGER, "dl1", "not-the-password")
    error = response.get_json()["error"]
    assert response.status_code == 429 and error["code"] == "LOGIN_RATE_LIMITED"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert error["details"]["retry_after_minutes"] <= 15


def test_good_logins_do_not_count_against_anyone(client, world):
    for _ in range(12):
        assert token_from(client, OFFICER_PHONE, "dl1", PASSWORD).status_code == 200


def test_one_address_trying_many_names_is_stopped_too(client, world):
    for n in range(30):
        token_from(client, STRANGER, f"guess{n}", "not-the-password")
    assert token_from(client, STRANGER, "dl2", PASSWORD).status_code == 429
    assert token_from(client, OFFICER_PHONE, "dl2", PASSWORD).status_code == 200


def test_the_login_page_shares_the_counts_and_says_why_in_the_page(client, world):
    from tests.web.test_login_page import csrf_token

    for _ in range(5):
        token_from(client, STRANGER, "dl1", "not-the-password")
    token = csrf_token(client.get("/login", environ_base={"REMOTE_ADDR": STRANGER}).data)
    response = client.post("/login", data={"csrf_token": token, "username": "dl1", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": STRANGER})
    assert response.status_code == 429 and "登录失败次数过多" in response.data.decode()


def test_x_forwarded_for_from_a_client_is_ignored(client, world):
    for n in range(6):
        token_from(client, STRANGER, "dl1", "not-the-password", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert token_from(client, STRANGER, "dl1", PASSWORD,
                      headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429


@pytest.fixture
def proxied_app(app):
    """The same app behind a trusted proxy at 10.0.0.2 (the middleware wraps a copy of the WSGI app)."""
    from supervise.ops.proxy import TrustedProxyMiddleware, parse_networks

    inner = app.wsgi_app
    app.wsgi_app = TrustedProxyMiddleware(inner, parse_networks("10.0.0.2"))
    yield app
    app.wsgi_app = inner


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address(proxied_app, world):
    client = proxied_app.test_client()
    for _ in range(6):
        token_from(client, "10.0.0.2", "dl1", "not-the-password", headers={"X-Forwarded-For": STRANGER})
    stranger = token_from(client, "10.0.0.2", "dl1", PASSWORD, headers={"X-Forwarded-For": STRANGER})
    officer = token_from(client, "10.0.0.2", "dl1", PASSWORD,
                         headers={"X-Forwarded-For": f"{STRANGER}, {OFFICER_PHONE}"})
    assert stranger.status_code == 429 and officer.status_code == 200


def test_the_client_address_is_the_rightmost_one_a_trusted_proxy_did_not_add():
    from supervise.ops.proxy import client_address, parse_networks

    trusted = parse_networks("10.0.0.0/8, ::1")
    assert client_address("10.0.0.2", "1.2.3.4, 5.6.7.8, 10.0.0.9", trusted) == "5.6.7.8"
    assert client_address("203.0.113.1", "1.2.3.4", trusted) == "203.0.113.1"
    assert client_address("10.0.0.2", None, trusted) == "10.0.0.2"
    assert client_address("10.0.0.2", "not-an-address", trusted) == "10.0.0.2"
    assert client_address("10.0.0.2", "10.0.0.7", trusted) == "10.0.0.7"
