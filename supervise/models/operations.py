"""What running the service leaves behind: who fetched an original photo, and the scheduler's
heartbeat that /readyz and /metrics read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from supervise.extensions import db
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow


class OriginalPhotoFetch(db.Model):
    """One fetch of a GPS-bearing original photo (personal data): who, when, which record."""

    __tablename__ = "original_photo_fetch"
    __table_args__ = (Index("ix_original_photo_fetch_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    photo_sha256: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    record: Mapped[str] = mapped_column(String(32))   # e.g. "checkin:17", "finding:3"
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class SchedulerHeartbeat(db.Model):
    """The last tick of the scheduler holding the lock: when it beat, what it judged, how long it
    took and how far behind it was."""

    __tablename__ = "scheduler_heartbeat"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interval_s: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tick_seconds: Mapped[float | None] = mapped_column(Float)
    lag_seconds: Mapped[float | None] = mapped_column(Float)
    catching_up_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
