"""Finding reference records by the codes that requests and import files use."""
from __future__ import annotations

from sqlalchemy import select

from supervise.errors import Invalid, NotFound
from supervise.extensions import db
from supervise.models import District, Grid, Post, Shift, Squad, User


def district_by_code(code: str) -> District:
    """The district with that code, or a 422 naming the unknown code."""
    found = db.session.scalar(select(District).where(District.code == code))
    if found is None:
        raise Invalid(f"There is no district with code {code!r}.", code="UNKNOWN_DISTRICT",
                      details={"district": code})
    return found


def officer_by_badge(badge_no: str) -> User:
    """The officer (or inspector) with that badge number, or a 422."""
    found = db.session.scalar(select(User).where(User.badge_no == badge_no))
    if found is None:
        raise Invalid(f"There is no officer with badge number {badge_no!r}.", code="UNKNOWN_OFFICER",
                      details={"officer": badge_no})
    return found


def grid_by_code(code: str) -> Grid:
    found = db.session.scalar(select(Grid).where(Grid.code == code))
    if found is None:
        raise Invalid(f"There is no grid with code {code!r}.", code="UNKNOWN_GRID", details={"grid": code})
    return found


def post_by_code(code: str) -> Post:
    found = db.session.scalar(select(Post).where(Post.code == code))
    if found is None:
        raise Invalid(f"There is no fixed post with code {code!r}.", code="UNKNOWN_POST", details={"post": code})
    return found


def squad_in(district: District, code: str) -> Squad | None:
    return db.session.scalar(select(Squad).where(Squad.district_id == district.id, Squad.code == code))


def by_code_or_404(model, code: str, what: str):
    """The record named in the URL by its code, or a 404 (a path that names nothing)."""
    found = db.session.scalar(select(model).where(model.code == code))
    if found is None:
        raise NotFound(f"There is no {what} with code {code!r}.", details={"code": code})
    return found


def get_or_404(model, ident: int, what: str):
    """The record with that id, or a 404 that names what was missing."""
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound(f"There is no {what} with id {ident}.", details={"id": ident})
    return found


def shift_or_404(ident: int) -> Shift:
    return get_or_404(Shift, ident, "shift")
