"""The officer's own pages: today's shifts and flags with the appeal form (/me), and the selfie
sign-in (/checkin) that sends the browser's own position fix with the photo."""
from __future__ import annotations

import math

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from supervise.errors import DomainError, Invalid
from supervise.extensions import db
from supervise.models import Shift
from supervise.services import checkins
from supervise.services import flags as flag_service
from supervise.services.checkins import DeviceFix
from supervise.services.lookup import MAX_ROW_ID
from supervise.timeutil import local_day_bounds, parse_instant, utcnow
from supervise.web import bp
from supervise.web.common import code_titles, current_actor, require_web_role, today
from supervise.web.views_flags import may_appeal, send_appeal

MY_FLAGS = 100


@bp.get("/me")
def me():
    return my_day()


def my_day(status: int = 200):
    """The signed-in person's shifts today (Shanghai) and their flags, newest first."""
    actor = current_actor()
    items = list(db.session.scalars(flag_service.flags_query(actor, {}).limit(MY_FLAGS)))
    return render_template("me.html", user=g.web_user, day=today(), now=utcnow(), shifts=shifts_today(actor.id),
                           flags=items,
                           titles=code_titles(), appealable={f.id for f in items if may_appeal(actor, f)}), status


def shifts_today(officer_id: int) -> list[Shift]:
    """The officer's shifts that overlap today's Shanghai calendar day, earliest first."""
    start, end = local_day_bounds(today())
    return list(db.session.scalars(select(Shift).where(Shift.officer_id == officer_id, Shift.start < end,
                                                       Shift.end > start).order_by(Shift.start, Shift.id)))


def open_shifts(officer_id: int) -> list[Shift]:
    """Today's shifts that have not ended: the ones a sign-in can still be for."""
    now = utcnow()
    return [s for s in shifts_today(officer_id) if s.end > now]


@bp.get("/checkin")
def checkin_form():
    actor = require_web_role("officer")
    return render_template("checkin.html", shifts=open_shifts(actor.id), result=None)


@bp.post("/checkin")
def checkin_submit():
    actor = require_web_role("officer")
    try:
        upload = request.files.get("photo")
        if upload is None or not upload.filename:
            raise Invalid("请先拍摄或选择一张自拍照。 Take or choose a selfie first.", code="PHOTO_MISSING")
        signed = checkins.record_checkin(actor, upload.read(), shift_id=_shift_id(), device=_device_fix())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("checkin.html", shifts=open_shifts(actor.id), result=None), exc.status
    return render_template("checkin.html", shifts=open_shifts(actor.id), result=signed, titles=code_titles())


def _shift_id() -> int | None:
    text = request.form.get("shift_id", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_ROW_ID:
        raise Invalid("班次无效。 The shift is not valid.", code="SHIFT_INVALID")
    return int(text)


def _device_fix() -> DeviceFix:
    """The browser's geolocation from the hidden fields; empty fields mean the phone gave none."""
    lat, lon = _number("device_lat"), _number("device_lon")
    fix_time = request.form.get("device_fix_time", "").strip()
    try:
        when = parse_instant(fix_time) if fix_time else None
    except ValueError:
        when = None
    return DeviceFix(lat=lat, lon=lon, accuracy_m=_number("device_accuracy_m"), fix_time=when)


def _number(name: str) -> float | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{name} is not a number.", code="DEVICE_FIX_INVALID") from None
    if not math.isfinite(value):
        raise Invalid(f"{name} is not a number.", code="DEVICE_FIX_INVALID")
    return value


@bp.post("/me/flags/<int:flag_id>/appeal")
def my_appeal(flag_id: int):
    refused = send_appeal(current_actor(), flag_id)
    return my_day(refused.status) if refused is not None else redirect(url_for("web.me"))
