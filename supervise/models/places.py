"""Where officers work: the grid hierarchy (domain → net → grid) and fixed posts, all in WGS-84."""
from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervise.extensions import db
from supervise.models.org import District

GRID_LEVELS = ("domain", "net", "grid")


class Grid(db.Model):
    __tablename__ = "grid"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(8), default="grid")
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    geometry: Mapped[dict] = mapped_column(JSON)
    source_datum: Mapped[str] = mapped_column(String(8), default="wgs84")
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    district: Mapped[District] = relationship()
    parent: Mapped[Grid | None] = relationship(remote_side=[id])


class Post(db.Model):
    """A fixed post (定点值守): standing still within `radius_m` of the point is the job."""

    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str | None] = mapped_column(String(128))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    district: Mapped[District] = relationship()
