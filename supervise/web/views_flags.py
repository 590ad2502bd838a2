"""督察 review: the flag list of a manager's district (or the city), one flag with all its evidence,
the decision form, the appeal form, and the evidence pictures for a browser session."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from supervise.api.common import photo_response
from supervise.errors import DomainError
from supervise.extensions import db
from supervise.models import FLAG_STATUSES, District, Flag, Squad
from supervise.services import checkins, flag_queue, inspections
from supervise.services import flags as flag_service
from supervise.services.access import Actor, can_manage_district
from supervise.services.evidence_view import flag_evidence
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import local_day_bounds
from supervise.web import bp
from supervise.web.common import code_titles, current_actor, page_number, parse_day, require_web_role

PER_PAGE = 50
FILTER_KEYS = ("status", "code", "squad", "officer", "from", "to", "review")
# the queue a flag was opened from travels with it in the URL: its filters, its search and its order
QUEUE_KEYS = (*FILTER_KEYS, "q", "sort")


def queue_form(source) -> dict:
    """The queue's filters, search and order as the form shows them (open flags by time when unset)."""
    form = {key: source.get(key, "").strip() for key in QUEUE_KEYS}
    if "status" not in source:
        form["status"] = "open"
    if form["sort"] not in flag_queue.SORTS:
        form["sort"] = "time"
    return form


def queue_args(form: dict) -> dict:
    """The queue's parameters worth keeping in a link (the defaults left out)."""
    return {k: v for k, v in form.items() if v and (k, v) not in (("sort", "time"), ("status", "open"))}


@bp.get("/flags")
def flags():
    actor = require_web_role("manager", "admin")
    form = queue_form(request.args)
    status = 200
    try:
        result = db.paginate(flag_queue.queue_query(actor, _service_filters(form), form["q"], form["sort"]),
                             page=page_number(), per_page=PER_PAGE, error_out=False)
    except DomainError as exc:
        flash(exc.message, "error")
        result, status = None, exc.status
    return render_template("flags.html", result=result, form=form, titles=code_titles(), statuses=FLAG_STATUSES,
                           squads=_squads(actor), args=queue_args(form), districts=_districts(),
                           export_args=queue_args(form),
                           sorts=flag_queue.SORTS), status


def _districts() -> dict[int, District]:
    return {d.id: d for d in db.session.scalars(select(District))}


@bp.post("/flags/decisions")
def decide_flags():
    """Decide the chosen flags of the queue with one reason; say which were decided and which
    someone else had decided first."""
    actor = require_web_role("manager", "admin")
    form = queue_form(request.form)
    chosen = [int(i) for i in request.form.getlist("flag") if i.isdigit()]
    decision = request.form.get("decision", "")
    try:
        outcome = flag_queue.decide_many(actor, chosen, decision, request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("web.flags", **queue_args(form)))
    _flash_bulk(outcome, decision)
    return redirect(url_for("web.flags", **queue_args(form)))


def _flash_bulk(outcome: flag_queue.BulkOutcome, decision: str) -> None:
    if outcome.decided:
        ids = ", ".join(f"#{i}" for i in outcome.decided)
        n = len(outcome.decided)
        flash(_("Confirmed (%(n)s): %(ids)s.", n=n, ids=ids) if decision == "confirm" else
              _("Dismissed (%(n)s): %(ids)s.", n=n, ids=ids), "ok")
    for flag_id, state in outcome.already_decided.items():
        last = state.get("last_action") or {}
        flash(_("Flag #%(id)s was already decided by someone else (%(status)s, by %(who)s); left as it is.",
                id=flag_id, status=status_word(state.get("status")), who=last.get("by") or _("the system")),
              "warn")
    for flag_id, code in outcome.refused.items():
        flash(_("Flag #%(id)s is under appeal: decide it on its own page.", id=flag_id)
              if code == "APPEAL_DECIDED_ALONE" else _("Flag #%(id)s was not decided (%(code)s).",
                                                          id=flag_id, code=code), "error")


def status_word(status: str | None) -> str:
    """A flag status in the reader's language."""
    words = {"open": _("open"), "appealed": _("appealed"), "confirmed": _("confirmed"),
             "dismissed": _("dismissed"), "withdrawn": _("withdrawn")}
    return words.get(status or "", status or "")


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
    queue = queue_form(request.values)
    return render_template("flag.html", flag=item, evidence=evidence, titles=code_titles(),
                           may_decide=may_decide(actor, item), may_appeal=may_appeal(actor, item),
                           appeal=_appeal_event(item), catalog=regulation_in_force().regulation.catalog,
                           inspector_district=_district_name((evidence.get("finding") or {}).get(
                               "inspector_district")), queue=queue_args(queue),
                           next_id=_next_in_queue(actor, queue, item.id),
                           reused=_reused_pair(actor, evidence), map_data=_map_data(actor, item, evidence)), status


def _map_data(actor: Actor, item: Flag, evidence: dict) -> dict | None:
    from supervise.web.tracks_picture import flag_map

    return flag_map(actor, item, evidence)


def _next_in_queue(actor: Actor, queue: dict, flag_id: int) -> int | None:
    if actor.role not in ("manager", "admin"):
        return None
    try:
        return flag_queue.next_flag_id(actor, _service_filters(queue), queue["q"], queue["sort"], flag_id)
    except DomainError:
        return None


def _reused_pair(actor: Actor, evidence: dict) -> dict | None:
    """For a reused photo, both sign-ins side by side (managers only; the access rules of the
    photo routes apply to each photo)."""
    from supervise.models import Checkin

    checkin = evidence.get("checkin")
    if actor.role not in ("manager", "admin") or not checkin or not checkin.get("reused_checkin_id"):
        return None
    pair = [db.session.get(Checkin, checkin["id"]), db.session.get(Checkin, checkin["reused_checkin_id"])]
    if any(c is None for c in pair):
        return None
    return {"this": pair[0], "earlier": pair[1],
            "earlier_visible": _may_see_checkin(actor, pair[1])}


def _may_see_checkin(actor: Actor, checkin) -> bool:
    try:
        checkins.get_checkin(actor, checkin.id)
    except DomainError:
        return False
    return True


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
    flash(_("Flag confirmed.") if decision == "confirm" else _("Flag dismissed."), "ok")
    queue = queue_form(request.form)
    if request.form.get("then") == "next":
        following = _next_in_queue(actor, queue, flag_id)
        if following is not None:
            return redirect(url_for("web.flag", flag_id=following, **queue_args(queue)))
        flash(_("Nothing else is left to decide in this queue."), "ok")
        return redirect(url_for("web.flags", **queue_args(queue)))
    return redirect(url_for("web.flag", flag_id=flag_id, **queue_args(queue)))


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
    flash(_("Appeal sent; a manager will decide it."), "ok")
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
