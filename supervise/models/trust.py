"""Trust and reports: the audit trail's hash chain, in-app notifications and the webhook outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from supervise.extensions import db
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow


class AuditRecord(db.Model):
    """One link of the tamper-evident audit trail: an event, and the SHA-256 of the link before it.

    Written only by `services.audit` at commit time, in the transaction of the event it records;
    never updated. `payload` is the canonical JSON text that is hashed, kept as text so the hash
    is checked against exactly what is stored.
    """

    __tablename__ = "audit_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_record_subject", AuditRecord.subject_type, AuditRecord.subject_id)


class Notification(db.Model):
    """A message for one person, shown in the page header's badge and list until they read it."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


OUTBOX_STATUSES = ("pending", "sent", "dead")


class OutboxMessage(db.Model):
    """One webhook delivery, written in the transaction of its event and sent later by the scheduler.

    A sender claims a message by setting `lease_holder`/`lease_until` in a committed update that
    only succeeds while nobody else holds an unexpired lease, so two senders never both send it.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
