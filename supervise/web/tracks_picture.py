"""The picture of a shift's track over its grid, for a browser session.

The access check and the analysis are the track service's (`shift_track`); this only draws it.
"""
from __future__ import annotations

import numpy as np
from flask_babel import gettext as _

from supervise.errors import NotFound
from supervise.services import tracks
from supervise.services.access import Actor
from supervise.tracks.render import LEGEND_NAMES, render_svg


def shift_svg(actor: Actor, shift_id: int) -> str:
    """The shift's track as an SVG document; 403 for those who may not see the officer, 404 before
    the shift has started."""
    track = tracks.shift_track(actor, shift_id)
    if track.analysis is None:
        raise NotFound(_("The shift has not started; there is no track yet."))
    shift = track.shift
    which = _("shift #%(id)s", id=shift.id)
    title = f"{shift.officer.name or ''} {shift.officer.badge_no or ''} · {which}".strip()
    return render_svg(track.area, track.positions.t, track.positions.lat, track.positions.lon, track.analysis,
                      title=title, legend={key: _(name) for key, name in LEGEND_NAMES.items()})


# ---------------------------------------------------------------- the interactive map's data

MAX_MAP_POINTS = 3000


def tile_settings() -> dict | None:
    """The configured base tiles (`SUPERVISE_TILE_URL`, `SUPERVISE_TILE_CRS`), or None: the overlays
    are then drawn on a plain background and nothing is fetched from elsewhere."""
    from flask import current_app

    url = (current_app.config.get("TILE_URL") or "").strip()
    if not url:
        return None
    crs = (current_app.config.get("TILE_CRS") or "wgs84").strip().lower()
    return {"url": url, "crs": "gcj02" if crs == "gcj02" else "wgs84",
            "subdomains": current_app.config.get("TILE_SUBDOMAINS") or "01234567",
            "attribution": current_app.config.get("TILE_ATTRIBUTION") or ""}


class _Datum:
    """Puts WGS-84 (lat, lon) in the datum of the base tiles: GCJ-02 for Amap-like tiles."""

    def __init__(self, tiles: dict | None) -> None:
        self.gcj = bool(tiles and tiles["crs"] == "gcj02")

    def points(self, lat, lon) -> list[list[float]]:
        lat, lon = np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float))
        if self.gcj and lat.size:
            from supervise.geo.datum import wgs84_to_gcj02

            lon, lat = wgs84_to_gcj02(lon, lat)
        return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lat, lon, strict=True)]

    def point(self, lat: float, lon: float) -> list[float]:
        return self.points([lat], [lon])[0]


def area_layer(area, datum: _Datum) -> dict:
    """The area's rings as (lat, lon) lists and its centre, in the map's datum."""
    rings = []
    for ring in area.rings_xy():
        lat, lon = area.projection.to_latlon(ring[:, 0], ring[:, 1])
        rings.append(datum.points(lat, lon))
    lat, lon = area.centroid
    return {"rings": rings, "centre": datum.point(lat, lon),
            "circle_m": area.circle_radius_m}


def grid_map(area) -> dict:
    """The map of one area (an inspector's way to the grid): its outline and its centre."""
    tiles = tile_settings()
    return {"tiles": tiles, "area": area_layer(area, _Datum(tiles)), "labels": _labels()}


def flag_map(actor: Actor, flag, evidence: dict) -> dict | None:
    """The flag page's map: the grid, the shift's track coloured by time with the flagged span
    highlighted, stays as circles of their radius, gaps dashed, and the sign-in point with its
    accuracy; all in the datum of the base tiles. None when the flag has no shift to place it."""
    from supervise.errors import DomainError
    from supervise.services.areas import area_for_shift

    if flag.shift is None:
        return None
    tiles = tile_settings()
    datum = _Datum(tiles)
    view = {"tiles": tiles, "area": area_layer(area_for_shift(flag.shift), datum), "labels": _labels(),
            "span": [flag.start.timestamp(), flag.end.timestamp()], "track": [], "stays": [], "gaps": []}
    if "track_segment" in evidence:
        try:
            view.update(_track_layers(tracks.shift_track(actor, flag.shift_id), datum))
        except DomainError:
            pass
    checkin = evidence.get("checkin") or {}
    where = checkin.get("location")
    if where:
        view["checkin"] = {"at": datum.point(where["lat"], where["lon"]), "accuracy_m": where.get("accuracy_m")}
    return view


def _track_layers(track, datum: _Datum) -> dict:
    t, lat, lon = track.positions.t, track.positions.lat, track.positions.lon
    keep = np.isfinite(lat) & np.isfinite(lon)
    t, lat, lon = t[keep], lat[keep], lon[keep]
    step = max(1, t.size // MAX_MAP_POINTS)
    sampled = datum.points(lat[::step], lon[::step])
    points = [[*p, round(float(s), 1)] for p, s in zip(sampled, t[::step], strict=True)]
    stays = [{"at": datum.point(s.lat, s.lon), "radius_m": round(s.radius_m, 1), "from": s.start.timestamp(),
              "to": s.end.timestamp(), "label": f"{_hm(s.start)}–{_hm(s.end)}"} for s in track.analysis.stays]
    gaps = []
    for gap in track.analysis.gaps:
        i = int(np.searchsorted(t, gap.start.timestamp() - 0.5))
        if i + 1 < t.size:
            gaps.append({"line": datum.points(lat[i:i + 2], lon[i:i + 2]), "label":
                         f"{_hm(gap.start)}–{_hm(gap.end)}"})
    return {"track": points, "stays": stays, "gaps": gaps}


def _hm(moment) -> str:
    from supervise.timeutil import SHANGHAI

    return moment.astimezone(SHANGHAI).strftime("%H:%M")


def _labels() -> dict:
    from flask_babel import gettext as _

    return {"grid": _("Grid"), "track": _("Track"), "span": _("Flagged span"), "stay": _("Stay"),
            "gap": _("No positions"), "checkin": _("Sign-in"), "accuracy": _("accuracy"),
            "centre": _("Grid centre"), "earlier": _("earlier"), "later": _("later")}
