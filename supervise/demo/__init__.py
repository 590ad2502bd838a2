"""The demo world: Harbin's districts, grids, people and today's shifts (idempotent).

`build_demo_world()` yields one line per thing it did, for `supervise demo` to print.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select

from supervise.demo import world
from supervise.extensions import db
from supervise.geo.distance import LocalProjection
from supervise.models import District, Post, Shift, Squad, User
from supervise.services import reference
from supervise.services.access import Actor
from supervise.timeutil import SHANGHAI, local_today

SYSTEM = Actor(id=0, username="system", role="admin", district_id=None)


def build_demo_world(today: date | None = None) -> Iterator[str]:
    """Create whatever of the demo world is missing; running it twice changes nothing.

    The world has yesterday's whole day (so there is always finished work and flags to review,
    whatever the hour) and today's shifts with the evidence due so far.
    """
    today = today or local_today()
    days = (today - timedelta(days=1), today)
    yield from _districts()
    yield from _grids_and_posts()
    yield from _people()
    for day in days:
        yield from _shifts(day)
    yield from _later_parts(days)
    yield from _logins()


def _districts() -> Iterator[str]:
    added = 0
    for code, name, name_en, main_city, _centre in world.DISTRICTS:
        if db.session.scalar(select(District).where(District.code == code)) is None:
            reference.create_district(SYSTEM, code, name, name_en, main_city)
            added += 1
        for squad_code, squad_name in world.SQUADS.get(code, []):
            district = db.session.scalar(select(District).where(District.code == code))
            if db.session.scalar(select(Squad).where(Squad.district_id == district.id, Squad.code == squad_code)) is None:
                reference.create_squad(SYSTEM, code, squad_code, squad_name)
    yield f"districts: {added} added, {len(world.DISTRICTS)} in the demo world"


def _square(lat: float, lon: float, east_m: float, north_m: float, size_m: float) -> list[tuple[float, float]]:
    projection = LocalProjection(lat, lon)
    corners = [(east_m, north_m), (east_m + size_m, north_m), (east_m + size_m, north_m + size_m),
               (east_m, north_m + size_m)]
    ring = []
    for x, y in corners:
        c_lat, c_lon = projection.to_latlon(x, y)
        ring.append((round(float(c_lon), 6), round(float(c_lat), 6)))
    return ring


def grid_features() -> list[dict]:
    """The demo grid hierarchy as GeoJSON features: a domain per district, its nets, their grids."""
    grids: list[tuple[str, str, str, str, list]] = list(world.NAMED_GRIDS)
    for code, name, _en, _main, (lat, lon) in world.DISTRICTS:
        nets = 2 if code == "NG" else 1
        for net in range(1, nets + 1):
            for k in range(6 if code == "NG" else 2):
                east = (net - 1) * 1400 + (k % 3) * 420 - 1100
                north = (k // 3) * 420 - 420 if code == "NG" else -900 - k * 420
                grids.append((f"{code}-N{net:02d}-G{k + 1:02d}", f"{name}{net}网{k + 1}格", code, f"{code}-N{net:02d}",
                              _square(lat, lon, east, north, 400)))
    return _with_parents(grids)


def _with_parents(grids: list[tuple]) -> list[dict]:
    features = []
    parents: dict[str, list] = {}
    for code, name, district, net, ring in grids:
        parents.setdefault(net, []).extend(ring)
        features.append(_feature(code, name, district, "grid", net, ring))
    domains: dict[str, list] = {}
    for net, points in parents.items():
        district = net.split("-")[0]
        domains.setdefault(district, []).extend(points)
        features.append(_feature(net, f"{net} 网", district, "net", f"{district}-D", _bbox_ring(points, 0.002)))
    for district, points in domains.items():
        features.append(_feature(f"{district}-D", f"{district} 域", district, "domain", None, _bbox_ring(points, 0.004)))
    return features


def _bbox_ring(points: list, pad: float) -> list:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    w, e, s, n = min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad
    return [(round(w, 6), round(s, 6)), (round(e, 6), round(s, 6)), (round(e, 6), round(n, 6)), (round(w, 6), round(n, 6))]


def _feature(code, name, district, level, parent, ring) -> dict:
    closed = [list(p) for p in ring] + [list(ring[0])]
    return {"type": "Feature", "properties": {"code": code, "name": name, "district": district, "level": level,
                                              "parent": parent},
            "geometry": {"type": "Polygon", "coordinates": [closed]}}


def _grids_and_posts() -> Iterator[str]:
    report = reference.import_grids(SYSTEM, {"type": "FeatureCollection", "features": grid_features()},
                                    "wgs84", replace=True)
    yield f"grids: {len(report.created)} added, {len(report.updated)} refreshed (domains, nets and grids)"
    added = 0
    for code, name, district, lat, lon, radius in world.POSTS:
        if db.session.scalar(select(Post).where(Post.code == code)) is None:
            reference.create_post(SYSTEM, code, district, lat, lon, radius, name)
            added += 1
    yield f"fixed posts: {added} added"


def demo_people() -> list[dict]:
    """Every demo account: admin, managers, inspectors and officers, with badge numbers."""
    people = [dict(username="admin", role="admin", name="系统管理员", district=None, badge_no=None, squad=None),
              dict(username="city", role="manager", name="市局督察处", district=None, badge_no=None, squad=None)]
    names = iter(world.OTHER_NAMES * 4)
    for code, name, _en, main_city, _centre in world.DISTRICTS:
        low = code.lower()
        people.append(dict(username=f"mgr-{low}", role="manager", name=f"{name}督察组长", district=code,
                           badge_no=None, squad=None))
        for i in range(1, (3 if main_city else 2)):
            people.append(dict(username=f"insp-{low}-{i}", role="inspector", name=f"{next(names)}(督)",
                               district=code, badge_no=f"HRB-{code}-I{i:02d}", squad=None))
        for n, (person, squad) in enumerate(_officers_of(code, names), 1):
            people.append(dict(username=f"{low}{n:04d}", role="officer", name=person, district=code,
                               badge_no=f"HRB-{code}-{n:04d}", squad=squad))
    return people


def _officers_of(code: str, names) -> list[tuple[str, str]]:
    if code == "DL":
        return [(n, "DL-WOMEN") for n in world.DAOLI_WOMEN] + [(next(names), "DL-01") for _ in range(3)]
    if code == "NG":
        return [(next(names), f"NG-0{1 + i // 5}") for i in range(10)]
    return [(next(names), f"{code}-01") for _ in range(2)]


def _people() -> Iterator[str]:
    added = 0
    for person in demo_people():
        if db.session.scalar(select(User).where(User.username == person["username"])) is None:
            reference.create_officer(SYSTEM, password=world.DEMO_PASSWORD, **person)
            added += 1
    yield f"people: {added} added, {len(demo_people())} in the demo world"


def demo_shifts(today: date) -> list[dict]:
    """Today's staggered shifts: patrols on each district's grids, two fixed posts, one across midnight."""
    officers = db.session.scalars(select(User).where(User.role == "officer").order_by(User.badge_no)).all()
    shifts = []
    for index, officer in enumerate(officers):
        district = officer.district.code
        start_hour, hours = world.SHIFT_PATTERN[index % len(world.SHIFT_PATTERN)]
        place = _place_for(officer, index)
        if place[0] == "post":
            start_hour, hours = 7.5, 4
        start = datetime.combine(today, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=start_hour)
        shifts.append(dict(officer=officer.badge_no, start=start, end=start + timedelta(hours=hours),
                           kind="fixed_post" if place[0] == "post" else "patrol",
                           grid=place[1] if place[0] == "grid" else None,
                           post=place[1] if place[0] == "post" else None, district=district))
    return shifts


def _place_for(officer: User, index: int) -> tuple[str, str]:
    badge = officer.badge_no
    if badge in ("HRB-NG-0010", "HRB-DL-0015"):
        return "post", {"HRB-NG-0010": "NG-P001", "HRB-DL-0015": "DL-P001"}[badge]
    district = officer.district.code
    if district == "DL":
        number = int(badge.rsplit("-", 1)[1])
        return "grid", "DL-G001" if number <= 12 else ("DL-G002" if number == 13 else "DL-G003")
    if district == "NG":
        number = int(badge.rsplit("-", 1)[1])
        return "grid", f"NG-N{1 + (number - 1) // 5:02d}-G{1 + (number - 1) % 5:02d}"
    named = {"DW": "DW-G001", "SB": "SB-G001"}
    if district in named and index % 2 == 0:
        return "grid", named[district]
    return "grid", f"{district}-N01-G01"


def _shifts(today: date) -> Iterator[str]:
    added = 0
    for plan in demo_shifts(today):
        plan.pop("district")
        officer = db.session.scalar(select(User).where(User.badge_no == plan["officer"]))
        exists = db.session.scalar(select(Shift).where(Shift.officer_id == officer.id, Shift.start == plan["start"]))
        if exists is None:
            reference.create_shift(SYSTEM, **plan)
            added += 1
    yield f"shifts for {today.isoformat()}: {added} added (staggered 08:00-04:00, one across midnight, two fixed posts)"


def _later_parts(days: tuple[date, ...]) -> Iterator[str]:
    """The days' evidence: sign-ins, tracks, cross-district inspections, then the checks that judge them."""
    from supervise.demo.checkins import add_demo_checkins
    from supervise.demo.checks import run_demo_checks
    from supervise.demo.inspections import add_demo_inspections
    from supervise.demo.tracks import add_demo_tracks

    for day in days:
        yield from add_demo_checkins(day)
        yield from add_demo_tracks(day)
    yield from add_demo_inspections(days)
    yield from run_demo_checks(days[-1])


def _logins() -> Iterator[str]:
    yield f"demo logins (password for all: {world.DEMO_PASSWORD}):"
    yield "  admin        admin (everything)"
    yield "  city         manager, city-wide"
    yield "  mgr-dl       manager of 道里 Daoli (also mgr-ng, mgr-dw, ... one per district)"
    yield "  insp-ng-1    inspector of 南岗 Nangang: today's cross-district spot checks (likewise insp-dl-1, insp-hl-1, ...)"
    yield "  dl0001       officer HRB-DL-0001, 道里女子中队, 中央大街 (dl0001..dl0015)"
