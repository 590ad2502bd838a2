"""What every commit does besides storing rows: notifications, the webhook outbox and the audit
trail, written in the same transaction as the events they are about.

The events are the rows themselves: a new FlagEvent (raised, confirmed, dismissed, appealed,
withdrawn, joined, ...), a new RegulationVersion, InspectionRound or InspectionFinding. Hooking the
session rather than each verb means no place that changes a flag (the checks, a decision, an
appeal, an inspection) can forget to be audited or to tell the officer. A flag raised inside a
savepoint that was rolled back (another process raised the same fact) is not an event.

Order at commit: flush, notifications and outbox rows for the events, flush, then the audit
records last, so the audit lock is held only for the last moment of the transaction.
"""
from __future__ import annotations

from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect

from supervise.services import audit, notify

PENDING = "supervise_events"


def install() -> None:
    """Listen on every Flask-SQLAlchemy session (idempotent)."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _forget)


def _collect(session, _flush_context) -> None:
    found = [obj for obj in session.new if isinstance(obj, audit.AUDITED)]
    if found:
        session.info.setdefault(PENDING, []).extend(found)


def _before_commit(session) -> None:
    session.flush()   # the commit would flush after this hook; the events must be seen first
    if not session.info.get(PENDING):
        return
    events = [obj for obj in session.info.pop(PENDING, []) if inspect(obj).persistent]
    if not events:
        return
    events.sort(key=lambda obj: (audit.AUDITED.index(type(obj)), obj.id))
    notify.on_events(session, events)
    session.flush()
    session.info.pop(PENDING, None)   # the notifications are not events themselves
    audit.append(session, events)


def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
