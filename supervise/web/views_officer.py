"""The officer's own pages: today's shifts with their sign-in state, own flags with the appeal form
and own month (/me), and the selfie sign-in (/checkin) that sends the browser's own position fix
with the photo. The sign-in page's script (static/outbox.js) keeps a sign-in made without network in
the browser and posts it here later with an `Idempotency-Key`, asking for JSON."""
from __future__ import annotations

import math

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from supervise.errors import DomainError, Invalid, error_body
from supervise.extensions import db
from supervise.i18n import current_language
from supervise.models import Shift
from supervise.services import checkins, idempotency, officer_day
from supervise.services.checkins import DeviceFix
from supervise.services.lookup import MAX_ROW_ID
from supervise.timeutil import local_day_bounds, parse_instant, utcnow
from supervise.web import bp, filters
from supervise.web.common import code_titles, current_actor, require_web_role, today
from supervise.web.views_flags import send_appeal

SCRIPT_ENDPOINT = "POST /checkin"


@bp.get("/me")
def me():
    return my_day()


def my_day(status: int = 200):
    """The signed-in person's shifts today (Shanghai) with their sign-in state, their flags with
    evidence and appeal terms, and their month so far."""
    actor = current_actor()
    day = today()
    return render_template("me.html", user=g.web_user, day=day, now=utcnow(), shifts=officer_day.shifts_on(actor.id, day),
                           flags=officer_day.my_flags(actor), month=officer_day.my_month(actor, day),
                           title_of=_titles_in_language(), fact_name=filters.measure_name,
                           fact_value=filters.measured_value, is_officer=actor.role == "officer"), status


def _titles_in_language():
    """A function naming flag codes by their regulation titles in the page's language, joined."""
    titles = code_titles()
    english = current_language() == "en"

    def title_of(codes) -> str:
        named = [(titles[c].en if english else titles[c].zh) if c in titles else c for c in codes]
        return ", ".join(named) if english else "、".join(named)
    return title_of


def shifts_today(officer_id: int) -> list[Shift]:
    """The officer's shifts that overlap today's Shanghai calendar day, earliest first."""
    return officer_day.shifts_between(officer_id, *local_day_bounds(today()))


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
    if request.headers.get("Idempotency-Key") is not None or request.accept_mimetypes.best == "application/json":
        return _checkin_for_script(actor)
    try:
        signed = checkins.record_checkin(actor, _photo_bytes(), shift_id=_shift_id(), device=_device_fix())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("checkin.html", shifts=open_shifts(actor.id), result=None), exc.status
    return render_template("checkin.html", shifts=open_shifts(actor.id), result=signed, titles=code_titles())


def _checkin_for_script(actor):
    """The sign-in as JSON for the page's script, once per `Idempotency-Key`: a kept sign-in sent
    again with its key gets the first answer again (the CSRF token, new on each page, is not part
    of the request's identity)."""
    try:
        status, body, replayed = _signed_once(actor)
    except DomainError as exc:
        db.session.rollback()
        return jsonify(error_body(exc.code, exc.message, exc.details)), exc.status
    response = jsonify(body)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, status


def _signed_once(actor) -> tuple[int, dict, bool]:
    data = _photo_bytes()
    key = request.headers.get("Idempotency-Key")
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    request_sha = idempotency.fingerprint(SCRIPT_ENDPOINT, form=form, files=[("photo", data)]) if key else ""

    def work(keep: idempotency.Keep) -> tuple[int, dict]:
        answer: dict = {}

        def before_commit(signed: checkins.SignIn) -> None:
            answer["body"] = _script_answer(signed)
            keep(201, answer["body"])

        signed = checkins.record_checkin(actor, data, shift_id=_shift_id(), device=_device_fix(),
                                         before_commit=before_commit)
        return (201, answer["body"]) if "body" in answer else (200, _script_answer(signed))

    return idempotency.run_idempotent(actor.id, key, SCRIPT_ENDPOINT, request_sha, work)


def _script_answer(signed: checkins.SignIn) -> dict:
    return {"id": signed.id, "shift_id": signed.shift_id, "timeliness": signed.timeliness,
            "flags": list(signed.flags), "repeated": signed.repeated, "message": signed.message}


def _photo_bytes() -> bytes:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise Invalid(_("Take or choose a selfie first."), code="PHOTO_MISSING")
    return upload.read()


def _shift_id() -> int | None:
    text = request.form.get("shift_id", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_ROW_ID:
        raise Invalid(_("The shift is not valid."), code="SHIFT_INVALID")
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
        raise Invalid(_("%(name)s is not a number.", name=name), code="DEVICE_FIX_INVALID") from None
    if not math.isfinite(value):
        raise Invalid(_("%(name)s is not a number.", name=name), code="DEVICE_FIX_INVALID")
    return value


@bp.post("/me/flags/<int:flag_id>/appeal")
def my_appeal(flag_id: int):
    refused = send_appeal(current_actor(), flag_id)
    return my_day(refused.status) if refused is not None else redirect(url_for("web.me"))
