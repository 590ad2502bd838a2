"""交叉互检 pages: an inspector's spot checks and the finding form, a district manager's read-only view
of where their own inspectors went, and for city-wide managers and admins the draw of a round and
its assignments. The service decides who sees what; these views parse forms and render."""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from supervise.errors import DomainError, Forbidden, Invalid
from supervise.extensions import db
from supervise.models import INSPECTION_KINDS, District, InspectionAssignment, InspectionRound, Shift, User
from supervise.services import inspections as service
from supervise.services.access import Actor, can_manage_district, can_see_officer
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import local_day_bounds, utcnow
from supervise.web import bp
from supervise.web.common import page_number, parse_day, require_web_role, today
from supervise.web.filters import both

RECENT_CHECKS = 100
ROUNDS_PER_PAGE = 50
MAX_NOTE = 2000
MAX_ITEMS = 20
ROUND_FIELDS = ("date", "kind", "inspectors_per_district", "checks_per_inspector", "seed", "scope_districts",
                "scope_items", "scope_grids", "scope_times", "scope_team_size")
FINDING_RESULTS = ("compliant", "absent", "violation")

RESULT_LABELS = {"compliant": ("合格", "Compliant"), "absent": ("不在岗", "Absent"),
                 "violation": ("违纪", "Violation")}
KIND_LABELS = {"cross_district": ("交叉互检", "Cross-district"), "routine": ("常规督察", "Routine"),
               "special": ("专项督察", "Special"), "key_point": ("重点督察", "Key points"),
               "joint": ("联检督察", "Joint")}
UNPLACED_REASONS = {
    "no other district has shifts to check on that date": "当天其他区没有可督察的班次",
    "every other district with shifts already has as many inspectors as it has shifts for":
        "其他有班次的区督察员已满（督察员数不超过班次数）",
}

# Which form field a refusal belongs beside, and how to say it in Chinese; the service's English
# message follows in small print. Codes not named here are shown above the form.
FINDING_FIELDS = {
    "UNKNOWN_OFFICER": "officer", "NOT_AN_OFFICER": "officer", "OFFICER_NOT_IN_DISTRICT": "officer",
    "RESULT_INVALID": "result", "ITEMS_REQUIRED": "items", "ITEMS_ON_COMPLIANT": "items", "UNKNOWN_ITEM": "items",
    "ITEM_REPEATED": "items", "TOO_MANY_ITEMS": "items", "NOTE_TOO_LONG": "note",
}
ROUND_FIELDS_OF_CODE = {
    "DATE_INVALID": "date", "ROUND_DAY_PASSED": "date", "RELEASE_AFTER_DAY": "date", "KIND_INVALID": "kind",
    "INSPECTORS_INVALID": "inspectors_per_district", "CHECKS_INVALID": "checks_per_inspector",
    "SEED_INVALID": "seed", "SCOPE_INVALID": "scope",
}
ZH_MESSAGES = {
    "UNKNOWN_OFFICER": "没有这个警号的队员。",
    "NOT_AN_OFFICER": "这个警号不是执法队员。",
    "OFFICER_NOT_IN_DISTRICT": "该队员不在本次督察的区执勤，请选择本区的队员。",
    "RESULT_INVALID": "请选择督察结果：合格、不在岗或违纪。",
    "ITEMS_REQUIRED": "违纪须勾选至少一项违反的条目（十不准）。",
    "ITEMS_ON_COMPLIANT": "结果为合格时不勾选违纪条目。",
    "UNKNOWN_ITEM": "所选条目不在现行规定的目录中，请刷新页面后重选。",
    "ITEM_REPEATED": "每个条目只能勾选一次。",
    "TOO_MANY_ITEMS": f"最多勾选 {MAX_ITEMS} 项。",
    "NOTE_TOO_LONG": f"备注最多 {MAX_NOTE} 字。",
    "PHOTO_MISSING": "不在岗或违纪须附现场照片作为证据。",
    "PHOTO_EMPTY": "照片文件是空的，请重新拍摄。",
    "PHOTO_NOT_IMAGE": "所选文件不是图片，请用相机拍摄照片。",
    "PHOTO_UNSUPPORTED_FORMAT": "只接受手机相机拍摄的 JPEG 或 HEIC 照片。",
    "PHOTO_TRUNCATED": "照片文件不完整，请重新上传。",
    "PHOTO_CORRUPT": "照片文件已损坏，请重新拍摄。",
    "PHOTO_TOO_LARGE_PIXELS": "照片像素过多，请用手机相机正常拍摄。",
    "PHOTO_FROM_THE_FUTURE": "照片拍摄时间晚于上传时间，请检查手机时钟。",
    "PHOTO_NOT_FROM_THE_CHECK": "照片不是在督察当天拍摄的，请在现场拍照。",
    "PHOTO_ALREADY_EVIDENCE": "这张照片已用作其他证据，请为本次督察另拍一张。",
    "CHECK_CLOSED": "本次督察已结束：督察日的次日之后不再接收记录。",
    "DATE_INVALID": "请填写日期（年-月-日）。",
    "ROUND_DAY_PASSED": "这一天已经过去，只能为今天或以后的日期抽签。",
    "RELEASE_AFTER_DAY": "发布时间须在当天结束之前。",
    "KIND_INVALID": "请选择督察类型。",
    "INSPECTORS_INVALID": "每区督察员人数须为 1 至 100 的整数，或留空（全部）。",
    "CHECKS_INVALID": "每人督察数须为 1 至 20 的整数。",
    "SEED_INVALID": "随机种子须为非负整数，或留空（随机）。",
    "NOTHING_TO_DRAW": "没有可派出的督察：需要督察员，以及当天其他区的班次。",
    "DRAW_INVALID": "抽签参数无效。",
}


