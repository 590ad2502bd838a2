"""Demo world: tracks for today's shifts, up to now, walked inside each officer's grid.

An officer walks back and forth along the long axis of their grid (on Central Street that is
the street itself) at about 1.1 m/s, a fix every 10 s with ~6 m of GPS noise and a reported
accuracy of 5-15 m; a fixed-post officer stands at the post. Three officers misbehave so the
checks have something to find:

* HRB-DL-0003 sits in a café on Central Street for 40 minutes (idle);
* HRB-DL-0005 leaves the grid for about 15 minutes (off post);
* HRB-NG-0002's phone is silent for 30 minutes (track gap).

Fixes are a pure function of the shift and the officer, so a re-run stores only the fixes
that have become due since (the unique (officer, ts) index skips the others).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime

import numpy as np
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Shift
from supervise.services.areas import area_for_shift
from supervise.services.tracks import store_positions
from supervise.timeutil import local_day_bounds, utcnow
from supervise.tracks.filtering import FixArrays

STEP_S = 10.0
WALK_MPS = 1.1
NOISE_M = 6.0
IDLER, WANDERER, SILENT = "HRB-DL-0003", "HRB-DL-0005", "HRB-NG-0002"
TROUBLE_AFTER_S = 75 * 60


def add_demo_tracks(today: date, now: datetime | None = None) -> Iterator[str]:
    """Store today's demo positions due by `now` (default: the current instant); yields one
    line saying how many were added."""
    day_start, day_end = local_day_bounds(today)
    now = (now or utcnow()).timestamp()
    shifts = db.session.scalars(select(Shift).where(Shift.start >= day_start, Shift.start < day_end)
                                .order_by(Shift.start, Shift.id)).all()
    added = walked = 0
    for shift in shifts:
        fixes = demo_fixes(shift, now)
        if len(fixes):
            added += store_positions(shift.officer_id, fixes, "osmand", now)
            walked += 1
    db.session.commit()
    yield (f"tracks: {added} positions added for {walked} shifts under way "
           f"({IDLER} idles 40 min, {WANDERER} leaves the grid 15 min, {SILENT}'s phone is silent 30 min)")


def demo_fixes(shift: Shift, now: float) -> FixArrays:
    """The demo fixes of a shift from its start up to `now` (none in the future)."""
    t0, t1 = shift.start.timestamp(), min(shift.end.timestamp(), now)
    if t1 <= t0:
        return FixArrays.empty()
    badge = shift.officer.badge_no
    rng = np.random.default_rng(int(hashlib.sha256(f"{badge}{t0}".encode()).hexdigest()[:12], 16))
    n_all = int((shift.end.timestamp() - t0) // STEP_S) + 1
    t = t0 + np.arange(n_all) * STEP_S
    area = area_for_shift(shift)
    x, y = _route(area, shift.kind == "fixed_post", t - t0, badge)
    x = x + rng.normal(0.0, NOISE_M, n_all)
    y = y + rng.normal(0.0, NOISE_M, n_all)
    acc = rng.uniform(5.0, 15.0, n_all).round(1)
    keep = t <= t1
    if badge == SILENT and shift.kind == "patrol":
        g0 = silence_start(2 * _long_axis(area)[2])
        keep &= ~((t - t0 >= g0) & (t - t0 < g0 + 30 * 60))
    lat, lon = area.projection.to_latlon(x[keep], y[keep])
    n = int(keep.sum())
    return FixArrays(t[keep], np.round(lat, 7), np.round(lon, 7), acc[keep], np.full(n, WALK_MPS),
                     np.zeros(n, dtype=bool))


def _route(area, fixed_post: bool, elapsed: np.ndarray, badge: str) -> tuple[np.ndarray, np.ndarray]:
    """Projected metres of a walk along the area's long axis (or standing at a post)."""
    if fixed_post:
        return np.zeros(elapsed.size), np.zeros(elapsed.size)
    centre, axis, half = _long_axis(area)
    across = np.array([-axis[1], axis[0]])
    span = 2 * half
    clock = _walk_clock(elapsed, badge, span)
    phase = (clock * WALK_MPS) % (2 * span)
    along = np.where(phase < span, phase, 2 * span - phase) - half
    side = np.zeros(elapsed.size)
    if badge == IDLER:
        side = np.where((elapsed >= TROUBLE_AFTER_S) & (elapsed < TROUBLE_AFTER_S + 40 * 60), 25.0, side)
    if badge == WANDERER:
        # Out and back at walking pace; beyond ~130 m (half the band plus the buffer) for ~15 min.
        window = 15 * 60 + 2 * 130 / WALK_MPS
        into = elapsed - TROUBLE_AFTER_S
        side = np.clip(np.minimum(into, window - into) * WALK_MPS, 0.0, 260.0)
    x = centre[0] + along * axis[0] + side * across[0]
    y = centre[1] + along * axis[1] + side * across[1]
    return x, y


def _walk_clock(elapsed: np.ndarray, badge: str, span: float) -> np.ndarray:
    """Seconds of walking done: the idler stops the clock in the café; the silent phone's
    officer goes quiet at one end of the street and reappears at the other (so the two
    fixes around the silence are not mistaken for a stay)."""
    if badge == IDLER:
        return elapsed - np.clip(elapsed - TROUBLE_AFTER_S, 0.0, 40 * 60)
    if badge == SILENT:
        g0 = silence_start(span)
        return np.where(elapsed < g0 + 30 * 60, elapsed, g0 + span / WALK_MPS + elapsed - g0 - 30 * 60)
    return elapsed


def silence_start(span: float) -> float:
    """When the silent phone goes quiet: the first turn at the street's start after the trouble hour."""
    period = 2 * span / WALK_MPS
    return float(np.ceil(TROUBLE_AFTER_S / period) * period)


def _long_axis(area) -> tuple[np.ndarray, np.ndarray, float]:
    """Centre, unit direction and 85% of the half length of the area's longest extent."""
    ring = area.rings_xy()[0][:-1]
    centre = ring.mean(axis=0)
    _, _, vt = np.linalg.svd(ring - centre)
    axis = vt[0]
    half = float(np.abs((ring - centre) @ axis).max()) * 0.85
    return centre, axis, half
