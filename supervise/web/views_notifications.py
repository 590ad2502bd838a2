"""The notification badge on every page and the list behind it."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from supervise.services import notify
from supervise.web import bp
from supervise.web.common import current_actor


@bp.app_context_processor
def notification_badge() -> dict:
    """`unread_notifications` for the header of every page (0 for visitors)."""
    user = getattr(g, "web_user", None)
    return {"unread_notifications": notify.unread_count(user.id) if user is not None else 0}


@bp.get("/notifications")
def notifications_page():
    actor = current_actor()
    return render_template("notifications.html", items=notify.recent(actor, limit=100))


@bp.post("/notifications/read")
def notifications_read():
    actor = current_actor()
    raw = request.form.get("id", "")
    notify.mark_read(actor, int(raw) if raw.isdigit() and len(raw) < 10 else None)
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("web.notifications_page"))
