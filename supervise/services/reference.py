"""Reference data verbs: districts, squads, grids, posts, officers, devices, shifts.

Each verb checks access, validates, writes and commits (or raises and writes nothing).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supervise.errors import Conflict, Forbidden, Invalid
from supervise.extensions import db
from supervise.geo.area import Area, validate_polygon_geojson
from supervise.geo.datum import to_wgs84
from supervise.input_guard import holds_nul
from supervise.models import (
    GRID_LEVELS,
    ROLES,
    SHIFT_KINDS,
    Device,
    District,
    Grid,
    Post,
    Shift,
    ShiftBreak,
    Squad,
    User,
    text_limit,
)
from supervise.services import lookup
from supervise.services.access import Actor, require_district, require_officer_visible, require_role
from supervise.services.auth import hash_password

DATUMS = ("wgs84", "gcj02", "bd09")
MAX_SHIFT_HOURS = 16


def create_district(actor: Actor, code: str, name: str, name_en: str | None = None,
                    main_city: bool = True) -> District:
    """A new district (admin only); 409 when the code is taken."""
    require_role(actor, "admin")
    if db.session.scalar(select(District).where(District.code == code)):
        raise Conflict("District %(code)s exists already.", code="DISTRICT_EXISTS", details={"code": code}, params={"code": repr(code)})
    district = District(code=code, name=name, name_en=name_en, main_city=main_city)
    db.session.add(district)
    db.session.commit()
    return district


def create_squad(actor: Actor, district_code: str, code: str, name: str) -> Squad:
    """A new squad in a district the actor manages; 409 when the code is taken there."""
    district = lookup.district_by_code(district_code)
    require_district(actor, district.id)
    if lookup.squad_in(district, code):
        raise Conflict("Squad %(code)s exists already in %(code2)s.", code="SQUAD_EXISTS", params={"code": repr(code), "code2": district.code})
    squad = Squad(district_id=district.id, code=code, name=name)
    db.session.add(squad)
    db.session.commit()
    return squad


# ---------------------------------------------------------------- grids


@dataclass
class GridImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def import_grids(actor: Actor, document: dict, datum: str = "wgs84", *, replace: bool = False,
                 progress=None) -> GridImportReport:
    """Store the polygons of a GeoJSON Feature or FeatureCollection as grids, converted to WGS-84.

    All or nothing: any bad feature refuses the whole file with every problem listed by
    feature number. With `replace`, grids whose code exists are updated (re-imports are safe);
    without it an existing code is a 409.
    """
    if datum not in DATUMS:
        raise Invalid("Unknown datum %(datum)s; use one of %(value)s.", code="UNKNOWN_DATUM", params={"datum": repr(datum), "value": ', '.join(DATUMS)})
    features = _features_of(document)
    problems: dict[str, list[str]] = {}
    prepared = [_prepare_grid(actor, number, feature, datum, problems) for number, feature in enumerate(features, 1)]
    _check_parents(prepared, problems)
    if problems:
        raise Invalid("%(problems_count)s of %(features_count)s features are not valid grids; nothing was stored.",
                      code="GRID_FILE_INVALID", details={"features": problems}, params={"problems_count": len(problems), "features_count": len(features)})
    report = GridImportReport()
    by_code = {p["code"]: p for p in prepared}
    for item in _parents_first(prepared):
        _store_grid(item, by_code, replace, report)
        if progress:
            progress(1)
    _commit_or_conflict("A grid code in the file exists already.")
    return report


def _features_of(document: dict) -> list[dict]:
    if not isinstance(document, dict) or document.get("type") not in ("Feature", "FeatureCollection"):
        raise Invalid("Send a GeoJSON Feature or FeatureCollection.", code="GEOJSON_INVALID")
    features = document.get("features") if document["type"] == "FeatureCollection" else [document]
    if not isinstance(features, list) or not features:
        raise Invalid("The FeatureCollection has no features.", code="GEOJSON_INVALID")
    return features


def _prepare_grid(actor: Actor, number: int, feature, datum: str, problems: dict) -> dict:
    errors: list[str] = []
    props = feature.get("properties") or {} if isinstance(feature, dict) else {}
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    code, district_code = props.get("code"), props.get("district")
    if not code or not isinstance(code, str):
        errors.append("properties.code is missing")
    district = db.session.scalar(select(District).where(District.code == district_code)) if district_code else None
    if district is None:
        errors.append(f"properties.district {district_code!r} is not a known district")
    elif not _may_manage(actor, district.id):
        raise Forbidden("Feature %(number)s is in district %(district_code)s, which you are not responsible for.",
                        details={"feature": number, "district": district_code}, params={"number": number, "district_code": district_code})
    if holds_nul(props.values()):
        errors.append("a property holds a NUL character")
    errors.extend(_too_long(props, {"code": Grid.code, "name": Grid.name}))
    level = props.get("level")
    if level is not None and level not in GRID_LEVELS:
        errors.append(f"properties.level must be one of {', '.join(GRID_LEVELS)}")
    wgs84 = None
    geometry_problems = validate_polygon_geojson(geometry) if isinstance(geometry, dict) else ["geometry is missing"]
    if geometry_problems:
        errors.extend(geometry_problems)
    else:
        wgs84 = convert_geometry(geometry, datum)
    if errors:
        problems[f"feature {number}" + (f" ({code})" if code else "")] = errors
    return {"number": number, "code": code, "name": props.get("name"), "district": district, "level": level,
            "parent": props.get("parent"), "geometry": wgs84, "datum": datum}


def _too_long(props: dict, columns: dict) -> list[str]:
    """A problem for each text property longer than the column it is stored in."""
    return [f"properties.{name} has {len(props[name])} characters; at most {text_limit(column)} are kept"
            for name, column in columns.items()
            if isinstance(props.get(name), str) and len(props[name]) > text_limit(column)]


def _may_manage(actor: Actor, district_id: int) -> bool:
    try:
        require_district(actor, district_id)
    except Forbidden:
        return False
    return True


def _check_parents(prepared: list[dict], problems: dict) -> None:
    in_file = {p["code"] for p in prepared}
    for item in prepared:
        parent = item["parent"]
        if parent and parent not in in_file and lookup_grid(parent) is None:
            problems.setdefault(f"feature {item['number']} ({item['code']})", []).append(
                f"properties.parent {parent!r} is neither in the file nor stored")


def lookup_grid(code: str) -> Grid | None:
    return db.session.scalar(select(Grid).where(Grid.code == code))


def _parents_first(prepared: list[dict]) -> list[dict]:
    by_code = {p["code"]: p for p in prepared}

    def depth(item, seen=()):
        parent = by_code.get(item["parent"]) if item["parent"] else None
        if parent is None or item["code"] in seen:
            return 0
        return 1 + depth(parent, seen + (item["code"],))

    return sorted(prepared, key=depth)


def _store_grid(item: dict, by_code: dict, replace: bool, report: GridImportReport) -> None:
    parent = lookup_grid(item["parent"]) if item["parent"] else None
    level = item["level"] or _level_below(parent)
    if parent is not None and GRID_LEVELS.index(level) != GRID_LEVELS.index(parent.level) + 1:
        raise Invalid("Grid %(value)s is a %(level)s but its parent %(code)s is a %(level2)s.",
                      code="GRID_FILE_INVALID", details={"feature": item["number"]}, params={"value": item['code'], "level": level, "code": parent.code, "level2": parent.level})
    area = Area.from_geojson(item["geometry"])
    min_lon, min_lat, max_lon, max_lat = area.bbox
    values = dict(name=item["name"], level=level, district_id=item["district"].id,
                  parent_id=parent.id if parent else None, geometry=item["geometry"], source_datum=item["datum"],
                  min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat, area_m2=area.area_m2)
    existing = lookup_grid(item["code"])
    if existing is not None and not replace:
        raise Conflict("Grid %(value)s exists already; import with replace to update it.",
                       code="GRID_EXISTS", details={"code": item["code"]}, params={"value": repr(item['code'])})
    if existing is None:
        db.session.add(Grid(code=item["code"], **values))
        report.created.append(item["code"])
    else:
        for key, value in values.items():
            setattr(existing, key, value)
        report.updated.append(item["code"])
    db.session.flush()


def _level_below(parent: Grid | None) -> str:
    if parent is None:
        return "grid"
    return GRID_LEVELS[min(GRID_LEVELS.index(parent.level) + 1, len(GRID_LEVELS) - 1)]


def convert_geometry(geometry: dict, datum: str) -> dict:
    """The same Polygon/MultiPolygon with every vertex converted from `datum` to WGS-84."""
    def ring(points):
        return [list(_round(*to_wgs84(float(p[0]), float(p[1]), datum))) for p in points]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {"type": "MultiPolygon",
            "coordinates": [[ring(r) for r in polygon] for polygon in geometry["coordinates"]]}


def _round(lon: float, lat: float) -> tuple[float, float]:
    # 1e-8 degrees is about a millimetre: more digits are noise.
    return round(lon, 8), round(lat, 8)


# ---------------------------------------------------------------- posts


def create_post(actor: Actor, code: str, district_code: str, lat: float, lon: float, radius_m: float,
                name: str | None = None, datum: str = "wgs84") -> Post:
    """A fixed post in a district the actor manages, stored in WGS-84."""
    district = lookup.district_by_code(district_code)
    require_district(actor, district.id)
    if db.session.scalar(select(Post).where(Post.code == code)):
        raise Conflict("Post %(code)s exists already.", code="POST_EXISTS", params={"code": repr(code)})
    lon, lat = to_wgs84(lon, lat, datum)
    post = Post(code=code, name=name, district_id=district.id, lat=lat, lon=lon, radius_m=radius_m)
    db.session.add(post)
    db.session.commit()
    return post


# ---------------------------------------------------------------- people


@dataclass
class NewOfficer:
    user: User
    initial_password: str | None
    squad_created: bool


def create_officer(actor: Actor, *, badge_no: str | None, name: str, district: str | None, squad: str | None,
                   username: str, password: str | None, role: str, commit: bool = True) -> NewOfficer:
    """An account with a role; managers may add officers and inspectors to their own district only.

    Without a password a random one is made and returned once. An unknown squad code is created
    in the district (and reported), so a roster file can introduce a new squad.
    """
    if role not in ROLES:
        raise Invalid("Unknown role %(role)s; use one of %(value)s.", code="UNKNOWN_ROLE", params={"role": repr(role), "value": ', '.join(ROLES)})
    district_row = lookup.district_by_code(district) if district else None
    _check_may_create(actor, role, district_row)
    if role in ("officer", "inspector") and not badge_no:
        raise Invalid("Officers and inspectors need a badge number.", code="BADGE_REQUIRED")
    if role in ("officer", "inspector") and district_row is None:
        raise Invalid("Officers and inspectors belong to a district.", code="DISTRICT_REQUIRED")
    _check_unique_account(username, badge_no)
    squad_row, squad_created = _squad_for(district_row, squad)
    initial = None if password else secrets.token_urlsafe(9)
    user = User(username=username, password_hash=hash_password(password or initial), role=role, name=name,
                badge_no=badge_no or None, district_id=district_row.id if district_row else None,
                squad_id=squad_row.id if squad_row else None)
    db.session.add(user)
    db.session.flush()
    if commit:
        db.session.commit()
    return NewOfficer(user, initial, squad_created)


def _check_may_create(actor: Actor, role: str, district: District | None) -> None:
    if actor.is_admin:
        return
    require_role(actor, "manager")
    if role in ("manager", "admin"):
        raise Forbidden("Only an admin creates manager and admin accounts.")
    require_district(actor, district.id if district else None)


def _check_unique_account(username: str, badge_no: str | None) -> None:
    if db.session.scalar(select(User).where(User.username == username)):
        raise Conflict("Username %(username)s is taken.", code="USERNAME_TAKEN", details={"username": username}, params={"username": repr(username)})
    if badge_no and db.session.scalar(select(User).where(User.badge_no == badge_no)):
        raise Conflict("Badge number %(badge_no)s is taken.", code="BADGE_TAKEN", details={"badge_no": badge_no}, params={"badge_no": repr(badge_no)})


def _squad_for(district: District | None, code: str | None) -> tuple[Squad | None, bool]:
    if not code:
        return None, False
    if district is None:
        raise Invalid("A squad needs a district.", code="DISTRICT_REQUIRED")
    existing = lookup.squad_in(district, code)
    if existing:
        return existing, False
    squad = Squad(district_id=district.id, code=code, name=code)
    db.session.add(squad)
    db.session.flush()
    return squad, True


def officer_visible(actor: Actor, user_id: int) -> User:
    """The account with that id if the actor may see it (404 when absent, 403 when not theirs)."""
    user = lookup.get_or_404(User, user_id, "officer")
    require_officer_visible(actor, user.id, user.district_id)
    return user


def register_device(actor: Actor, badge_no: str, label: str | None = None) -> Device:
    """A phone for an officer (by the officer, their manager or an admin), with a long random identifier."""
    officer = lookup.officer_by_badge(badge_no)
    require_officer_visible(actor, officer.id, officer.district_id)
    device = Device(officer_id=officer.id, identifier=secrets.token_urlsafe(24), label=label)
    db.session.add(device)
    db.session.commit()
    return device


# ---------------------------------------------------------------- shifts


def create_shift(actor: Actor, *, officer: str, start: datetime, end: datetime, kind: str,
                 grid: str | None = None, post: str | None = None,
                 breaks: list[tuple[datetime, datetime]] = (), commit: bool = True) -> Shift:
    """A shift for an officer of a district the actor manages; refuses overlaps and misplaced areas."""
    person = lookup.officer_by_badge(officer)
    require_district(actor, person.district_id)
    _check_shift_times(start, end, breaks)
    grid_row, post_row = _shift_place(kind, grid, post, person)
    _check_no_overlap(person.id, start, end)
    shift = Shift(officer_id=person.id, start=start, end=end, kind=kind,
                  grid_id=grid_row.id if grid_row else None, post_id=post_row.id if post_row else None,
                  breaks=[ShiftBreak(start=b_start, end=b_end) for b_start, b_end in breaks])
    db.session.add(shift)
    db.session.flush()
    if commit:
        db.session.commit()
    return shift


def _check_shift_times(start: datetime, end: datetime, breaks) -> None:
    if end <= start:
        raise Invalid("A shift ends after it starts.", code="SHIFT_TIMES_INVALID")
    if end - start > timedelta(hours=MAX_SHIFT_HOURS):
        raise Invalid("A shift lasts at most %(max_shift_hours)s hours.", code="SHIFT_TOO_LONG", params={"max_shift_hours": MAX_SHIFT_HOURS})
    for b_start, b_end in breaks:
        if not (start <= b_start < b_end <= end):
            raise Invalid("Each break lies inside its shift and ends after it starts.", code="BREAK_INVALID")


def _shift_place(kind: str, grid: str | None, post: str | None, person: User) -> tuple[Grid | None, Post | None]:
    if kind not in SHIFT_KINDS:
        raise Invalid("Unknown shift kind %(kind)s; use patrol or fixed_post.", code="UNKNOWN_SHIFT_KIND", params={"kind": repr(kind)})
    if kind == "patrol":
        if not grid or post:
            raise Invalid("A patrol shift names a grid (and no post).", code="SHIFT_PLACE_INVALID")
        place = lookup.grid_by_code(grid)
    else:
        if not post or grid:
            raise Invalid("A fixed-post shift names a post (and no grid).", code="SHIFT_PLACE_INVALID")
        place = lookup.post_by_code(post)
    if place.district_id != person.district_id:
        raise Invalid("%(code)s is in another district than officer %(badge_no)s.",
                      code="PLACE_OTHER_DISTRICT", params={"code": place.code, "badge_no": person.badge_no})
    return (place, None) if kind == "patrol" else (None, place)


def _check_no_overlap(officer_id: int, start: datetime, end: datetime) -> None:
    clash = db.session.scalar(select(Shift).where(
        Shift.officer_id == officer_id, Shift.start < end, Shift.end > start))
    if clash is not None:
        raise Conflict("The officer already has shift %(id)s at that time.", code="SHIFT_OVERLAP",
                       details={"shift_id": clash.id}, params={"id": clash.id})


def _commit_or_conflict(message: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(message, code="CONFLICT") from exc
