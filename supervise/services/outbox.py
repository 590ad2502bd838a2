"""Sending the webhook outbox: due messages are claimed under a lease, sent, and marked.

A message is claimed by one committed UPDATE that succeeds only while it is pending and nobody
holds an unexpired lease, so two senders (two scheduler processes, or a scheduler and an operator's
`supervise outbox send`) never both send it. A failed delivery waits 30 s, 1 min, 2 min, … (at most an
hour) and is tried again, up to `WEBHOOK_MAX_ATTEMPTS`; then it is kept as `dead`, listed by
`supervise outbox list` and sent again by `supervise outbox retry`. Nothing is ever deleted.

Exactly once holds unless the process dies between the receiver's answer and our commit: then the
lease runs out and the message is sent again with the same `X-Supervise-Delivery` id (at least once,
with a key for the receiver to drop the repeat).
"""
from __future__ import annotations

import logging
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import and_, or_, select, update

from supervise.extensions import db
from supervise.models import OutboxMessage
from supervise.outbound import accepted, backoff_seconds, build_request
from supervise.services.notify import configured_targets
from supervise.timeutil import utcnow

log = logging.getLogger("supervise.outbox")
LEASE = timedelta(minutes=2)
TIMEOUT_S = 10


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def sender_name() -> str:
    """A name for this sending process, unique enough to tell two senders apart."""
    return f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"


def send_due(now: datetime | None = None, *, limit: int = 100, holder: str | None = None) -> SendReport:
    """Claim the messages that are due, deliver each once, and record the outcome."""
    now = now or utcnow()
    holder = holder or sender_name()
    report = SendReport()
    targets = {t["name"]: t for t in configured_targets()}
    for message_id in claim(now, holder, limit):
        report.claimed += 1
        message = db.session.get(OutboxMessage, message_id)
        ok, note = _deliver(message, targets.get(message.target))
        _finish(message_id, holder, ok, note, report)
    return report


def claim(now: datetime, holder: str, limit: int) -> list[int]:
    """Take the lease on up to `limit` due messages; returns the ids this holder won."""
    free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    due = and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, free)
    candidates = list(db.session.scalars(select(OutboxMessage.id).where(due)
                                         .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    won = []
    for message_id in candidates:
        taken = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, due)
                                   .values(lease_holder=holder, lease_until=now + LEASE)).rowcount
        db.session.commit()
        if taken == 1:
            won.append(message_id)
    return won


def _deliver(message: OutboxMessage, target: dict | None) -> tuple[bool | None, str]:
    if target is None:
        return None, f"no webhook target named {message.target!r} is configured any more"
    request = build_request(target.get("kind", "json"), target["url"], target.get("secret"), message.id,
                            message.event, message.payload, int(utcnow().timestamp() * 1000))
    try:
        answer = requests.post(request.url, data=request.body, headers=request.headers, timeout=TIMEOUT_S,
                               allow_redirects=False)
    except requests.RequestException as exc:
        return False, f"{type(exc).__name__}: {exc}"[:500]
    return accepted(target.get("kind", "json"), answer.status_code, answer.content)


def _finish(message_id: int, holder: str, ok: bool | None, note: str, report: SendReport) -> None:
    message = db.session.get(OutboxMessage, message_id)
    db.session.refresh(message)
    if message.lease_holder != holder:
        log.warning("outbox message %s: lease lost while sending; leaving it to its new holder", message_id)
        return
    message.attempts += 1
    message.lease_holder = message.lease_until = None
    now = utcnow()
    if ok:
        message.status, message.sent_at, message.last_error = "sent", now, None
        report.sent += 1
    elif ok is None or message.attempts >= current_app.config.get("WEBHOOK_MAX_ATTEMPTS", 10):
        message.status, message.last_error = "dead", note
        report.dead += 1
        log.error("outbox message %s to %s is dead after %d attempts: %s", message.id, message.target,
                  message.attempts, note)
    else:
        message.last_error = note
        message.next_attempt_at = now + timedelta(seconds=backoff_seconds(message.attempts))
        report.failed += 1
        report.errors.append(f"{message.target}#{message.id}: {note}")
        log.warning("outbox message %s to %s failed (attempt %d): %s", message.id, message.target,
                    message.attempts, note)
    db.session.commit()


def retry_dead() -> int:
    """Put every dead message back in the queue, due now; returns how many."""
    changed = db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "dead")
                                 .values(status="pending", next_attempt_at=utcnow(), attempts=0)).rowcount
    db.session.commit()
    return changed