@bp.app_template_global()
def result_label(result: str | None) -> tuple[str, str]:
    """(a finding's result in the reader's language, "")."""
    zh, en = RESULT_LABELS.get(result or "", (result or "—", result or "—"))
    return both(zh, en), ""


@bp.app_template_global()
def kind_label(kind: str | None) -> tuple[str, str]:
    """(an inspection kind's name in the reader's language, "")."""
    zh, en = KIND_LABELS.get(kind or "", (kind or "—", kind or "—"))
    return both(zh, en), ""


def field_errors(exc: DomainError, fields: dict[str, str]) -> dict[str, str]:
    """The refusal as {field: message}, Chinese first; 'form' when it belongs to no one field."""
    field = fields.get(exc.code) or ("photo" if exc.code.startswith("PHOTO_") else "form")
    zh = ZH_MESSAGES.get(exc.code)
    return {field: f"{zh} {exc.message}" if zh else exc.message}


# ---------------------------------------------------------------- spot checks


@bp.get("/inspections")
def inspections():
    actor = require_web_role("inspector", "manager", "admin")
    if actor.is_city_wide:
        return redirect(url_for("web.inspection_rounds"))
    checks = recent_checks(actor)
    days = defaultdict(list)
    for check in checks:
        days[check.round.day].append(check)
    return render_template("inspections.html", days=dict(days), today=today(),
                           is_inspector=actor.role == "inspector",
                           next_release=service.next_release(actor, today()) if actor.role == "inspector" else None)


def recent_checks(actor: Actor) -> list[InspectionAssignment]:
    """The released checks the actor may list, newest day first (so today's lead), by shift start."""
    query = (service.assignments_query(actor).join(InspectionAssignment.round).join(InspectionAssignment.shift)
             .order_by(None).order_by(InspectionRound.day.desc(), Shift.start, InspectionAssignment.id)
             .limit(RECENT_CHECKS))
    return list(db.session.scalars(query))


@bp.get("/inspections/checks/<int:check_id>")
def inspection_check(check_id: int):
    actor = require_web_role("inspector", "manager", "admin")
    return _check_page(actor, check_id)


