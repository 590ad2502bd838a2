"""The simulated city: grids and posts in local metres around Harbin, and their WGS-84 form.

Positions are (x east, y north) metres from ORIGIN on a sphere; a few kilometres from the origin
this differs from the service's own projection by centimetres, which no rule can notice.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ORIGIN = (45.7600, 126.6200)  # lat, lon: central Harbin
EARTH_RADIUS_M = 6_371_008.8
DISTRICTS = ("DL", "NG", "DW")
DISTRICT_NAMES = {"DL": "道里区", "NG": "南岗区", "DW": "道外区"}


def to_latlon(x, y):
    """WGS-84 degrees of local metres (arrays or floats)."""
    lat0, lon0 = ORIGIN
    lat = lat0 + np.degrees(np.asarray(y, dtype=float) / EARTH_RADIUS_M)
    lon = lon0 + np.degrees(np.asarray(x, dtype=float) / (EARTH_RADIUS_M * math.cos(math.radians(lat0))))
    return lat, lon


@dataclass(frozen=True)
class Rect:
    """An axis-aligned grid: centre and half sizes in metres."""

    cx: float
    cy: float
    hw: float
    hh: float

    def outside_m(self, x, y):
        """Distance (m) from each point to the rectangle, 0 inside."""
        dx = np.maximum(np.abs(np.asarray(x) - self.cx) - self.hw, 0.0)
        dy = np.maximum(np.abs(np.asarray(y) - self.cy) - self.hh, 0.0)
        return np.hypot(dx, dy)

    def random_inside(self, rng: np.random.Generator, inset: float = 15.0) -> tuple[float, float]:
        """A uniform point at least `inset` metres inside."""
        return (float(rng.uniform(self.cx - self.hw + inset, self.cx + self.hw - inset)),
                float(rng.uniform(self.cy - self.hh + inset, self.cy + self.hh - inset)))

    def point_outside(self, rng: np.random.Generator, distance: float) -> tuple[float, float]:
        """A point `distance` metres beyond a randomly chosen side, across from its middle part."""
        side = int(rng.integers(4))
        along = rng.uniform(-0.6, 0.6)
        if side == 0:
            return self.cx + self.hw + distance, self.cy + along * self.hh
        if side == 1:
            return self.cx - self.hw - distance, self.cy + along * self.hh
        if side == 2:
            return self.cx + along * self.hw, self.cy + self.hh + distance
        return self.cx + along * self.hw, self.cy - self.hh - distance

    def nearest_inside(self, x: float, y: float, inset: float = 20.0) -> tuple[float, float]:
        """The point `inset` metres inside the rectangle nearest to (x, y)."""
        return (float(np.clip(x, self.cx - self.hw + inset, self.cx + self.hw - inset)),
                float(np.clip(y, self.cy - self.hh + inset, self.cy + self.hh - inset)))

    def geojson(self) -> dict:
        """The polygon in WGS-84 GeoJSON."""
        xs = [self.cx - self.hw, self.cx + self.hw, self.cx + self.hw, self.cx - self.hw, self.cx - self.hw]
        ys = [self.cy - self.hh, self.cy - self.hh, self.cy + self.hh, self.cy + self.hh, self.cy - self.hh]
        lat, lon = to_latlon(xs, ys)
        return {"type": "Polygon", "coordinates": [[[round(float(o), 7), round(float(a), 7)]
                                                    for a, o in zip(lat, lon, strict=True)]]}


@dataclass(frozen=True)
class Post:
    """A fixed post: a point with a radius."""

    code: str
    district: str
    x: float
    y: float
    radius_m: float

    def outside_m(self, x, y):
        return np.maximum(np.hypot(np.asarray(x) - self.x, np.asarray(y) - self.y) - self.radius_m, 0.0)


@dataclass(frozen=True)
class Grid:
    code: str
    district: str
    rect: Rect


@dataclass
class City:
    """Grids and posts of the simulated districts."""

    grids: list[Grid] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)

    def grids_of(self, district: str) -> list[Grid]:
        return [g for g in self.grids if g.district == district]

    def posts_of(self, district: str) -> list[Post]:
        return [p for p in self.posts if p.district == district]


def build_city(rng: np.random.Generator, grids_per_district: int = 4, posts_per_district: int = 2) -> City:
    """Districts side by side, each a row of grids 1.5-2.5 km apart; grids 300-800 m by 200-500 m
    (Harbin's grids are a few hundred metres across); posts of radius 30-50 m between them."""
    city = City()
    for d, district in enumerate(DISTRICTS):
        for g in range(grids_per_district):
            rect = Rect(cx=(g - grids_per_district / 2) * 2_000.0 + rng.uniform(-200, 200),
                        cy=(d - 1) * 3_000.0 + rng.uniform(-200, 200),
                        hw=float(rng.uniform(150, 400)), hh=float(rng.uniform(100, 250)))
            city.grids.append(Grid(f"SIM-{district}-G{g + 1}", district, rect))
        for p in range(posts_per_district):
            city.posts.append(Post(f"SIM-{district}-P{p + 1}", district,
                                   x=(p - 0.5) * 2_000.0 + 1_000.0 + rng.uniform(-100, 100),
                                   y=(d - 1) * 3_000.0 + 1_000.0, radius_m=float(rng.uniform(30, 50))))
    return city
