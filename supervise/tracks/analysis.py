"""What a shift's positions say: stays, excursions, gaps, distance (PURE, numpy).

Design notes (the "why"):

* Jitter. Phone fixes wander 20-50 m around a person sitting still. Positions
  are therefore de-jittered with a centred rolling median (per coordinate, over
  about two minutes of fixes: 5 to 15 fixes). A median leaves monotone stretches
  (walking in a straight line, arriving, leaving) unchanged, so on clean data
  the smoothed track *is* the raw track, while one or two multipath outliers,
  even 300 m away, vanish entirely. Stays, distance, moving time and coverage
  use the smoothed positions; excursions, speed jumps and `last_inside` use the
  raw fixes with their accuracy, because there the error circle is accounted
  for explicitly.
* Stays follow movingpandas' TrajectoryStopDetector (max_diameter = 2R,
  min_duration = T): scanning forward, a stop begins when all fixes of the
  trailing window shorter than T fit in the diameter, grows while every fix
  still fits, and is kept if it lasts at least T; after a stop the fix that
  broke it is skipped. "Fit in the diameter" is the diagonal of the bounding
  box in local metres (movingpandas: of the minimum rotated rectangle; the two
  agree for round clusters and straight approaches). Range extents come from a
  sparse table, so each window test is O(1) and vectorized.
* Distance and moving time count only segments whose speed, measured on the
  smoothed track over a 60 s baseline, exceeds `moving_speed_mps`, that are not inside a stay, are not longer than
  `gap_max_s` (no evidence of the path) and are not speed jumps.
* Speed jumps: consecutive raw fixes whose distance, less both accuracies
  (unknown = 0), still implies more than `max_speed_kmh` (time floor 1 s);
  the reported speed is the plain distance over time.
* Excursions use hysteresis on per-fix "outside" (distance to the area beyond
  `off_post_buffer_m` + accuracy, accuracy capped at 100 m, unknown = 0):
  a run of >= 2 outside fixes starts one, a run of >= 2 inside fixes ends it,
  and a single fix of either kind never changes the state. An excursion runs
  from its first outside fix to the first fix of the inside run that ends it
  (or the last fix).
* Gaps: silences longer than `gap_max_s` between window start, the fixes and
  min(window end, as_of); the parts covered by declared breaks are removed and
  only remaining pieces longer than `gap_max_s` are kept.
* Coverage: the share of the area's 25 m cells whose centre lies within 25 m of
  a smoothed fix; None on fixed posts (standing still is the job there).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from supervise.geo.area import Area
from supervise.tracks.model import (
    AnalysisParams,
    Excursion,
    Span,
    SpeedJump,
    StayPoint,
    TrackAnalysis,
)

SMOOTH_SPAN_S = 120.0
SMOOTH_MIN_FIXES = 5
SMOOTH_MAX_FIXES = 15
MAX_ACCURACY_M = 100.0
MIN_JUMP_DT_S = 1.0
MOVING_BASELINE_S = 60.0
COVERAGE_CELL_M = 25.0
COVERAGE_REACH_M = 25.0


def analyze_track(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    acc: np.ndarray,
    area: Area,
    window: Span,
    params: AnalysisParams,
    *,
    as_of: datetime | None = None,
    mock: np.ndarray | None = None,
    fixed_post: bool = False,
    breaks: Sequence[Span] = (),
    coverage: bool = True,
) -> TrackAnalysis:
    """Analyse the fixes (POSIX seconds, WGS-84, accuracy metres or NaN) of one shift.

    Only fixes inside `window` and not after `as_of` count; datetimes must be
    timezone-aware. See the module docstring for the exact semantics.
    """
    w0 = _posix(window.start)
    end = w0 if as_of is not None and _posix(as_of) < w0 else _posix(window.end)
    if as_of is not None:
        end = max(w0, min(end, _posix(as_of)))
    t, lat, lon, acc, mock_count = _select(t, lat, lon, acc, mock, w0, end)
    gaps = _gaps(t, w0, end, params.gap_max_s, breaks)
    if t.size == 0:
        return TrackAnalysis(window=window, points=0, distance_m=0.0, moving_s=0.0,
                             first_fix=None, last_fix=None, last_inside=None,
                             coverage=None if fixed_post else 0.0, gaps=gaps,
                             mock_fixes=mock_count)
    x, y = area.projection.to_xy(lat, lon)
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    xs, ys = smooth_positions(t, x, y)
    noise = np.hypot(x - xs, y - ys)
    stay_ranges = detect_stays(t, xs, ys, 2.0 * params.idle_radius_m, params.idle_min_s, noise)
    dist = area.distances_xy(x, y)
    outside = dist > params.off_post_buffer_m + acc
    jumps = _speed_jumps(t, x, y, acc, params.max_speed_kmh)
    distance_m, moving_s = _patrol(t, xs, ys, stay_ranges, jumps, params)
    excursions = _excursions(t, outside, dist)
    inside_idx = np.flatnonzero(~outside)
    return TrackAnalysis(
        window=window,
        points=int(t.size),
        distance_m=distance_m,
        moving_s=moving_s,
        first_fix=_dt(t[0]),
        last_fix=_dt(t[-1]),
        last_inside=_dt(t[inside_idx[-1]]) if inside_idx.size else None,
        coverage=None if fixed_post or not coverage else _coverage(area, xs, ys),
        stays=[_stay_point(t, xs, ys, a, b, area) for a, b in stay_ranges],
        excursions=excursions,
        outside_total_s=float(sum((e.end - e.start).total_seconds() for e in excursions)),
        gaps=gaps,
        speed_jumps=[_jump(t, x, y, i, params) for i in jumps],
        mock_fixes=mock_count,
    )


# --- input -----------------------------------------------------------------

def _posix(d: datetime) -> float:
    if d.tzinfo is None:
        raise ValueError("datetimes given to the analysis must be timezone-aware")
    return d.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


def _select(t, lat, lon, acc, mock, w0: float, end: float):
    t = np.asarray(t, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    acc = np.broadcast_to(np.asarray(acc, dtype=np.float64), t.shape)
    keep = (t >= w0) & (t <= end) & np.isfinite(t) & np.isfinite(lat) & np.isfinite(lon)
    mock_count = 0 if mock is None else int(np.count_nonzero(np.asarray(mock, bool)[keep]))
    t, lat, lon, acc = t[keep], lat[keep], lon[keep], acc[keep]
    if t.size > 1 and np.any(np.diff(t) < 0):
        order = np.argsort(t, kind="stable")
        t, lat, lon, acc = t[order], lat[order], lon[order], acc[order]
    acc = np.where(np.isfinite(acc), np.clip(acc, 0.0, MAX_ACCURACY_M), 0.0)
    return t, lat, lon, acc, mock_count


# --- smoothing ---------------------------------------------------------------

def smooth_positions(t: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred rolling median of x and y over ~2 minutes of fixes (5-15 fixes).

    Near the ends the window shrinks to the fixes that exist.
    """
    n = t.size
    if n < 3:
        return x.copy(), y.copy()
    step = float(np.median(np.diff(t))) or 1.0
    k = int(np.clip(round(SMOOTH_SPAN_S / step), SMOOTH_MIN_FIXES, SMOOTH_MAX_FIXES))
    k = min(k | 1, n if n % 2 else n - 1)
    return _rolling_median(x, k), _rolling_median(y, k)