@bp.post("/inspections/checks/<int:check_id>/findings")
def record_inspection_finding(check_id: int):
    actor = require_web_role("inspector")
    form = {"officer": request.form.get("officer", "").strip(), "result": request.form.get("result", ""),
            "items": [code.strip().upper() for code in request.form.getlist("items") if code.strip()],
            "note": request.form.get("note", "")}
    try:
        recorded = service.record_finding(actor, check_id, _finding_request(form))
    except DomainError as exc:
        db.session.rollback()
        return _check_page(actor, check_id, form=form, errors=field_errors(exc, FINDING_FIELDS), status=exc.status)
    flash(_recorded_message(actor, recorded), "ok")
    return redirect(url_for("web.inspection_check", check_id=check_id))


def _finding_request(form: dict) -> service.FindingRequest:
    if len(form["note"]) > MAX_NOTE:
        raise Invalid(f"The note is longer than {MAX_NOTE} characters.", code="NOTE_TOO_LONG")
    if len(form["items"]) > MAX_ITEMS:
        raise Invalid(f"Cite at most {MAX_ITEMS} catalog items.", code="TOO_MANY_ITEMS")
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None else None
    # A form sent with no file chosen carries an empty, nameless part: that is no photo.
    if not photo and (upload is None or not upload.filename):
        photo = None
    return service.FindingRequest(officer=form["officer"], result=form["result"], items=tuple(form["items"]),
                                  note=form["note"], photo=photo)


def _recorded_message(actor: Actor, recorded: service.RecordedFinding) -> Markup:
    finding, flag = recorded.finding, recorded.flag
    zh, en = result_label(finding.result)
    said = escape(f"已记录：{finding.officer.name} {zh}。 Finding recorded: {en}. ")
    if flag is None:
        return said + escape("未生成问题。 No flag was raised.")
    raised = f"已生成问题 #{flag.id}，由队员所在区的管理人员审核。 Flag #{flag.id} was raised for review."
    if can_see_officer(actor, flag.officer_id, flag.district_id):
        return said + Markup('<a href="{}">{}</a>').format(url_for("web.flag", flag_id=flag.id), raised)
    return said + escape(raised)


def _check_page(actor: Actor, check_id: int, *, form: dict | None = None, errors: dict | None = None,
                status: int = 200):
    check = service.get_assignment(actor, check_id)
    may_record = actor.id in check.team_ids and utcnow() <= local_day_bounds(check.round.day)[1] \
        + service.RECORDING_GRACE
    flags = {f.id: f.flag for f in check.findings}
    catalog = regulation_in_force().regulation.catalog
    return render_template(
        "inspections_check.html", check=check, may_record=may_record,
        officers=service.officers_for_check(check) if may_record else [],
        catalog=catalog, form_items=_form_items(check, catalog), flags=flags,
        to_sign={f.id for f in check.findings if may_record and check.members
                 and actor.id not in {s["inspector_id"] for s in f.signatures or []}},
        visible_flags={i for i, f in flags.items() if f and can_see_officer(actor, f.officer_id, f.district_id)},
        visible_photos={f.id for f in check.findings if _may_see_finding(actor, f)},
        form=form or {"officer": check.officer.badge_no, "result": "", "items": [], "note": ""},
        errors=errors or {}, results=FINDING_RESULTS, **_grid_map(check)), status


def _grid_map(check) -> dict:
    """The map to the checked shift's grid (its outline and centre) and a link to navigate there."""
    from supervise.services.areas import area_for_shift
    from supervise.web.tracks_picture import grid_map

    area = area_for_shift(check.shift)
    data = grid_map(area)
    lat, lon = area.centroid
    data["centre_wgs84"] = [round(lat, 6), round(lon, 6)]
    name = check.shift.grid.code if check.shift.grid else (check.shift.post.code if check.shift.post else "")
    navigate = f"https://uri.amap.com/marker?position={lon:.6f},{lat:.6f}&coordinate=gps&name={quote(name)}"
    return {"map_data": data, "navigate_url": navigate}


