"""Notifications: in-app messages for people and webhook deliveries through the outbox, both
written in the transaction of the event (see commit_hooks).

- An officer learns of every new (or reinstated) flag about them, with the appeal deadline, and of
  every decision, appeal outcome and withdrawal.
- The managers of the flag's district learn of a new appeal, and of the flags raised in their
  district as one digest per commit (a check run commits per batch; a finding commits alone).
  City-wide managers hear of appeals only where the district has no manager of its own.
- Every configured webhook target (config `WEBHOOKS`) subscribed to the event gets an outbox
  message: `flags_raised` (per district, per commit) and `appeal_filed`, `flag_decided` if asked.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from supervise.errors import NotFound
from supervise.extensions import db
from supervise.models import District, Flag, FlagEvent, Notification, OutboxMessage, User
from supervise.services.access import Actor
from supervise.timeutil import local_iso, utcnow

RAISED = ("raised", "reinstated")
DECIDED = {"confirmed": ("已确认", "confirmed"), "dismissed": ("已撤销", "dismissed"),
           "appeal_rejected": ("申诉被驳回", "appeal rejected"), "appeal_upheld": ("申诉成立", "appeal upheld"),
           "withdrawn": ("已自动撤回", "withdrawn")}
DEFAULT_EVENTS = ("flags_raised", "appeal_filed")


def appeal_deadline(flag: Flag) -> datetime:
    """Until when the flagged officer may appeal: `APPEAL_WITHIN_DAYS` after the flag was raised."""
    return flag.created_at + timedelta(days=_setting("APPEAL_WITHIN_DAYS", 7))


def on_events(session: Session, events: list) -> None:
    """Write the notifications and outbox messages that these just-flushed events call for."""
    flag_events = [e for e in events if isinstance(e, FlagEvent)]
    if not flag_events:
        return
    raised_by_district: dict[int | None, list[Flag]] = defaultdict(list)
    for ev in flag_events:
        flag = ev.flag
        if ev.action in RAISED:
            raised_by_district[flag.district_id].append(flag)
            session.add(_officer_raised(flag, ev.action))
        elif ev.action == "appealed":
            _appeal_filed(session, flag, ev)
        elif ev.action in DECIDED and ev.to_status != ev.from_status:
            session.add(_officer_decided(flag, ev))
            _to_targets(session, "flag_decided", flag.district_id, _flag_payload(flag) | {"decision": ev.action,
                                                                                         "reason": ev.reason})
    for district_id, flags in raised_by_district.items():
        _flags_digest(session, district_id, flags)


def _officer_raised(flag: Flag, action: str) -> Notification:
    deadline = local_iso(appeal_deadline(flag))[:16].replace("T", " ")
    review_zh = "（证据待核实，由管理人员判断）" if flag.needs_review else ""
    review_en = " (for review: a manager weighs the evidence)" if flag.needs_review else ""
    again_zh, again_en = ("重新", "again: ") if action == "reinstated" else ("", "")
    return Notification(user_id=flag.officer_id, kind="flag_raised", flag_id=flag.id, link="/me",
                        text_zh=f"{again_zh}新督察标记 {flag.code}：{flag.summary_zh}{review_zh}。"
                                f"如有异议请于 {deadline} 前申诉。",
                        text_en=f"New flag {again_en}{flag.code}: {flag.summary_en}{review_en}. "
                                f"Appeal by {deadline} if you disagree.")


def _officer_decided(flag: Flag, ev: FlagEvent) -> Notification:
    zh, en = DECIDED[ev.action]
    return Notification(user_id=flag.officer_id, kind="flag_decided", flag_id=flag.id, link="/me",
                        text_zh=f"督察标记 #{flag.id}（{flag.code}）{zh}：{ev.reason or ''}",
                        text_en=f"Flag #{flag.id} ({flag.code}) {en}: {ev.reason or ''}")


def _appeal_filed(session: Session, flag: Flag, ev: FlagEvent) -> None:
    officer = flag.officer
    for manager_id in _managers_of(session, flag.district_id):
        session.add(Notification(
            user_id=manager_id, kind="appeal_filed", flag_id=flag.id, link=f"/flags/{flag.id}",
            text_zh=f"{officer.name}（{officer.badge_no or officer.username}）对标记 #{flag.id} {flag.code} 提出申诉：{ev.reason}",
            text_en=f"{officer.username} appealed flag #{flag.id} {flag.code}: {ev.reason}"))
    _to_targets(session, "appeal_filed", flag.district_id, _flag_payload(flag) | {"reason": ev.reason})


def _flags_digest(session: Session, district_id: int | None, flags: list[Flag]) -> None:
    district = session.get(District, district_id) if district_id else None
    name = district.name if district else "全市"
    codes = ", ".join(sorted({f.code for f in flags}))
    for manager_id in _managers_of(session, district_id, city_wide_too=False):
        session.add(Notification(
            user_id=manager_id, kind="flags_digest", link="/flags?status=open",
            flag_id=flags[0].id if len(flags) == 1 else None,
            text_zh=f"{name}新增督察标记 {len(flags)} 条（{codes}）", text_en=f"{len(flags)} new flags ({codes})"))
    _to_targets(session, "flags_raised", district_id, {
        "district": district.code if district else None, "district_name": name,
        "flags": [_flag_payload(f) for f in flags], "link": _link("/flags?status=open")})


def _managers_of(session: Session, district_id: int | None, city_wide_too: bool = True) -> list[int]:
    own = list(session.scalars(select(User.id).where(User.role == "manager", User.district_id == district_id,
                                                     User.active.is_(True)))) if district_id else []
    if own or not city_wide_too:
        return own
    return list(session.scalars(select(User.id).where(User.role == "manager", User.district_id.is_(None),
                                                      User.active.is_(True))))


def _flag_payload(flag: Flag) -> dict:
    officer = flag.officer
    return {"flag_id": flag.id, "code": flag.code, "severity": flag.severity, "status": flag.status,
            "needs_review": flag.needs_review, "officer": officer.badge_no or officer.username,
            "officer_name": officer.name, "start_local": local_iso(flag.start), "end_local": local_iso(flag.end),
            "summary_zh": flag.summary_zh, "summary_en": flag.summary_en,
            "appeal_deadline_local": local_iso(appeal_deadline(flag)), "link": _link(f"/flags/{flag.id}")}


def _to_targets(session: Session, event: str, district_id: int | None, payload: dict) -> None:
    code = session.get(District, district_id).code if district_id else None
    for target in configured_targets():
        if event not in target.get("events", DEFAULT_EVENTS):
            continue
        if target.get("districts") and code not in target["districts"]:
            continue
        session.add(OutboxMessage(target=target["name"], event=event, payload=payload))


def configured_targets() -> list[dict]:
    """The webhook targets of the configuration (`WEBHOOKS`), each {name, kind, url, secret?,
    events?, districts?}."""
    return list(_setting("WEBHOOKS", []) or [])


def _link(path: str) -> str | None:
    base = _setting("PUBLIC_BASE_URL", None)
    return base.rstrip("/") + path if base else None


def _setting(key: str, default):
    return current_app.config.get(key, default) if has_app_context() else default


# ---------------------------------------------------------------- reading one's notifications

def unread_count(user_id: int) -> int:
    """How many of the person's notifications are unread (the badge)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def recent(actor: Actor, limit: int = 50, unread_only: bool = False) -> list[Notification]:
    """The person's newest notifications, unread first kept in time order."""
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(actor: Actor, notification_id: int | None = None) -> int:
    """Mark one notification (or, without an id, all of them) read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if notification_id is not None:
        own = db.session.get(Notification, notification_id)
        if own is None or own.user_id != actor.id:
            raise NotFound("No such notification.")
        query = query.where(Notification.id == notification_id)
    changed = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return changed



