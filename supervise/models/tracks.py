"""Positions from phones and uploaded files. A city-day is ~14 M rows, so a position is lean:
its instant is POSIX seconds (UTC) as a float, and (officer, ts) is both the primary key that
makes re-sent positions harmless and the order that serves "this officer between t1 and t2"."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from supervise.extensions import db
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow

SOURCE_CODES = {"upload": 1, "osmand": 2, "app": 3}
# Besides the key, what reading a shift's track takes (services/tracks.py `positions_for_officers`).
ANALYSIS_COLUMNS = ("lat", "lon", "accuracy_m", "mock", "source", "received_ts")


class Position(db.Model):
    __tablename__ = "position"
    # The key (officer_id, ts) is the table itself (WITHOUT ROWID on SQLite): positions are
    # stored in the order "this officer between t1 and t2" reads them, and an insert updates
    # one B-tree fewer. received_ts is indexed so a tick finds late-arriving data without
    # scanning the day; that index also holds the key, so it answers "which officers" alone.
    # On PostgreSQL the table is partitioned by day of `ts` (services/partitions.py), and the key
    # and the arrival index carry the columns the analysis reads (INCLUDE), so that the reads
    # stay index-only as they are on SQLite's WITHOUT ROWID table.
    __table_args__ = (
        PrimaryKeyConstraint("officer_id", "ts", name="pk_position", postgresql_include=list(ANALYSIS_COLUMNS)),
        Index("ix_position_received_ts", "received_ts", postgresql_include=["officer_id"]),
        {"sqlite_with_rowid": False, "postgresql_partition_by": "RANGE (ts)"},
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ts: Mapped[float] = mapped_column(Float)  # POSIX seconds, UTC
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    mock: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[int] = mapped_column(SmallInteger)
    received_ts: Mapped[float] = mapped_column(Float)


class TrackUpload(db.Model):
    """One uploaded track file or position batch and what became of its points."""

    __tablename__ = "track_upload"
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    format: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    points_received: Mapped[int] = mapped_column(Integer)
    points_accepted: Mapped[int] = mapped_column(Integer)
    points_stored: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[dict] = mapped_column(JSON)
    flagged: Mapped[dict] = mapped_column(JSON)
    first_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