def _form_items(check, catalog: dict) -> dict:
    """The catalog items the finding form offers: a special round's own items, else all of them."""
    if check.round.kind == "special" and check.round.scope:
        return {code: item for code, item in catalog.items() if code in check.round.scope.get("items", [])}
    return catalog


@bp.post("/inspections/findings/<int:finding_id>/sign")
def sign_inspection_finding(finding_id: int):
    actor = require_web_role("inspector")
    recorded = service.sign_finding(actor, finding_id)
    flash(_recorded_message(actor, recorded) if recorded.flag else
          "已签名，等待联检组其他成员签名。 Signed; waiting for the rest of the team.", "ok")
    return redirect(url_for("web.inspection_check", check_id=recorded.finding.assignment_id))


def _may_see_finding(actor: Actor, finding) -> bool:
    return actor.id in (finding.inspector_id, finding.officer_id) or can_manage_district(actor, finding.district_id)


# ---------------------------------------------------------------- rounds


def require_city_wide() -> Actor:
    """The actor, or Forbidden unless they are a city-wide manager or an admin."""
    actor = require_web_role("manager", "admin")
    if not actor.is_city_wide:
        raise Forbidden("Rounds are drawn by city-wide managers: a district is inspected in the round and must "
                        "not learn its checks ahead.", code="CITY_WIDE_ONLY")
    return actor


@bp.get("/inspections/rounds")
def inspection_rounds():
    actor = require_city_wide()
    return _rounds_page(actor, {"date": today().isoformat(), "kind": "cross_district", "inspectors_per_district": "",
                                "checks_per_inspector": "3", "seed": "", **{k: "" for k in ROUND_FIELDS[5:]}})


@bp.post("/inspections/rounds")
def draw_round():
    """Draw a round in two steps: the form's values are checked and shown back for confirmation
    (with a warning when the day already has a round); only the confirmed form draws."""
    actor = require_city_wide()
    form = {key: request.form.get(key, "").strip() for key in ROUND_FIELDS}
    try:
        wanted = round_request(form)
        if request.form.get("confirmed") != "1":
            return _confirm_page(actor, form, wanted)
        drawn = service.draw_inspection_round(actor, wanted)
    except DomainError as exc:
        db.session.rollback()
        return _rounds_page(actor, form, errors=field_errors(exc, ROUND_FIELDS_OF_CODE),
                            unplaced=exc.details.get("unplaced") or [], status=exc.status)
    flash(_("Round drawn: %(n)s spot checks, seed %(seed)s.", n=len(drawn.assignments), seed=drawn.seed), "ok")
    return redirect(url_for("web.inspection_round", round_id=drawn.id))


def _confirm_page(actor: Actor, form: dict, wanted: service.RoundRequest):
    if local_day_bounds(wanted.day)[1] <= utcnow():
        raise Invalid(f"{wanted.day} has ended; draw rounds for today or a later day.", code="ROUND_DAY_PASSED")
    return _rounds_page(actor, form, confirm={"request": wanted, "same_day": service.rounds_on(wanted.day)})


