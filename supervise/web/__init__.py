"""Server-rendered pages for people: login with a session cookie, CSRF on every form.

Every page but the login page needs a signed-in user. Home routes by role: managers and admins
to the flag review, officers see their own day (/me), inspectors a page of their own.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from supervise.errors import DomainError
from supervise.i18n import LANGUAGE_COOKIE, LANGUAGES
from supervise.ops.limits import login_limited
from supervise.services import accounts, auth, sessions

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")
OPEN_ENDPOINTS = {"web.login", "web.static", "web.logout", "web.choose_language"}


@bp.before_app_request
def load_session_user() -> None:
    """The user whose live server-side session the cookie names; a cookie of an ended, expired or
    deactivated session is dropped."""
    token = session.get("sid")
    g.web_user = sessions.user_for_session(token) if isinstance(token, str) else None
    if token is not None and g.web_user is None:
        session.clear()   # not before login: a visitor's session holds only the login form's CSRF token


@bp.before_request
def require_login():
    if g.web_user is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("web.login"))
    return None


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    from supervise.web.common import error_page

    return error_page(exc)


@bp.errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    return render_template("error.html", error=DomainError(
        "The form's security token is missing or expired; nothing was changed. Reload the page and try again.",
        code="CSRF", status=400)), 400


@bp.get("/")
def home():
    if g.web_user is None:
        return redirect(url_for("web.login"))
    if g.web_user.role in ("manager", "admin"):
        return redirect(url_for("web.flags"))
    if g.web_user.role == "officer":
        from supervise.web.views_officer import my_day

        return my_day()
    return render_template("home.html", user=g.web_user)


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    if request.method == "POST":
        try:
            user = auth.check_credentials(request.form.get("username", ""), request.form.get("password", ""),
                                          request.remote_addr)
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("login.html"), exc.status
        session.clear()
        session.permanent = True   # the cookie ends with the server-side session (SESSION_HOURS)
        session["sid"] = sessions.start_session(user, request.remote_addr, current_app.config["SESSION_HOURS"])
        return redirect(url_for("web.home"))
    return render_template("login.html")


@bp.post("/logout")
def logout():
    token = session.get("sid")
    if isinstance(token, str):
        sessions.end_session(token)
    session.clear()
    return redirect(url_for("web.login"))


@bp.post("/language")
def choose_language():
    """The language switch: kept on the account of a signed-in person, and in a cookie (which is
    all a visitor on the login page has); back to the page the switch was on."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        language = "zh_Hans"
    if g.web_user is not None:
        accounts.choose_language(g.web_user.id, language)
    back = request.form.get("next", "")
    response = redirect(back if back.startswith("/") and not back.startswith("//") else url_for("web.home"))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


from supervise.web import (  # noqa: F401  (register routes)
    filters,
    views_account,
    views_flags,
    views_imports,
    views_inspections,
    views_notifications,
    views_officer,
    views_regulation,
    views_reports,
    views_stats,
)
