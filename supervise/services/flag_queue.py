"""The manager's queue of flags: searched by name, badge or username, sorted (stable, ties broken by
the newest first), decided many at a time with one reason, and walked flag by flag ("next flag").

Each flag of a bulk decision is decided in its own conditional update and its own commit (the
one-winner rule of `services.flags`): a flag someone else decided first is reported as theirs, and
never overwritten; the others are decided all the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, or_

from supervise.errors import Conflict, DomainError, Invalid
from supervise.extensions import db
from supervise.models import District, Flag, User
from supervise.services import flags as flag_service
from supervise.services.access import Actor

SORTS = ("time", "severity", "officer", "district")
MAX_SEARCH = 64
MAX_BULK = 200
# "next flag" looks at most this many flags of the queue (a morning has about 50)
MAX_WALK = 5000
_SEVERITY_RANK = case({"high": 0, "medium": 1, "low": 2}, value=Flag.severity, else_=3)


def queue_query(actor: Actor, filters: dict, search: str = "", sort: str = "time"):
    """A select() of the flags the actor may see, narrowed by the list filters and by `search`
    (part of an officer's name, badge number or username, any case), in the order `sort` names;
    every order ends with the newest first and then the flag id, so the order is stable."""
    query = flag_service.flags_query(actor, filters).order_by(None)
    words = search.strip()[:MAX_SEARCH]
    if words:
        pattern = "%" + words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (User.name, User.badge_no, User.username))))
    if sort == "district":
        query = query.outerjoin(District, Flag.district_id == District.id)
    return query.order_by(*_order(sort), Flag.start.desc(), Flag.id.desc())


def _order(sort: str) -> tuple:
    if sort == "severity":
        return (_SEVERITY_RANK,)
    if sort == "officer":
        return (User.name, User.badge_no)
    if sort == "district":
        return (District.code,)
    return ()


def next_flag_id(actor: Actor, filters: dict, search: str, sort: str, after: int) -> int | None:
    """The flag that follows `after` in the queue (only flags still to decide, in the queue's own
    order), wrapping round to the first; None when nothing else is left to decide."""
    decidable = [filters["status"]] if filters.get("status") in ("open", "appealed") else ["open"]
    walk = {key: value for key, value in filters.items() if key != "status"}
    query = queue_query(actor, walk, search, sort).where(or_(Flag.status.in_(decidable), Flag.id == after))
    ids = list(db.session.scalars(query.with_only_columns(Flag.id).limit(MAX_WALK)))
    if after not in ids:
        return ids[0] if ids else None
    index = ids.index(after)
    rest = ids[index + 1:] + ids[:index]
    return rest[0] if rest else None


@dataclass
class BulkOutcome:
    """What became of each flag of a bulk decision."""

    decided: list[int] = field(default_factory=list)
    # flag id → the flag's state when someone else had decided it first (status, by whom)
    already_decided: dict[int, dict] = field(default_factory=dict)
    # flag id → why it was not decided (not visible, one's own, an appeal to decide on its own)
    refused: dict[int, str] = field(default_factory=dict)


def decide_many(actor: Actor, flag_ids: list[int], decision: str, reason: str) -> BulkOutcome:
    """Confirm or dismiss each open flag of `flag_ids` with the one reason, each in its own
    conditional update: of two managers deciding the same flag at once exactly one wins, and the
    loser's flag is reported with its state, not overwritten. An appealed flag is decided on its own
    page (an appeal's decision is final). Nothing is written when the decision or reason is wrong."""
    if decision not in flag_service.DECISIONS:
        raise Invalid("decision is confirm or dismiss.", code="DECISION_INVALID")
    flag_service._require_reason(reason)
    ids = list(dict.fromkeys(flag_ids))
    if not ids:
        raise Invalid("Choose at least one flag.", code="NO_FLAGS_CHOSEN")
    if len(ids) > MAX_BULK:
        raise Invalid(f"Decide at most {MAX_BULK} flags at once.", code="TOO_MANY_FLAGS",
                      details={"max": MAX_BULK, "chosen": len(ids)})
    outcome = BulkOutcome()
    for flag_id in ids:
        _decide_one(actor, flag_id, decision, reason, outcome)
    return outcome


def _decide_one(actor: Actor, flag_id: int, decision: str, reason: str, outcome: BulkOutcome) -> None:
    try:
        flag = flag_service.flag_visible(actor, flag_id)
        if flag.status == "appealed":
            outcome.refused[flag_id] = "APPEAL_DECIDED_ALONE"
            return
        if flag.status != "open":
            outcome.already_decided[flag_id] = flag_service.flag_state(flag)
            return
        flag_service.decide_flag(actor, flag_id, decision, reason)
        outcome.decided.append(flag_id)
    except Conflict as exc:
        db.session.rollback()
        if exc.code != "FLAG_ALREADY_DECIDED":
            raise
        outcome.already_decided[flag_id] = exc.details
    except DomainError as exc:
        db.session.rollback()
        outcome.refused[flag_id] = exc.code

