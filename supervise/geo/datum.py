"""WGS-84 / GCJ-02 / BD-09 datum conversion (PURE).

Every function takes and returns ``(lon, lat)`` in that order, like GeoJSON,
as floats or as numpy arrays of any shape (floats in, floats out).

GCJ-02 is the obfuscated datum of Amap/Tencent maps; BD-09 is Baidu's further
offset of GCJ-02. Outside mainland China's bounding box GCJ-02 equals WGS-84.
The inverses are exact to < 1e-9 degrees: they iterate the forward transform
(a fixed-point iteration that converges in a handful of steps) instead of the
usual one-step approximation, which is off by 1-2 m.
"""
from __future__ import annotations

import math

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the obfuscation uses
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_TOL_DEG = 1e-9
_MAX_ITER = 50
DATUMS = ("wgs84", "gcj02", "bd09")


def _out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 in degrees at a WGS-84 point (zero outside China)."""
    x, y = lon - 105.0, lat - 35.0
    s6x, s2x = np.sin(6.0 * x * np.pi), np.sin(2.0 * x * np.pi)
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * s6x + 20.0 * s2x) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * s6x + 20.0 * s2x) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _as_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray, bool]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                                       np.asarray(lat, dtype=np.float64))
    return lon_a, lat_a, lon_a.ndim == 0


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _fwd_gcj(lon, lat):
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def _fwd_bd(lon, lat):
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _rough_bd_inverse(lon, lat):
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(fwd, lon, lat, guess):
    """Solve fwd(p) == (lon, lat) by fixed-point iteration from `guess`."""
    glon, glat = guess
    for _ in range(_MAX_ITER):
        flon, flat = fwd(glon, glat)
        elon, elat = flon - lon, flat - lat
        glon, glat = glon - elon, glat - elat
        if np.all(np.abs(elon) < _TOL_DEG) and np.all(np.abs(elat) < _TOL_DEG):
            break
    return glon, glat


def wgs84_to_gcj02(lon, lat):
    """WGS-84 (lon, lat) to GCJ-02 (lon, lat); unchanged outside China."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _out(*_fwd_gcj(lon_a, lat_a), scalar)


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 (lon, lat) to WGS-84 (lon, lat), exact inverse to < 1e-9 degrees."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    dlon, dlat = _delta(lon_a, lat_a)
    res = _invert(_fwd_gcj, lon_a, lat_a, (lon_a - dlon, lat_a - dlat))
    return _out(*res, scalar)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 (lon, lat) to BD-09 (lon, lat)."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _out(*_fwd_bd(lon_a, lat_a), scalar)


def bd09_to_gcj02(lon, lat):
    """BD-09 (lon, lat) to GCJ-02 (lon, lat), exact inverse to < 1e-9 degrees."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    res = _invert(_fwd_bd, lon_a, lat_a, _rough_bd_inverse(lon_a, lat_a))
    return _out(*res, scalar)


def wgs84_to_bd09(lon, lat):
    """WGS-84 (lon, lat) to BD-09 (lon, lat)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """BD-09 (lon, lat) to WGS-84 (lon, lat), exact to < 1e-9 degrees per step."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon, lat, datum: str):
    """(lon, lat) in `datum` ('wgs84', 'gcj02' or 'bd09', case-insensitive) to WGS-84.

    Raises ValueError for any other datum name.
    """
    name = str(datum).strip().lower().replace("-", "").replace("_", "")
    if name == "wgs84":
        lon_a, lat_a, scalar = _as_arrays(lon, lat)
        return _out(lon_a.copy(), lat_a.copy(), scalar)
    if name == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if name == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")
