"""The login page: a CSRF token on every form, a session cookie after a good password, and a
sign-out that only a POST carrying the token performs."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: bytes) -> str:
    found = TOKEN.search(page.decode("utf-8"))
    assert found, "the page carries no CSRF token"
    return found.group(1)


def log_in(client, username: str = "dl1", password: str = PASSWORD):
    token = csrf_token(client.get("/login").data)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def test_the_login_page_renders_a_form_with_a_csrf_token(client, world):
    response = client.get("/login")

    assert response.status_code == 200
    page = response.data.decode("utf-8")
    assert 'name="username"' in page and 'type="password"' in page
    assert len(csrf_token(response.data)) > 20


def test_the_home_page_sends_a_visitor_without_a_session_to_the_login_page(client, world):
    response = client.get("/")

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_login_post_without_the_csrf_token_is_refused_and_logs_nobody_in(client, world):
    client.get("/login")

    response = client.post("/login", data={"username": "dl1", "password": PASSWORD})

    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_a_login_post_with_the_token_and_a_good_password_opens_the_home_page_with_the_users_name(client, world):
    response = log_in(client)

    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get_cookie("session") is not None
    home = client.get("/")
    assert home.status_code == 200
    assert "你好，officer DL1" in home.data.decode("utf-8")


def test_a_wrong_password_shows_an_error_and_keeps_the_visitor_out(client, world):
    response = log_in(client, password="wrong-password")

    assert response.status_code == 401
    page = response.data.decode("utf-8")
    assert 'role="alert"' in page and 'class="flash error"' in page
    assert client.get("/").status_code == 302


def test_signing_out_needs_a_post_with_the_csrf_token(client, world):
    log_in(client)
    home = client.get("/")

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in

    response = client.post("/logout", data={"csrf_token": csrf_token(home.data)})

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_the_stylesheet_the_pages_link_to_is_served(client, world):
    page = client.get("/login").data.decode("utf-8")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)

    response = client.get(href)

    assert response.status_code == 200 and b"font-family" in response.data