def _rolling_median(v: np.ndarray, k: int) -> np.ndarray:
    """Centred median of k fixes; near the ends a shorter centred window, so a
    straight walk keeps its end points."""
    h = k // 2
    out = np.empty_like(v)
    out[h: v.size - h] = np.sort(np.lib.stride_tricks.sliding_window_view(v, k), axis=1)[:, h]
    out[:h] = _head_medians(v, h)
    out[v.size - h:] = _head_medians(v[::-1], h)[::-1]
    return out


def _head_medians(v: np.ndarray, h: int) -> np.ndarray:
    """Medians of v[0:1], v[0:3], ..., v[0:2h-1] (centred at 0..h-1)."""
    rows = np.arange(h)
    head = np.where(np.arange(2 * h - 1)[None, :] <= 2 * rows[:, None], v[: 2 * h - 1], np.inf)
    return np.sort(head, axis=1)[rows, rows]


# --- stays -------------------------------------------------------------------

class _Extent:
    """Sparse table answering min/max of x and y over index ranges in O(1)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        n = x.size
        levels = max(1, n.bit_length())
        self.lo = np.empty((levels, 2, n))
        self.hi = np.empty((levels, 2, n))
        self.lo[0, 0], self.lo[0, 1] = x, y
        self.hi[0] = self.lo[0]
        w = 1
        for k in range(1, levels):
            # entries past n - 2w are never queried; leave them as copies
            np.minimum(self.lo[k - 1, :, : n - w], self.lo[k - 1, :, w:], out=self.lo[k, :, : n - w])
            np.maximum(self.hi[k - 1, :, : n - w], self.hi[k - 1, :, w:], out=self.hi[k, :, : n - w])
            self.lo[k, :, n - w:] = self.lo[k - 1, :, n - w:]
            self.hi[k, :, n - w:] = self.hi[k - 1, :, n - w:]
            w *= 2

    def diagonal(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Bounding-box diagonal of points a..b inclusive (arrays of indices)."""
        level = np.frexp((b - a + 1).astype(np.float64))[1] - 1
        b2 = b - (1 << level) + 1
        lo = np.minimum(self.lo[level, :, a], self.lo[level, :, b2])
        hi = np.maximum(self.hi[level, :, a], self.hi[level, :, b2])
        span = hi - lo
        return np.hypot(span[:, 0], span[:, 1])


