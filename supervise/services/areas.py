"""The patrol area of a shift (its grid polygon or its fixed post's circle) as a geo.Area."""
from __future__ import annotations

import json
from functools import lru_cache

from supervise.geo.area import Area
from supervise.models import Grid, Post, Shift


@lru_cache(maxsize=4096)
def _grid_area(geometry_json: str) -> Area:
    return Area.from_geojson(json.loads(geometry_json))


@lru_cache(maxsize=4096)
def _post_area(lat: float, lon: float, radius_m: float) -> Area:
    return Area.circle(lat, lon, radius_m)


def area_of_grid(grid: Grid) -> Area:
    """The grid's WGS-84 polygon as an Area (cached by geometry, so edits are seen)."""
    return _grid_area(json.dumps(grid.geometry, sort_keys=True))


def area_of_post(post: Post) -> Area:
    """The fixed post's circle as an Area."""
    return _post_area(post.lat, post.lon, post.radius_m)


def area_for_shift(shift: Shift) -> Area:
    """Where the officer of this shift is supposed to be."""
    return area_of_grid(shift.grid) if shift.kind == "patrol" else area_of_post(shift.post)
