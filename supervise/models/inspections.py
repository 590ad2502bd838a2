"""Cross-district inspections (交叉互检): drawn rounds, the spot checks they assign, and findings."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervise.extensions import db
from supervise.models.org import District, User
from supervise.models.shifts import Shift
from supervise.models.types import UTCDateTime
from supervise.timeutil import utcnow

if TYPE_CHECKING:
    from supervise.models.flags import Flag

INSPECTION_KINDS = ("cross_district", "routine", "special", "key_point", "joint")
FINDING_RESULTS = ("compliant", "absent", "violation")


class InspectionRound(db.Model):
    """One draw of unannounced spot checks for a local day; `seed` reproduces the draw."""

    __tablename__ = "inspection_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(BigInteger)
    inspectors_per_district: Mapped[int | None] = mapped_column(Integer)
    checks_per_inspector: Mapped[int] = mapped_column(Integer)
    release_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unplaced: Mapped[list] = mapped_column(JSON, default=list)
    repeated_pairings: Mapped[list] = mapped_column(JSON, default=list)
    # what the kind narrows the round to: special {items, rules}, key_point {grids, times},
    # routine/joint {districts}; see inspections/kinds.py
    scope: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    # a round withdrawn before its release: its checks are never shown to anyone's inspectors
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    assignments: Mapped[list[InspectionAssignment]] = relationship(
        back_populates="round", order_by="InspectionAssignment.id", cascade="all, delete-orphan")


class InspectionAssignment(db.Model):
    """One spot check: an inspector goes to an officer's shift in another district.

    The inspector sees it only from `release_at`; the inspected side never sees it ahead.
    """

    __tablename__ = "inspection_assignment"
    __table_args__ = (Index("ix_assignment_inspector_release", "inspector_id", "release_at"),
                      db.UniqueConstraint("round_id", "shift_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_round.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    release_at: Mapped[datetime] = mapped_column(UTCDateTime)
    round: Mapped[InspectionRound] = relationship(back_populates="assignments")
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    district: Mapped[District] = relationship()
    shift: Mapped[Shift] = relationship()
    findings: Mapped[list[InspectionFinding]] = relationship(
        back_populates="assignment", order_by="InspectionFinding.id")
    # a joint (联检) check's team, the leader included: each member sees the check and signs its findings
    members: Mapped[list[AssignmentMember]] = relationship(
        order_by="AssignmentMember.inspector_id", cascade="all, delete-orphan")

    @property
    def team_ids(self) -> list[int]:
        """Every inspector of the check: the team of a joint check, else the one inspector."""
        return [m.inspector_id for m in self.members] or [self.inspector_id]


class AssignmentMember(db.Model):
    """One inspector of a joint check's team."""

    __tablename__ = "assignment_member"
    assignment_id: Mapped[int] = mapped_column(ForeignKey("inspection_assignment.id", ondelete="CASCADE"),
                                               primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)


class InspectionFinding(db.Model):
    """What an inspector found about one officer on a spot check, with the photo as evidence."""

    __tablename__ = "inspection_finding"
    __table_args__ = (Index("ix_finding_officer_recorded", "officer_id", "recorded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("inspection_assignment.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"))
    result: Mapped[str] = mapped_column(String(16))
    items: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("photo.sha256"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capture_time_source: Mapped[str | None] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_to_grid_m: Mapped[float | None] = mapped_column(Float)
    # a joint check's finding stands once all its inspectors signed: [{inspector_id, at}]
    signatures: Mapped[list | None] = mapped_column(JSON)
    # the officer's own track around the finding's time, compared with the finding (reconcile.py)
    track_check: Mapped[dict | None] = mapped_column(JSON)
    assignment: Mapped[InspectionAssignment] = relationship(back_populates="findings")
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    shift: Mapped[Shift | None] = relationship()
    # The INSPECTION flag the finding raised, if any (read only: the rule writes flags).
    flag: Mapped[Flag | None] = relationship("Flag", primaryjoin="Flag.finding_id == InspectionFinding.id",
                                             foreign_keys="Flag.finding_id", viewonly=True, uselist=False)
