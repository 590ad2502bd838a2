"""Browser sessions end for real: on logout, on a password change, on deactivation, and after a
working day; the cookie is HttpOnly, SameSite=Lax, and Secure outside tests and the demo."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import PASSWORD
from tests.web.test_login_page import csrf_token, log_in


def session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie was set"
    return cookie


def browser_with(app, cookie):
    """Another browser holding a copy of the cookie."""
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value)
    return other


def test_a_cookie_copied_before_logout_no_longer_opens_me(app, client, world):
    log_in(client, "dl1")
    copy = browser_with(app, session_cookie(client))
    assert copy.get("/me").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/me").data)})

    response = copy.get("/me")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_changing_my_password_ends_my_other_sessions_and_tokens_but_not_this_one(app, client, auth, world):
    log_in(client, "dl1")
    elsewhere = app.test_client()
    log_in(elsewhere, "dl1")
    headers = auth("dl1")

    page = client.get("/password")
    response = client.post("/password", data={"csrf_token": csrf_token(page.data), "current_password": PASSWORD,
                                              "new_password": "a-new-pass-2026", "confirm_password": "a-new-pass-2026"})

    assert response.status_code == 200 and "密码已修改" in response.data.decode()
    assert client.get("/me").status_code == 200
    assert elsewhere.get("/me").status_code == 302
    assert app.test_client().get("/api/v1/auth/me", headers=headers).status_code == 401
    assert log_in(app.test_client(), "dl1", "a-new-pass-2026").status_code == 302


def test_a_wrong_current_password_changes_nothing(client, world):
    log_in(client, "dl1")
    page = client.get("/password")
    response = client.post("/password", data={"csrf_token": csrf_token(page.data), "current_password": "wrong-one",
                                              "new_password": "a-new-pass-2026", "confirm_password": "a-new-pass-2026"})
    assert response.status_code == 401
    assert log_in(client, "dl1", PASSWORD).status_code == 302


def test_the_api_password_change_keeps_the_token_that_made_it_and_ends_the_rest(app, client, world):
    def token():
        return client.post("/api/v1/auth/token", json={"username": "dl1", "password": PASSWORD}).get_json()["token"]

    mine, other = token(), token()
    browser = app.test_client()
    log_in(browser, "dl1")

    response = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {mine}"},
                           json={"current_password": PASSWORD, "new_password": "a-new-pass-2026"})

    assert response.status_code == 200 and response.get_json() == {"ended": 2}
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {mine}"}).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert browser.get("/me").status_code == 302


def test_deactivating_an_officer_ends_their_sessions_and_reactivating_does_not_revive_them(app, client, auth,
                                                                                          world):
    officer = app.test_client()
    log_in(officer, "dl1")
    officer_headers = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/token", json={"username": "dl1", "password": PASSWORD}).get_json()["token"]}
    user_id = client.get("/api/v1/auth/me", headers=officer_headers).get_json()["id"]

    off = client.patch(f"/api/v1/officers/{user_id}", headers=auth("admin"), json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert officer.get("/me").status_code == 302
    on = client.patch(f"/api/v1/officers/{user_id}", headers=auth("admin"), json={"active": True})
    assert on.status_code == 200

    assert officer.get("/me").status_code == 302
    assert client.get("/api/v1/auth/me", headers=officer_headers).status_code == 401
    assert log_in(app.test_client(), "dl1").status_code == 302


def test_only_an_admin_changes_someone_elses_account(client, auth, world):
    user_id = client.get("/api/v1/auth/me", headers=auth("dl1")).get_json()["id"]
    response = client.patch(f"/api/v1/officers/{user_id}", headers=auth("mgr-dl"), json={"active": False})
    assert response.status_code == 403


def test_a_session_older_than_a_working_day_is_over(app, client, world):
    from supervise.extensions import db
    from supervise.models import WebSession
    from supervise.timeutil import utcnow

    log_in(client, "dl1")
    with app.app_context():
        for row in db.session.scalars(db.select(WebSession)):
            assert timedelta(hours=11) < row.expires_at - row.created_at <= timedelta(hours=12)
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    assert client.get("/me").status_code == 302


def test_the_session_cookie_is_httponly_lax_and_lasts_a_working_day(client, world):
    response = log_in(client, "dl1")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Expires=" in header


def test_outside_tests_the_session_cookie_is_secure_unless_turned_off(tmp_path, monkeypatch):
    from supervise import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "STORAGE_DIR": str(tmp_path / "s"),
                "SECRET_KEY": "x", "LOG_FORMAT": ""}
    assert create_app(settings).config["SESSION_COOKIE_SECURE"] is True
    assert create_app({**settings, "COOKIE_SECURE": False}).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("SUPERVISE_COOKIE_SECURE", "0")
    from supervise.config import from_environment

    assert from_environment()["COOKIE_SECURE"] is False


def test_a_visitor_s_login_form_survives_other_requests_before_the_login(client, world):
    token = csrf_token(client.get("/login").data)
    client.get("/favicon.ico")   # a browser asks for it between showing the form and sending it
    response = client.post("/login", data={"csrf_token": token, "username": "dl1", "password": PASSWORD})
    assert response.status_code == 302
