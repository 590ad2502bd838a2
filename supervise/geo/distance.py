"""Distances on the Earth and a local metric projection (PURE).

Functions here take latitude first, ``(lat, lon)``, in WGS-84 degrees.
"""
from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6371008.8  # IUGG mean radius


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres; scalars give a float, arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    d = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


class LocalProjection:
    """Equirectangular projection to metres around (lat0, lon0).

    Good to well under 0.1 % within a city (tens of km); x points east, y north.
    """

    __slots__ = ("_kx", "_ky", "lat0", "lon0")

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = float(lat0)
        self.lon0 = float(lon0)
        self._ky = np.pi / 180.0 * EARTH_RADIUS_M
        self._kx = self._ky * np.cos(np.radians(self.lat0))

    def to_xy(self, lat, lon):
        """(lat, lon) degrees to (x, y) metres east and north of the origin."""
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self._kx
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * self._ky
        if x.ndim == 0:
            return float(x), float(y)
        return x, y

    def to_latlon(self, x, y):
        """(x, y) metres back to (lat, lon) degrees."""
        lat = np.asarray(y, dtype=np.float64) / self._ky + self.lat0
        lon = np.asarray(x, dtype=np.float64) / self._kx + self.lon0
        if lat.ndim == 0:
            return float(lat), float(lon)
        return lat, lon
