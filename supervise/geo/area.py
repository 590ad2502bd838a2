"""An assigned patrol area (grid polygon or fixed post circle) in WGS-84 (PURE).

Geometry is held projected to local metres (an equirectangular projection at
the area's centre) so that distances and areas are plain planar shapely 2
operations, vectorized over numpy arrays of fixes.
"""
from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from supervise.geo.distance import LocalProjection

_POLYGON_TYPES = ("Polygon", "MultiPolygon")
# Wider than any district of Harbin (the whole municipality spans ~5° by ~4°): a polygon beyond this
# has a ring crossing the antimeridian or positions from far away, and no local projection fits it.
MAX_SPAN_DEG = 10.0
_NUMPY_EDGES_MAX = 64  # beyond this shapely's distance beats a points x edges matrix


def _distance_to_edges(px: np.ndarray, py: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest of the segments (broadcast points x edges)."""
    ax, ay, bx, by = (e[None, :] for e in edges)
    dx, dy = bx - ax, by - ay
    len2 = np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1.0)
    qx, qy = px[:, None] - ax, py[:, None] - ay
    u = np.clip((qx * dx + qy * dy) / len2, 0.0, 1.0)
    return np.hypot(qx - u * dx, qy - u * dy).min(axis=1)


def _unwrap(geometry: Any) -> Any:
    """Accept a GeoJSON Feature as well as a bare geometry."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        return geometry.get("geometry")
    return geometry


def _polygons_coords(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def _ring_problems(ring: Any, where: str) -> list[str]:
    if not isinstance(ring, (list, tuple)):
        return [f"{where} is not a list of positions"]
    problems: list[str] = []
    for k, pos in enumerate(ring):
        ok = (isinstance(pos, (list, tuple)) and len(pos) >= 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos[:2])
              and all(math.isfinite(v) for v in pos[:2]))
        if not ok:
            return problems + [f"{where} position {k} is not [lon, lat] numbers"]
        lon, lat = pos[0], pos[1]
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            problems.append(f"{where} position {k} ({lon}, {lat}) is out of range "
                            "(expected [lon, lat] with lon in -180..180, lat in -90..90)")
            break
    if problems:
        return problems
    if len(ring) < 4:
        problems.append(f"{where} has {len(ring)} positions; a closed ring needs at least 4")
    elif list(ring[0][:2]) != list(ring[-1][:2]):
        problems.append(f"{where} is not closed (first position differs from last)")
    return problems


def _structure_problems(geometry: Any) -> list[str]:
    if not isinstance(geometry, dict) or "type" not in geometry:
        return ["geometry is not a GeoJSON object with a type"]
    if geometry["type"] not in _POLYGON_TYPES:
        return [f"geometry type {geometry['type']!r} is not Polygon or MultiPolygon"]
    coords = geometry.get("coordinates")
    if not isinstance(coords, (list, tuple)) or not coords:
        return ["geometry has no coordinates"]
    problems: list[str] = []
    for p, rings in enumerate(_polygons_coords(geometry)):
        if not isinstance(rings, (list, tuple)) or not rings:
            problems.append(f"polygon {p} has no rings")
            continue
        for r, ring in enumerate(rings):
            problems += _ring_problems(ring, f"polygon {p} ring {r}")
    return problems


def validate_polygon_geojson(geometry: Any) -> list[str]:
    """Human-readable problems with a GeoJSON Polygon/MultiPolygon (lon, lat); [] if fine.

    Reports: not a polygon, malformed or out-of-range positions, rings with fewer
    than 4 positions, unclosed rings, and self-intersection or other invalidity
    (shapely's reason). `Area.from_geojson` repairs the last two (closes rings,
    applies make_valid) but refuses the others.
    """
    geometry = _unwrap(geometry)
    problems = _structure_problems(geometry)
    if problems:
        return problems
    try:
        geom = _build_lonlat(geometry)
    except ValueError as exc:
        return [str(exc)]
    if not shapely.is_valid(geom):
        problems.append(f"polygon is not valid: {shapely.is_valid_reason(geom)}")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if max_lon - min_lon > MAX_SPAN_DEG or max_lat - min_lat > MAX_SPAN_DEG:
        problems.append(f"polygon spans {max_lon - min_lon:.1f}° of longitude and {max_lat - min_lat:.1f}° of "
                        f"latitude, more than the {MAX_SPAN_DEG:.0f}° any patrol area needs (a ring across the "
                        "180th meridian, or positions from far away?)")
    return problems


def _closed(ring: list) -> list:
    pts = [tuple(p[:2]) for p in ring]
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return pts


def _build_lonlat(geometry: dict) -> MultiPolygon:
    polys = []
    for rings in _polygons_coords(geometry):
        closed = [_closed(r) for r in rings]
        if len(set(closed[0])) < 3:
            raise ValueError("polygon has fewer than 3 distinct positions")
        polys.append(Polygon(closed[0], closed[1:]))
    return MultiPolygon(polys)


def _polygonal(geom: Any) -> Any:
    """Keep only the polygonal parts of make_valid's result."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGON_TYPES]
    parts = [p for g in parts for p in shapely.get_parts(g)]
    return MultiPolygon(parts) if parts else None


class Area:
    """A patrol area in WGS-84: a polygon (grid/net) or a circle (fixed post).

    Build with `Area.from_geojson(geometry)` or `Area.circle(lat, lon, radius_m)`.
    Distances are in metres to the area's edge, 0 inside.
    """

    def __init__(self, geometry_xy: Any, projection: LocalProjection,
                 *, circle_radius_m: float | None = None) -> None:
        self.projection = projection
        self.geometry_xy = geometry_xy
        self.circle_radius_m = circle_radius_m
        shapely.prepare(self.geometry_xy)

    @classmethod
    def from_geojson(cls, geometry: Any) -> Area:
        """An area from a GeoJSON Polygon/MultiPolygon (or a Feature holding one) in WGS-84.

        Unclosed rings are closed and self-intersections repaired with make_valid;
        anything else `validate_polygon_geojson` reports raises ValueError.
        """
        geometry = _unwrap(geometry)
        problems = [p for p in _structure_problems(geometry) if "not closed" not in p]
        if problems:
            raise ValueError("; ".join(problems))
        geom = _build_lonlat(geometry)
        if not shapely.is_valid(geom):
            geom = _polygonal(shapely.make_valid(geom))
        if geom is None or geom.is_empty or geom.area == 0:
            raise ValueError("polygon has no area")
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        proj = LocalProjection((min_lat + max_lat) / 2.0, (min_lon + max_lon) / 2.0)
        geom_xy = shapely.transform(geom, lambda c: np.column_stack(proj.to_xy(c[:, 1], c[:, 0])))
        return cls(geom_xy, proj)

    @classmethod
    def circle(cls, lat: float, lon: float, radius_m: float) -> Area:
        """A fixed post: the disc of `radius_m` metres around (lat, lon)."""
        if not radius_m > 0:
            raise ValueError("radius_m must be positive")
        proj = LocalProjection(lat, lon)
        return cls(shapely.Point(0.0, 0.0).buffer(radius_m, quad_segs=32), proj,
                   circle_radius_m=float(radius_m))

    @property
    def is_circle(self) -> bool:
        """True for a fixed post built with `Area.circle`."""
        return self.circle_radius_m is not None

    def distances_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Metres from projected points (see `projection`) to the area; 0 inside."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if self.circle_radius_m is not None:
            return np.maximum(np.hypot(x, y) - self.circle_radius_m, 0.0)
        d = np.zeros(np.broadcast(x, y).shape)
        out = ~shapely.contains_xy(self.geometry_xy, x, y)
        if out.any():
            px, py = np.broadcast_to(x, d.shape)[out], np.broadcast_to(y, d.shape)[out]
            if self._edges.shape[1] <= _NUMPY_EDGES_MAX:
                d[out] = _distance_to_edges(px, py, self._edges)
            else:
                d[out] = shapely.distance(self.geometry_xy, shapely.points(px, py))
        return d

    @cached_property
    def _edges(self) -> np.ndarray:
        """(4, m) array of ring segments ax, ay, bx, by."""
        segs = [np.vstack([r[:-1, 0], r[:-1, 1], r[1:, 0], r[1:, 1]]) for r in self.rings_xy()]
        return np.hstack(segs)

    def distances_m(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Metres from each (lat, lon) to the area; 0 inside (vectorized)."""
        x, y = self.projection.to_xy(np.asarray(lats, dtype=np.float64),
                                     np.asarray(lons, dtype=np.float64))
        return self.distances_xy(np.atleast_1d(x), np.atleast_1d(y))

    def distance_m(self, lat: float, lon: float) -> float:
        """Metres from one (lat, lon) to the area; 0 inside."""
        return float(self.distances_m(np.array([lat]), np.array([lon]))[0])

    def contains(self, lat: float, lon: float) -> bool:
        """Whether (lat, lon) lies inside the area (edges count as inside)."""
        return self.distance_m(lat, lon) == 0.0

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) in WGS-84 degrees."""
        x0, y0, x1, y1 = self.geometry_xy.bounds
        lat0, lon0 = self.projection.to_latlon(x0, y0)
        lat1, lon1 = self.projection.to_latlon(x1, y1)
        return (lon0, lat0, lon1, lat1)

    @cached_property
    def area_m2(self) -> float:
        """Surface in square metres (exact pi r^2 for a circle)."""
        if self.circle_radius_m is not None:
            return math.pi * self.circle_radius_m ** 2
        return float(self.geometry_xy.area)

    @cached_property
    def centroid(self) -> tuple[float, float]:
        """(lat, lon) of the area's centroid."""
        c = self.geometry_xy.centroid
        return self.projection.to_latlon(c.x, c.y)

    def rings_xy(self) -> list[np.ndarray]:
        """Every exterior and interior ring as an (n, 2) array of projected metres."""
        rings = []
        for poly in shapely.get_parts(self.geometry_xy):
            rings.append(np.asarray(poly.exterior.coords)[:, :2])
            rings += [np.asarray(r.coords)[:, :2] for r in poly.interiors]
        return rings

    def to_geojson(self) -> dict:
        """The area as a GeoJSON geometry dict in WGS-84 (lon, lat)."""
        proj = self.projection
        geom = shapely.transform(self.geometry_xy,
                                 lambda c: np.column_stack(proj.to_latlon(c[:, 0], c[:, 1])[::-1]))
        return mapping(geom)

    def coverage_grid(self, size_m: float) -> tuple[float, float, np.ndarray]:
        """A lattice of size_m square cells over the area's bbox: (x0, y0, inside)
        where cell (row i, col j) spans x0 + j*size_m .. and y0 + i*size_m .. in
        projected metres, and inside[i, j] says its centre lies in the area (at
        least one cell is inside, even for an area smaller than a cell). Cached."""
        cache = self.__dict__.setdefault("_grids", {})
        if size_m not in cache:
            x0, y0, x1, y1 = self.geometry_xy.bounds
            nx = max(1, math.ceil((x1 - x0) / size_m))
            ny = max(1, math.ceil((y1 - y0) / size_m))
            cx = x0 + (np.arange(nx) + 0.5) * size_m
            cy = y0 + (np.arange(ny) + 0.5) * size_m
            gx, gy = np.meshgrid(cx, cy)
            inside = shapely.contains_xy(self.geometry_xy, gx, gy)
            if not inside.any():
                c = self.geometry_xy.centroid
                row = min(ny - 1, int((c.y - y0) // size_m))
                col = min(nx - 1, int((c.x - x0) // size_m))
                inside[row, col] = True
            cache[size_m] = (x0, y0, inside)
        return cache[size_m]