def detect_stays(t: np.ndarray, x: np.ndarray, y: np.ndarray,
                 max_diameter_m: float, min_duration_s: float,
                 noise_m: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Index ranges (first, last inclusive) of stops, as movingpandas'
    TrajectoryStopDetector.get_stop_time_ranges(max_diameter, min_duration)
    finds them, with the bounding-box diagonal as the diameter test.

    `noise_m` (per fix, e.g. raw minus smoothed distance) enables the jitter
    rule: a stop whose median noise exceeds a quarter of the radius continues
    while the fixes stay within the radius of its median centre (two
    consecutive fixes beyond end it), so residual jitter cannot split it.
    """
    n = t.size
    if n < 2:
        return []
    ext = _Extent(x, y)
    trail = np.searchsorted(t, t - min_duration_s, side="right")
    trail = np.minimum(trail, np.arange(n) - 1)
    stays: list[tuple[int, int]] = []
    reset, j = 0, 1
    while j < n:
        hit = _first_fit(ext, trail, reset, j, max_diameter_m)
        if hit is None:
            break
        j, a = hit
        e = _grow(ext, a, j, max_diameter_m)
        if noise_m is not None and np.median(noise_m[a: e + 1]) > max_diameter_m / 8.0:
            e = _extend_noisy(x, y, a, e, max_diameter_m / 2.0)
        if t[e] - t[a] >= min_duration_s:
            stays.append((a, e))
            reset = e + 2
            j = reset + 1
        else:
            j = e + 2
    return stays


def _extend_noisy(x: np.ndarray, y: np.ndarray, a: int, e: int, radius: float) -> int:
    cx, cy = np.median(x[a: e + 1]), np.median(y[a: e + 1])
    far = np.hypot(x[e + 1:] - cx, y[e + 1:] - cy) > radius
    both = np.flatnonzero(far[:-1] & far[1:])
    return e + (int(both[0]) if both.size else int(far.size - far[-1:].sum()))


def _first_fit(ext: _Extent, trail: np.ndarray, reset: int, lo: int,
               dmax: float) -> tuple[int, int] | None:
    """First j >= lo whose trailing window (starting no earlier than reset) fits."""
    n, chunk = trail.size, 256
    while lo < n:
        js = np.arange(lo, min(n, lo + chunk))
        a = np.maximum(trail[js], reset)
        ok = js > a
        ok[ok] = ext.diagonal(a[ok], js[ok]) < dmax
        if ok.any():
            k = int(np.argmax(ok))
            return int(js[k]), int(a[k])
        lo, chunk = lo + chunk, chunk * 2
    return None


def _grow(ext: _Extent, a: int, j: int, dmax: float) -> int:
    """Last e >= j such that points a..e all fit in the diameter."""
    n, lo, chunk = ext.lo.shape[2], j + 1, 64
    while lo < n:
        es = np.arange(lo, min(n, lo + chunk))
        bad = ext.diagonal(np.full(es.size, a), es) >= dmax
        if bad.any():
            return int(es[np.argmax(bad)]) - 1
        lo, chunk = lo + chunk, chunk * 2
    return n - 1


def _stay_point(t, xs, ys, a: int, b: int, area: Area) -> StayPoint:
    cx, cy = float(np.median(xs[a: b + 1])), float(np.median(ys[a: b + 1]))
    r = np.hypot(xs[a: b + 1] - cx, ys[a: b + 1] - cy)
    lat, lon = area.projection.to_latlon(cx, cy)
    return StayPoint(start=_dt(t[a]), end=_dt(t[b]), lat=lat, lon=lon,
                     radius_m=float(np.percentile(r, 90)), points=b - a + 1)


# --- distance ------------------------------------------------------------------

def _patrol(t, xs, ys, stays, jumps, params: AnalysisParams) -> tuple[float, float]:
    dt = np.diff(t)
    seg = np.hypot(np.diff(xs), np.diff(ys))
    counted = (_baseline_speed(t, xs, ys) > params.moving_speed_mps) & (dt <= params.gap_max_s)
    counted[jumps] = False
    for a, b in stays:
        counted[a:b] = False
    return float(seg[counted].sum()), float(dt[counted].sum())


def _baseline_speed(t: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Speed at each segment's middle measured over MOVING_BASELINE_S of smoothed
    track: residual jitter adds a few metres whatever the baseline, walking adds
    metres in proportion to it, so a long baseline tells them apart."""
    mid = 0.5 * (t[1:] + t[:-1])
    t0 = np.maximum(mid - MOVING_BASELINE_S / 2, t[0])
    t1 = np.minimum(mid + MOVING_BASELINE_S / 2, t[-1])
    span = np.maximum(t1 - t0, np.diff(t))
    d = np.hypot(np.interp(t1, t, xs) - np.interp(t0, t, xs),
                 np.interp(t1, t, ys) - np.interp(t0, t, ys))
    return d / np.maximum(span, 1e-9)


def _speed_jumps(t, x, y, acc, max_speed_kmh: float) -> np.ndarray:
    """Segments still too fast after granting both fixes their error circles."""
    dt = np.maximum(np.diff(t), MIN_JUMP_DT_S)
    excess = np.hypot(np.diff(x), np.diff(y)) - acc[:-1] - acc[1:]
    return np.flatnonzero((excess > 0) & (excess / dt * 3.6 > max_speed_kmh))


def _jump(t, x, y, i: int, params: AnalysisParams) -> SpeedJump:
    d = float(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]))
    dt = max(float(t[i + 1] - t[i]), MIN_JUMP_DT_S)
    return SpeedJump(start=_dt(t[i]), end=_dt(t[i + 1]), speed_kmh=d / dt * 3.6, distance_m=d)


