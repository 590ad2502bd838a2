"""Photo evidence and selfie sign-ins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervise.extensions import db
from supervise.models.org import User
from supervise.models.shifts import Shift
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow


class Photo(db.Model):
    """Stored photo bytes, content-addressed by SHA-256; the perceptual hash is kept in four
    16-bit bands so near-duplicates are found through indexes (multi-index hashing: two hashes
    within distance 6 agree to within one bit on at least one band)."""

    __tablename__ = "photo"
    __table_args__ = tuple(Index(f"ix_photo_band{i}", f"band{i}") for i in range(4))
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    format: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    phash: Mapped[int] = mapped_column(BigInteger)  # signed view of the unsigned 64-bit hash
    band0: Mapped[int] = mapped_column(Integer)
    band1: Mapped[int] = mapped_column(Integer)
    band2: Mapped[int] = mapped_column(Integer)
    band3: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the retention purge removed the files; the row (hashes) stays for reuse checks.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Checkin(db.Model):
    """A selfie sign-in and what was judged from it at receipt."""

    __tablename__ = "checkin"
    __table_args__ = (Index("ix_checkin_shift", "shift_id"), Index("ix_checkin_officer_received", "officer_id",
                                                                     "received_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"))
    photo_sha256: Mapped[str] = mapped_column(ForeignKey("photo.sha256"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capture_time_source: Mapped[str | None] = mapped_column(String(16))
    capture_time_note: Mapped[str | None] = mapped_column(Text)
    time_conflict_s: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(8))
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_lat: Mapped[float | None] = mapped_column(Float)
    device_lon: Mapped[float | None] = mapped_column(Float)
    device_accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_fix_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_mock: Mapped[bool] = mapped_column(Boolean, default=False)
    inside_area: Mapped[bool | None] = mapped_column(Boolean)
    distance_to_area_m: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[str | None] = mapped_column(String(16))
    reused_checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id"))
    reuse_kind: Mapped[str | None] = mapped_column(String(8))
    reuse_distance: Mapped[int | None] = mapped_column(Integer)
    evidence_problem: Mapped[str | None] = mapped_column(Text)
    camera: Mapped[str | None] = mapped_column(String(128))
    officer: Mapped[User] = relationship()
    shift: Mapped[Shift] = relationship()
    photo: Mapped[Photo] = relationship()