@bp.post("/inspections/rounds/<int:round_id>/withdrawal")
def withdraw_round(round_id: int):
    """Withdraw a round before its release, with a reason kept on the round."""
    actor = require_city_wide()
    try:
        service.withdraw_round(actor, round_id, request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(_withdrawal_refusal(exc), "error")
        return redirect(url_for("web.inspection_round", round_id=round_id))
    flash(_("Round %(id)s withdrawn: its checks will not be released.", id=round_id), "ok")
    return redirect(url_for("web.inspection_round", round_id=round_id))


def _withdrawal_refusal(exc: DomainError) -> str:
    return {"ROUND_RELEASED": _("The round has been released: inspectors may already be on their way, so it can "
                                "no longer be withdrawn."),
            "ROUND_WITHDRAWN": _("This round has been withdrawn already."),
            "REASON_REQUIRED": _("Give a reason for withdrawing the round (a few words at least).")}.get(
                exc.code, exc.message)


def round_request(form: dict) -> service.RoundRequest:
    """The draw form as a RoundRequest, or Invalid naming the first field that is wrong."""
    day = parse_day(form["date"])
    if day is None:
        raise Invalid("date is a day written YYYY-MM-DD.", code="DATE_INVALID")
    if form["kind"] not in INSPECTION_KINDS:
        raise Invalid(f"kind is one of {', '.join(INSPECTION_KINDS)}.", code="KIND_INVALID")
    return service.RoundRequest(
        day=day, kind=form["kind"],
        inspectors_per_district=_whole(form["inspectors_per_district"], 1, 100, "INSPECTORS_INVALID"),
        checks_per_inspector=_whole(form["checks_per_inspector"] or "3", 1, 20, "CHECKS_INVALID"),
        seed=_whole(form["seed"], 0, 2**53, "SEED_INVALID"), scope=round_scope(form))


SCOPE_OF_KIND = {"routine": ("districts",), "special": ("items",), "key_point": ("grids", "times"),
                 "joint": ("districts", "team_size")}


def round_scope(form: dict) -> dict | None:
    """The scope fields of the draw form that the chosen kind takes, as the service reads them:
    codes separated by commas or spaces, times as `07:00-09:00, 17:00-19:00`."""
    scope: dict = {}
    for key in SCOPE_OF_KIND.get(form["kind"], ()):
        text = form.get(f"scope_{key}", "").replace("，", ",")
        if not text:
            continue
        if key == "times":
            scope[key] = [[p.strip() for p in span.replace("–", "-").split("-", 1)] for span in text.split(",")
                          if span.strip()]
        elif key == "team_size":
            scope[key] = _whole(text, 2, 6, "SCOPE_INVALID")
        else:
            scope[key] = [c for c in text.replace(",", " ").split() if c]
    return scope or None


def _whole(text: str, low: int, high: int, code: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise Invalid(f"Expected a whole number from {low} to {high}, got {text!r}.", code=code)
    return int(text)


def _rounds_page(actor: Actor, form: dict, *, errors: dict | None = None, unplaced: list | None = None,
                 status: int = 200, confirm: dict | None = None):
    result = db.paginate(service.rounds_query(actor).options(selectinload(InspectionRound.assignments)),
                         page=page_number(), per_page=ROUNDS_PER_PAGE, error_out=False)
    return render_template("inspections_rounds.html", result=result, form=form, errors=errors or {},
                           unplaced=_unplaced(unplaced or []), kinds=INSPECTION_KINDS, confirm=confirm,
                           now_utc=utcnow()), status


@bp.get("/inspections/rounds/<int:round_id>")
def inspection_round(round_id: int):
    actor = require_city_wide()
    drawn = service.get_round(actor, round_id)
    by_district: dict[District, list[InspectionAssignment]] = defaultdict(list)
    for check in sorted(drawn.assignments, key=lambda a: (a.district.code, a.inspector_id, a.shift.start, a.id)):
        by_district[check.district].append(check)
    districts = {d.code: d for d in db.session.scalars(select(District))}
    people = _people([p["inspector_id"] for p in drawn.repeated_pairings])
    repeated = [{"inspector": people.get(p["inspector_id"]), "district": districts.get(p["district"]),
                 "code": p["district"]} for p in drawn.repeated_pairings]
    return render_template("inspections_round.html", round=drawn, by_district=dict(by_district),
                           may_withdraw=drawn.withdrawn_at is None and drawn.release_at > utcnow(),
                           unplaced=_unplaced(drawn.unplaced), repeated=repeated,
                           inspectors=len({a.inspector_id for a in drawn.assignments}))


def _unplaced(rows: list[dict]) -> list[dict]:
    """Unplaced inspectors with their user row and the reason in Chinese beside the English."""
    people = _people([row["inspector_id"] for row in rows])
    return [{"inspector": people.get(row["inspector_id"]), "id": row["inspector_id"], "reason": row["reason"],
             "reason_zh": UNPLACED_REASONS.get(row["reason"], "")} for row in rows]


def _people(ids: list[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}

