"""Shifts: an officer, an instant span in UTC (may cross midnight), a grid or a fixed post."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervise.extensions import db
from supervise.models.org import User
from supervise.models.places import Grid, Post
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow

SHIFT_KINDS = ("patrol", "fixed_post")


class Shift(db.Model):
    __tablename__ = "shift"
    __table_args__ = (
        Index("ix_shift_officer_start", "officer_id", "start"),
        Index("ix_shift_end", "end"),
        db.CheckConstraint('"end" > start', name="end_after_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    officer: Mapped[User] = relationship()
    grid: Mapped[Grid | None] = relationship()
    post: Mapped[Post | None] = relationship()
    breaks: Mapped[list[ShiftBreak]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="ShiftBreak.start")


class ShiftBreak(db.Model):
    """A declared break: no idleness, gap or off-post is counted inside it."""

    __tablename__ = "shift_break"
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    shift: Mapped[Shift] = relationship(back_populates="breaks")
