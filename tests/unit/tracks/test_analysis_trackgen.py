"""A tiny generator of patrol tracks for the analysis and render tests (no tests here).

Positions are metres east/north of Central Street, Harbin."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from supervise.geo.distance import LocalProjection

ORIGIN = (45.7735, 126.6105)  # Central Street, Harbin (WGS-84)
PROJ = LocalProjection(*ORIGIN)


@dataclass
class Track:
    """Build a track leg by leg; positions in metres east/north of ORIGIN."""

    t0: float
    dt: float = 10.0
    seed: int = 1
    t: list = field(default_factory=list)
    x: list = field(default_factory=list)
    y: list = field(default_factory=list)
    acc: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.now = self.t0
        self.pos = (0.0, 0.0)

    def _emit(self, xs, ys, sigma: float, accuracy: float) -> None:
        n = len(xs)
        ts = self.now + self.dt * np.arange(n)
        self.t += list(ts)
        self.x += list(np.asarray(xs) + self.rng.normal(0, sigma, n))
        self.y += list(np.asarray(ys) + self.rng.normal(0, sigma, n))
        self.acc += [accuracy] * n
        self.now = ts[-1] + self.dt if n else self.now

    def walk(self, *waypoints, speed: float = 1.2, sigma: float = 3.0,
             accuracy: float = np.nan) -> Track:
        """Walk from the current position through the waypoints at `speed` m/s."""
        pts = np.array([self.pos, *waypoints], dtype=float)
        seg = np.hypot(*np.diff(pts, axis=0).T)
        cum = np.r_[0.0, np.cumsum(seg)]
        s = np.arange(0.0, cum[-1], speed * self.dt)
        self._emit(np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1]), sigma, accuracy)
        self.pos = tuple(pts[-1])
        return self

    def sit(self, seconds: float, sigma: float = 3.0, outliers: float = 0.0,
            accuracy: float = np.nan) -> Track:
        """Stay at the current position; `outliers` is the share of 40 m wild fixes."""
        n = round(seconds / self.dt)
        xs, ys = np.full(n, self.pos[0]), np.full(n, self.pos[1])
        wild = self.rng.random(n) < outliers
        ang = self.rng.uniform(0, 2 * np.pi, n)
        xs = xs + np.where(wild, 40 * np.cos(ang), 0.0)
        ys = ys + np.where(wild, 40 * np.sin(ang), 0.0)
        self._emit(xs, ys, sigma, accuracy)
        return self

    def silence(self, seconds: float) -> Track:
        self.now += seconds
        return self

    def fix(self, x: float, y: float, accuracy: float = np.nan) -> Track:
        """One exact fix at (x, y) without moving the walker."""
        self.t.append(self.now)
        self.x.append(x)
        self.y.append(y)
        self.acc.append(accuracy)
        self.now += self.dt
        return self

    def arrays(self):
        """(t, lat, lon, acc) numpy arrays."""
        lat, lon = PROJ.to_latlon(np.array(self.x), np.array(self.y))
        return np.array(self.t), lat, lon, np.array(self.acc)


def square_area_geojson(x0: float, y0: float, x1: float, y1: float) -> dict:
    ring = [list(PROJ.to_latlon(x, y)[::-1]) for x, y in
            [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    return {"type": "Polygon", "coordinates": [ring]}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
