"""One's own password (/password): changing it ends every other session and token of the account."""
from __future__ import annotations

from flask import flash, render_template, request, session
from flask_babel import gettext as _

from supervise.errors import DomainError
from supervise.services import accounts
from supervise.web import bp
from supervise.web.common import current_actor


@bp.route("/password", methods=["GET", "POST"])
def password_page():
    if request.method == "GET":
        return render_template("password.html")
    form = request.form
    if form.get("new_password", "") != form.get("confirm_password", ""):
        flash(_("The two new passwords differ; nothing was changed."), "error")
        return render_template("password.html"), 422
    try:
        ended = accounts.change_own_password(current_actor(), form.get("current_password", ""),
                                             form.get("new_password", ""), keep_session=session.get("sid"))
    except DomainError as exc:
        flash(exc.message, "error")
        return render_template("password.html"), exc.status
    flash(_("Password changed; %(n)s other sessions and tokens ended.", n=ended), "ok")
    return render_template("password.html")
