"""Server-rendered pages for people: login with a session cookie, CSRF on every form."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from supervise.errors import DomainError
from supervise.extensions import db
from supervise.models import User
from supervise.services import auth

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


@bp.before_app_request
def load_session_user() -> None:
    user_id = session.get("user_id")
    g.web_user = db.session.get(User, user_id) if user_id else None
    if g.web_user is not None and not g.web_user.active:
        session.clear()
        g.web_user = None


@bp.get("/")
def home():
    if g.web_user is None:
        return redirect(url_for("web.login"))
    return render_template("home.html", user=g.web_user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = auth.check_credentials(request.form.get("username", ""), request.form.get("password", ""),
                                          request.remote_addr, current_app.config["LOGIN_MAX_FAILURES"],
                                          current_app.config["LOGIN_WINDOW_MINUTES"])
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("login.html"), exc.status
        session.clear()
        session["user_id"] = user.id
        return redirect(url_for("web.home"))
    return render_template("login.html")


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("web.login"))
