"""One's own password (/password): changing it ends every other session and token of the account."""
from __future__ import annotations

from flask import flash, render_template, request, session

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
        flash("两次输入的新密码不一致。 The two new passwords differ; nothing was changed.", "error")
        return render_template("password.html"), 422
    try:
        ended = accounts.change_own_password(current_actor(), form.get("current_password", ""),
                                             form.get("new_password", ""), keep_session=session.get("sid"))
    except DomainError as exc:
        flash(exc.message, "error")
        return render_template("password.html"), exc.status
    flash(f"密码已修改；其他 {ended} 个登录已退出。 Password changed; {ended} other sessions and tokens ended.", "ok")
    return render_template("password.html")
