"""督察 review: the flag list of a manager's district (or the city), one flag with all its evidence,
the decision form, the appeal form, and the evidence pictures for a browser session."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from supervise.api.common import photo_response
from supervise.errors import DomainError
from supervise.extensions import db
from supervise.models import FLAG_STATUSES, District, Flag, Squad
from supervise.services import checkins, inspections
from supervise.services import flags as flag_service
from supervise.services.access import Actor, can_manage_district
from supervise.services.evidence_view import flag_evidence
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import local_day_bounds
from supervise.web import bp
from supervise.web.common import code_titles, current_actor, page_number, parse_day, require_web_role

PER_PAGE = 50
FILTER_KEYS = ("status", "code", "squad", "officer", "from", "to", "review")


@bp.get("/flags")
def flags():
    actor = require_web_role("manager", "admin")
    form = {key: request.args.get(key, "").strip() for key in FILTER_KEYS}
    if "status" not in request.args:
        form["status"] = "open"
    status = 200
    try:
        result = db.paginate(flag_service.flags_query(actor, _service_filters(form)), page=page_number(),
                             per_page=PER_PAGE, error_out=False)
    except DomainError as exc:
        flash(exc.message, "error")
        result, status = None, exc.status
    return render_template("flags.html", result=result, form=form, titles=code_titles(), statuses=FLAG_STATUSES,
                           squads=_squads(actor), args={k: v for k, v in form.items() if v}), status


def _service_filters(form: dict) -> dict:
    filters = {key: form[key] for key in ("code", "squad", "officer") if form[key]}
    if form["status"] and form["status"] != "all":
        filters["status"] = form["status"]
    if form["review"] in ("yes", "no"):
        filters["needs_review"] = form["review"] == "yes"
    start, end = parse_day(form["from"]), parse_day(form["to"])
    if start:
        filters["from"] = local_day_bounds(start)[0]
    if end:
        filters["to"] = local_day_bounds(end)[1]
    return filters


def _squads(actor: Actor) -> list[Squad]:
    query = select(Squad).order_by(Squad.code)
    if not actor.is_city_wide:
        query = query.where(Squad.district_id == actor.district_id)
    return list(db.session.scalars(query))


@bp.get("/flags/<int:flag_id>")
def flag(flag_id: int):
    return _flag_page(current_actor(), flag_id)


def _flag_page(actor: Actor, flag_id: int, status: int = 200):
    item = flag_service.flag_visible(actor, flag_id)
    evidence = flag_evidence(item)
    return render_template("flag.html", flag=item, evidence=evidence, titles=code_titles(),
                           may_decide=may_decide(actor, item), may_appeal=may_appeal(actor, item),
                           appeal=_appeal_event(item), catalog=regulation_in_force().regulation.catalog,
                           inspector_district=_district_name((evidence.get("finding") or {}).get(
                               "inspector_district"))), status


def _district_name(code: str | None) -> str | None:
    if code is None:
        return None
    return db.session.scalar(select(District.name).where(District.code == code)) or code


def may_decide(actor: Actor, item: Flag) -> bool:
    """Whether to offer the decision form (the service checks again when it is sent)."""
    return (actor.role in ("manager", "admin") and actor.id != item.officer_id
            and can_manage_district(actor, item.district_id) and item.status in ("open", "appealed"))


def may_appeal(actor: Actor, item: Flag) -> bool:
    """Whether to offer the appeal form: the flagged officer, once, on an open or confirmed flag."""
    return actor.id == item.officer_id and item.status in ("open", "confirmed") and _appeal_event(item) is None


def _appeal_event(item: Flag):
    return next((e for e in item.events if e.action == "appealed"), None)


@bp.post("/flags/<int:flag_id>/decision")
def decide(flag_id: int):
    actor = current_actor()
    decision = request.form.get("decision", "")
    try:
        flag_service.decide_flag(actor, flag_id, decision, request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _flag_page(actor, flag_id, exc.status)
    flash("已确认该问题。 Flag confirmed." if decision == "confirm" else "已撤销该问题。 Flag dismissed.", "ok")
    return redirect(url_for("web.flag", flag_id=flag_id))


@bp.post("/flags/<int:flag_id>/appeal")
def appeal(flag_id: int):
    actor = current_actor()
    refused = send_appeal(actor, flag_id)
    if refused is not None:
        return _flag_page(actor, flag_id, refused.status)
    return redirect(url_for("web.flag", flag_id=flag_id))


def send_appeal(actor: Actor, flag_id: int) -> DomainError | None:
    """Appeal with the form's reason and flash the outcome; the refusal, if any, for its status."""
    try:
        flag_service.appeal_flag(actor, flag_id, request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return exc
    flash("申诉已提交，等待管理人员处理。 Appeal sent; a manager will decide it.", "ok")
    return None


@bp.get("/checkins/<int:checkin_id>/photo")
def checkin_photo(checkin_id: int):
    """The sign-in's EXIF-stripped display copy, to those who may see the sign-in."""
    return photo_response(checkins.checkin_photo(current_actor(), checkin_id, "display"), attachment_name=False)


@bp.get("/findings/<int:finding_id>/photo")
def finding_photo(finding_id: int):
    """The inspection finding's EXIF-stripped display copy, to those who may see the finding."""
    return photo_response(inspections.finding_photo(current_actor(), finding_id, "display"), attachment_name=False)


@bp.get("/shifts/<int:shift_id>/track.svg")
def shift_track_svg(shift_id: int):
    """The picture of the shift's track over its grid, to those who may see the officer's records."""
    from supervise.web.tracks_picture import shift_svg

    response = make_response(shift_svg(current_actor(), shift_id))
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
