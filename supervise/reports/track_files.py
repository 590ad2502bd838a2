"""PURE: a shift's positions as GPX 1.1 (what OsmAnd, QGIS and the map apps open) or as CSV."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from supervise.reports.tables import csv_bytes


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def gpx_text(name: str, t: Sequence[float], lat: Sequence[float], lon: Sequence[float],
             acc: Sequence[float]) -> str:
    """One track with one segment, WGS-84, times in UTC; a fix's reported accuracy (GPX has no field
    for metres) is kept in its <desc>."""
    points = []
    for ti, la, lo, ac in zip(t, lat, lon, acc, strict=True):
        desc = "" if math.isnan(ac) else f"<desc>accuracy_m={ac:.1f}</desc>"   
        points.append(f'<trkpt lat="{la:.7f}" lon="{lo:.7f}"><time>{_iso(ti)}</time>{desc}</trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="supervise" xmlns="http://www.topografix.com/GPX/1/1">\n'
            f"<metadata><name>{escape(name)}</name></metadata>\n"
            f"<trk><name>{escape(name)}</name><trkseg>\n" + "\n".join(points) + "\n</trkseg></trk>\n</gpx>\n")


def track_csv(t: Sequence[float], lat: Sequence[float], lon: Sequence[float], acc: Sequence[float],
              local: Callable[[float], str]) -> bytes:
    """`time,lat,lon,accuracy,time_local`: the track import's columns first, Shanghai time beside."""
    rows = ([_iso(ti), round(la, 7), round(lo, 7), None if math.isnan(ac) else round(ac, 1), local(ti)]
            for ti, la, lo, ac in zip(t, lat, lon, acc, strict=True))
    return csv_bytes(["time", "lat", "lon", "accuracy", "time_local"], rows)
