"""The regulation's versions, the flags its rules raise, their history, and check runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervise.extensions import db
from supervise.models.org import User
from supervise.models.shifts import Shift
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow

FLAG_STATUSES = ("open", "confirmed", "dismissed", "appealed", "withdrawn")


class RegulationVersion(db.Model):
    """One published version of the regulation document; never edited, only superseded."""

    __tablename__ = "regulation_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship()


class Flag(db.Model):
    """A possible breach of the regulation by one officer, with its evidence and its history.

    `fact_key` identifies the fact (e.g. `shift:12:LATE`); it is unique, so the same fact never
    makes a second flag, whichever process raises it.
    """

    __tablename__ = "flag"
    __table_args__ = (Index("ix_flag_officer_start", "officer_id", "start"), Index("ix_flag_status", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    fact_key: Mapped[str] = mapped_column(String(160), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id"))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_finding.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    clause: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    regulation_version_id: Mapped[int | None] = mapped_column(ForeignKey("regulation_version.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # the evidence is too thin for a plain violation (few fixes, a margin inside the noise, an
    # unverified finding): a person decides; the reasons are in evidence["review"]
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    officer: Mapped[User] = relationship()
    shift: Mapped[Shift | None] = relationship()
    regulation_version: Mapped[RegulationVersion | None] = relationship()
    events: Mapped[list[FlagEvent]] = relationship(back_populates="flag", order_by="FlagEvent.id",
                                                   cascade="all, delete-orphan")


class FlagEvent(db.Model):
    """One step in a flag's history: raised, confirmed, dismissed, appealed, appeal decided, withdrawn."""

    __tablename__ = "flag_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    flag: Mapped[Flag] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def shown_reason(self) -> str | None:
        """The reason for the reader: a system-written one in the request's language, a person's words
        as written."""
        from supervise.stored_text import event_reason

        return event_reason(self) or self.reason


class CheckRun(db.Model):
    """One evaluation of the rules as of an instant: what it looked at and what it changed."""

    __tablename__ = "check_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shifts: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    regulation_version_id: Mapped[int | None] = mapped_column(ForeignKey("regulation_version.id"))


class SchedulerLease(db.Model):
    """Which scheduler process may run ticks (SQLite's stand-in for a PostgreSQL advisory lock)."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckBatch(db.Model):
    """Shifts a scheduler tick handed to the task queue, to be judged as of `as_of` (README
    "Check work on a queue"). `state` is queued until the one transaction that applies the
    batch's flags also marks it done, so a batch is judged whole exactly once, or not at all."""

    __tablename__ = "check_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("check_run.id", ondelete="SET NULL"), index=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: a full evaluation; otherwise the windowed look-back in seconds.
    window_s: Mapped[float | None] = mapped_column(Float)
    shift_ids: Mapped[list] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")   # queued, done, failed
    dispatches: Mapped[int] = mapped_column(Integer, default=1)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    judged: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_check_batch_state_dispatched", "state", "dispatched_at"),)
