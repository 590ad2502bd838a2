"""Finding reference records by the codes that requests and import files use."""
from __future__ import annotations

from sqlalchemy import select

from supervise.errors import Invalid, NotFound, Text
from supervise.extensions import db
from supervise.i18n_marks import N_
from supervise.models import District, Grid, Post, Shift, Squad, User

# The largest id both databases hold: ids are INTEGER columns, 32-bit on PostgreSQL (64-bit on
# SQLite); a number beyond it names no row, and the driver would refuse it with an overflow.
MAX_ROW_ID = 2**31 - 1
# The last page a list serves: keeps the row offset inside the databases' 64-bit integers.
MAX_PAGE = 1_000_000

# What a lookup names in its refusal, for the catalog (the refusal translates it with its sentence).
NOUNS = (N_("device"), N_("district"), N_("finding"), N_("flag"), N_("grid"), N_("inspection round"), N_("officer"),
         N_("parent"), N_("post"), N_("shift"), N_("district with code"), N_("officer with badge number"),
         N_("grid with code"), N_("fixed post with code"))


def _named(model, column, value: str, what: str, code: str, field: str):
    found = db.session.scalar(select(model).where(column == value))
    if found is None:
        raise Invalid("There is no %(what)s %(value)s.", code=code, details={field: value}, params={"what": Text(what), "value": repr(value)})
    return found


def district_by_code(code: str) -> District:
    """The district with that code, or a 422 naming the unknown code."""
    return _named(District, District.code, code, "district with code", "UNKNOWN_DISTRICT", "district")


def officer_by_badge(badge_no: str) -> User:
    """The officer (or inspector) with that badge number, or a 422."""
    return _named(User, User.badge_no, badge_no, "officer with badge number", "UNKNOWN_OFFICER", "officer")


def grid_by_code(code: str) -> Grid:
    """The grid with that code, or a 422."""
    return _named(Grid, Grid.code, code, "grid with code", "UNKNOWN_GRID", "grid")


def post_by_code(code: str) -> Post:
    """The fixed post with that code, or a 422."""
    return _named(Post, Post.code, code, "fixed post with code", "UNKNOWN_POST", "post")


def squad_in(district: District, code: str) -> Squad | None:
    return db.session.scalar(select(Squad).where(Squad.district_id == district.id, Squad.code == code))


def by_code_or_404(model, code: str, what: str):
    """The record named in the URL by its code, or a 404 (a path that names nothing)."""
    found = db.session.scalar(select(model).where(model.code == code))
    if found is None:
        raise NotFound("There is no %(what)s with code %(code)s.", details={"code": code}, params={"what": Text(what), "code": repr(code)})
    return found


def get_or_404(model, ident: int, what: str):
    """The record with that id, or a 404 that names what was missing."""
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound("There is no %(what)s with id %(ident)s.", details={"id": ident}, params={"what": Text(what), "ident": ident})
    return found


def shift_or_404(ident: int) -> Shift:
    return get_or_404(Shift, ident, "shift")
