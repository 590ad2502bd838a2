"""Reviewing flags: managers confirm or dismiss, the flagged officer appeals once, a decided
appeal is final. Every change is kept in the flag's history."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from supervise.errors import Conflict, Forbidden, Invalid
from supervise.extensions import db
from supervise.models import Flag, FlagEvent
from supervise.services import lookup
from supervise.services.access import Actor, can_manage_district, require_officer_visible, scope_to_actor
from supervise.timeutil import iso_z, utcnow

DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
MIN_REASON = 4
# A reason is read by people in the flag's history: a page, not a file (the same for API and pages).
MAX_REASON = 2000


def flag_visible(actor: Actor, flag_id: int) -> Flag:
    """The flag if the actor may see it: its officer, their district's managers, admins."""
    flag = lookup.get_or_404(Flag, flag_id, "flag")
    require_officer_visible(actor, flag.officer_id, flag.district_id)
    return flag


def decide_flag(actor: Actor, flag_id: int, decision: str, reason: str) -> Flag:
    """Confirm or dismiss an open or appealed flag (a manager responsible for the officer's district).

    Deciding an appealed flag decides the appeal, and that is final. When several managers decide
    at once, one decision wins; the others are a 409 FLAG_ALREADY_DECIDED with the flag's state.
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
        raise _already_decided(flag)
    action = ("appeal_rejected" if decision == "confirm" else "appeal_upheld") if flag.status == "appealed" \
        else DECISIONS[decision]
    _record(flag, actor, action, DECISIONS[decision], reason, lost=_already_decided)
    db.session.commit()
    return flag


def appeal_flag(actor: Actor, flag_id: int, reason: str) -> Flag:
    """The flagged officer appeals an open or confirmed flag, once (a decision made at the same
    moment wins or loses as a whole: the loser is a 409 with the flag's state)."""
    flag = flag_visible(actor, flag_id)
    if actor.id != flag.officer_id:
        raise Forbidden("Only the flagged officer appeals a flag.", code="NOT_YOUR_FLAG")
    _require_reason(reason)
    if any(e.action == "appealed" for e in flag.events):
        raise Conflict("This flag has been appealed once already.", code="ALREADY_APPEALED")
    if flag.status not in ("open", "confirmed"):
        raise _not_appealable(flag)
    _require_in_time(flag)
    _record(flag, actor, "appealed", "appealed", reason, lost=_not_appealable)
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
    if len(reason) > MAX_REASON:
        raise Invalid("A reason is at most %(max_reason)s characters; this one has %(reason_count)s.",
                      code="REASON_TOO_LONG", details={"max_length": MAX_REASON, "length": len(reason)}, params={"max_reason": MAX_REASON, "reason_count": len(reason)})


def _record(flag: Flag, actor: Actor, action: str, to_status: str, reason: str, *,
            lost: Callable[[Flag], Conflict]) -> None:
    """Move the flag to `to_status` with a history entry, only if it still has the status it was
    read with: one conditional UPDATE, so of two requests racing, exactly one moves it (PostgreSQL
    makes the second wait for the first and then finds the status changed). The loser rolls back
    and raises `lost(flag as it is now)`."""
    now = utcnow()
    moved = db.session.execute(
        update(Flag).where(Flag.id == flag.id, Flag.status == flag.status).values(status=to_status, updated_at=now),
        execution_options={"synchronize_session": False}).rowcount
    if moved != 1:
        db.session.rollback()
        raise lost(db.session.get(Flag, flag.id, populate_existing=True))
    flag.events.append(FlagEvent(action=action, from_status=flag.status, to_status=to_status,
                                 reason=reason.strip(), actor_id=actor.id))
    set_committed_value(flag, "status", to_status)
    set_committed_value(flag, "updated_at", now)


def flag_state(flag: Flag) -> dict:
    """What a client that lost a race needs to show: the status now and the step that set it."""
    last = flag.events[-1] if flag.events else None
    state = {"status": flag.status, "updated_at": iso_z(flag.updated_at)}
    if last is not None:
        state["last_action"] = {"action": last.action, "at": iso_z(last.at),
                                "by": last.actor.username if last.actor else None}
    return state


def _already_decided(flag: Flag) -> Conflict:
    return Conflict("This flag is %(status)s; only open or appealed flags can be decided.",
                    code="FLAG_ALREADY_DECIDED", details=flag_state(flag), params={"status": flag.status})


def _not_appealable(flag: Flag) -> Conflict:
    return Conflict("A %(status)s flag cannot be appealed.", code="FLAG_NOT_APPEALABLE",
                    details=flag_state(flag), params={"status": flag.status})


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
