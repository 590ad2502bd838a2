"""Reviewing flags: managers confirm or dismiss, the flagged officer appeals once, a decided
appeal is final. Every change is kept in the flag's history."""
from __future__ import annotations

from sqlalchemy import select

from supervise.errors import Conflict, Forbidden, Invalid
from supervise.extensions import db
from supervise.models import Flag, FlagEvent
from supervise.services import lookup
from supervise.services.access import Actor, can_manage_district, require_officer_visible, scope_to_actor
from supervise.timeutil import utcnow

DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
MIN_REASON = 4


def flag_visible(actor: Actor, flag_id: int) -> Flag:
    """The flag if the actor may see it: its officer, their district's managers, admins."""
    flag = lookup.get_or_404(Flag, flag_id, "flag")
    require_officer_visible(actor, flag.officer_id, flag.district_id)
    return flag


def decide_flag(actor: Actor, flag_id: int, decision: str, reason: str) -> Flag:
    """Confirm or dismiss an open or appealed flag (a manager responsible for the officer's district).

    Deciding an appealed flag decides the appeal, and that is final.
    """
    flag = flag_visible(actor, flag_id)
    if actor.id == flag.officer_id:
        raise Forbidden("Nobody decides a flag raised against themselves.", code="OWN_FLAG")
    if actor.role not in ("manager", "admin") or not can_manage_district(actor, flag.district_id):
        raise Forbidden("Only a manager responsible for the officer's district decides flags.")
    if decision not in DECISIONS:
        raise Invalid("decision is confirm or dismiss.", code="DECISION_INVALID")
    _require_reason(reason)
    if flag.status not in ("open", "appealed"):
        raise Conflict(f"This flag is {flag.status}; only open or appealed flags can be decided.",
                       code="FLAG_ALREADY_DECIDED", details={"status": flag.status})
    action = ("appeal_rejected" if decision == "confirm" else "appeal_upheld") if flag.status == "appealed" \
        else DECISIONS[decision]
    _record(flag, actor, action, DECISIONS[decision], reason)
    db.session.commit()
    return flag


def appeal_flag(actor: Actor, flag_id: int, reason: str) -> Flag:
    """The flagged officer appeals an open or confirmed flag, once."""
    flag = flag_visible(actor, flag_id)
    if actor.id != flag.officer_id:
        raise Forbidden("Only the flagged officer appeals a flag.", code="NOT_YOUR_FLAG")
    _require_reason(reason)
    if any(e.action == "appealed" for e in flag.events):
        raise Conflict("This flag has been appealed once already.", code="ALREADY_APPEALED")
    if flag.status not in ("open", "confirmed"):
        raise Conflict(f"A {flag.status} flag cannot be appealed.", code="FLAG_NOT_APPEALABLE",
                       details={"status": flag.status})
    _require_in_time(flag)
    _record(flag, actor, "appealed", "appealed", reason)
    db.session.commit()
    return flag


def _require_in_time(flag: Flag) -> None:
    from supervise.services.notify import appeal_deadline

    deadline = appeal_deadline(flag)   # the one the officer was told of when the flag was raised
    if utcnow() > deadline:
        raise Conflict("The time to appeal this flag has passed.", code="APPEAL_TOO_LATE",
                       details={"deadline": deadline.isoformat()})


def _require_reason(reason: str | None) -> None:
    if not reason or len(reason.strip()) < MIN_REASON:
        raise Invalid("Give a reason (a few words at least); it is kept in the flag's history.",
                      code="REASON_REQUIRED")


def _record(flag: Flag, actor: Actor, action: str, to_status: str, reason: str) -> None:
    flag.events.append(FlagEvent(action=action, from_status=flag.status, to_status=to_status,
                                 reason=reason.strip(), actor_id=actor.id))
    flag.status = to_status
    flag.updated_at = utcnow()


def flags_query(actor: Actor, filters: dict):
    """A select() of the flags the actor may see, narrowed by the list filters."""
    from supervise.models import User

    query = select(Flag).join(User, Flag.officer_id == User.id).order_by(Flag.start.desc(), Flag.id.desc())
    query = scope_to_actor(query, actor, Flag.officer_id, Flag.district_id)
    if filters.get("district"):
        query = query.where(Flag.district_id == lookup.district_by_code(filters["district"]).id)
    if filters.get("squad"):
        query = query.where(User.squad.has(code=filters["squad"]))
    if filters.get("officer"):
        query = query.where(Flag.officer_id == lookup.officer_by_badge(filters["officer"]).id)
    if filters.get("code"):
        query = query.where(Flag.code == filters["code"])
    if filters.get("status"):
        query = query.where(Flag.status == filters["status"])
    if filters.get("shift_id"):
        query = query.where(Flag.shift_id == filters["shift_id"])
    if filters.get("needs_review") is not None:
        query = query.where(Flag.needs_review.is_(bool(filters["needs_review"])))
    if filters.get("from"):
        query = query.where(Flag.end >= filters["from"])
    if filters.get("to"):
        query = query.where(Flag.start < filters["to"])
    return query