# --- excursions ------------------------------------------------------------------

def _excursions(t: np.ndarray, outside: np.ndarray, dist: np.ndarray) -> list[Excursion]:
    n = outside.size
    starts = np.flatnonzero(np.r_[True, outside[1:] != outside[:-1]])
    ends = np.r_[starts[1:], n]
    long_run = (ends - starts) >= 2
    last_long = np.maximum.accumulate(np.where(long_run, np.arange(starts.size), -1))
    state = np.where(last_long >= 0, outside[starts[np.maximum(last_long, 0)]], False)
    edges = np.diff(np.r_[False, state, False].astype(np.int8))
    result = []
    for r0, r1 in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        i0, i1 = starts[r0], ends[r1 - 1]
        t_end = t[i1] if i1 < n else t[-1]
        result.append(Excursion(start=_dt(t[i0]), end=_dt(t_end),
                                max_distance_m=float(dist[i0:i1].max()), points=int(i1 - i0)))
    return result


# --- gaps ------------------------------------------------------------------------

def _gaps(t: np.ndarray, w0: float, end: float, gap_max_s: float,
          breaks: Sequence[Span]) -> list[Span]:
    if end <= w0:
        return []
    edges = np.r_[w0, t, end]
    idx = np.flatnonzero(np.diff(edges) > gap_max_s)
    pauses = _merged([(_posix(b.start), _posix(b.end)) for b in breaks])
    result = []
    for i in idx:
        for a, b in _subtract(float(edges[i]), float(edges[i + 1]), pauses):
            if b - a > gap_max_s:
                result.append(Span(_dt(a), _dt(b)))
    return result


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(a: float, b: float, pauses: list[tuple[float, float]]) -> list[tuple[float, float]]:
    pieces, cur = [], a
    for pa, pb in pauses:
        if pb <= cur or pa >= b:
            continue
        if pa > cur:
            pieces.append((cur, pa))
        cur = max(cur, pb)
    if cur < b:
        pieces.append((cur, b))
    return pieces


# --- coverage ----------------------------------------------------------------------

def _coverage(area: Area, xs: np.ndarray, ys: np.ndarray) -> float:
    x0, y0, inside = area.coverage_grid(COVERAGE_CELL_M)
    ny, nx = inside.shape
    col0 = np.floor((xs - x0) / COVERAGE_CELL_M).astype(np.int64)
    row0 = np.floor((ys - y0) / COVERAGE_CELL_M).astype(np.int64)
    visited = np.zeros_like(inside)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            row, col = row0 + dr, col0 + dc
            cx = x0 + (col + 0.5) * COVERAGE_CELL_M
            cy = y0 + (row + 0.5) * COVERAGE_CELL_M
            hit = ((np.hypot(xs - cx, ys - cy) <= COVERAGE_REACH_M)
                   & (row >= 0) & (row < ny) & (col >= 0) & (col < nx))
            visited[row[hit], col[hit]] = True
    return float(np.count_nonzero(visited & inside) / np.count_nonzero(inside))
