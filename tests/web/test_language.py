"""Pages speak 简体中文 until the person chooses English; the choice stays with the account.
The API answers in the language of `Accept-Language`, keeping its error codes."""
from __future__ import annotations

from tests.conftest import PASSWORD
from tests.web.test_login_page import csrf_token, log_in


def choose(client, language: str, back: str = "/"):
    token = csrf_token(client.get("/login").data)
    return client.post("/language", data={"csrf_token": token, "language": language, "next": back})


def test_the_login_page_is_chinese_by_default(client, world):
    page = client.get("/login").data.decode("utf-8")

    assert "登录" in page and "用户名" in page and "Username" not in page


def test_a_visitor_switches_the_login_page_to_english(client, world):
    response = choose(client, "en", "/login")

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login").data.decode("utf-8")
    assert "Username" in page and "用户名" not in page


def test_a_signed_in_persons_choice_is_kept_on_their_account(app, client, world):
    log_in(client, "dl1")
    choose(client, "en")
    client.delete_cookie("lang")

    assert "Sign out" in client.get("/").data.decode("utf-8") or "Sign out" in client.get(
        "/", follow_redirects=True).data.decode("utf-8")
    other = app.test_client()
    log_in(other, "dl1")
    assert "Sign out" in other.get("/", follow_redirects=True).data.decode("utf-8")


def test_an_unknown_language_falls_back_to_chinese(client, world):
    choose(client, "xx")

    assert "用户名" in client.get("/login").data.decode("utf-8")


def test_api_errors_follow_accept_language_and_keep_their_code(client, world):
    body = {"username": "dl1", "password": "wrong-password"}
    chinese = client.post("/api/v1/auth/token", json=body).get_json()["error"]
    english = client.post("/api/v1/auth/token", json=body, headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()

    assert chinese["code"] == english["error"]["code"] == "BAD_CREDENTIALS"
    assert chinese["message"] == "用户名或密码错误。"
    assert english["error"]["message"] == "Wrong username or password."
    assert PASSWORD not in chinese["message"]
