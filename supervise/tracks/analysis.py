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
* Speed (a 2,880-fix shift is analysed in about a millisecond, for every shift
  of a city-day) without changing any result: the rolling median runs a
  median-selection network over all windows at once (the same element a sort
  would pick); distance tests compare squared lengths and fall back to the
  exact np.hypot only where the two could disagree; coverage tests only the
  neighbour cells a fix can reach. Inputs are finite (see `_select`).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

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
    if not keep.all():
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
    step = float(_median(np.diff(t))) or 1.0
    k = int(np.clip(round(SMOOTH_SPAN_S / step), SMOOTH_MIN_FIXES, SMOOTH_MAX_FIXES))
    k = min(k | 1, n if n % 2 else n - 1)
    return _rolling_medians(x, y, k)


def _rolling_medians(x: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred medians of k fixes of x and of y; near the ends a shorter
    centred window, so a straight walk keeps its end points."""
    n, h = x.size, k // 2
    # x then y in one run: windows straddling the seam are computed and dropped
    v = np.concatenate([x, y])
    m = v.size - k + 1
    # wire r holds the r-th fix of every window; the network leaves the median on wire h
    block, sorted_runs, network = _median_network(k)
    runs = _sorted_runs(v, block, sorted_runs)
    wires = [runs[r % block][r - r % block: r - r % block + m] if r < k - k % block else v[r: r + m]
             for r in range(k)]
    for a, b, low, high in network:
        if low and high:
            wires[a], wires[b] = np.minimum(wires[a], wires[b]), np.maximum(wires[a], wires[b])
        elif low:
            wires[a] = np.minimum(wires[a], wires[b])
        else:
            wires[b] = np.maximum(wires[a], wires[b])
    heads = _head_medians(np.stack([x[: 2 * h - 1], y[: 2 * h - 1],
                                    x[: n - 2 * h: -1], y[: n - 2 * h: -1]]), h)
    xs, ys = np.empty_like(x), np.empty_like(y)
    xs[h: n - h], ys[h: n - h] = wires[h][: n - k + 1], wires[h][n:]
    xs[:h], ys[:h], xs[n - h:], ys[n - h:] = heads[0], heads[1], heads[2, ::-1], heads[3, ::-1]
    return xs, ys


def _head_medians(v: np.ndarray, h: int) -> np.ndarray:
    """Per row of v: medians of v[0:1], v[0:3], ..., v[0:2h-1] (centred at 0..h-1)."""
    rows = np.arange(h)
    head = np.where(np.arange(2 * h - 1)[None, :] <= 2 * rows[:, None], v[:, None, : 2 * h - 1], np.inf)
    return np.sort(head, axis=-1)[:, rows, rows]


def _percentile(v: np.ndarray, q: float) -> np.float64:
    """np.percentile(v, q) (linear method) of a non-empty 1-d array of finite
    values, with the same arithmetic and less overhead."""
    virtual = (v.size - 1) * (q / 100)
    if virtual >= v.size - 1:
        return v.max()
    i = int(np.floor(virtual))
    part = np.partition(v, (i, i + 1))
    low, high = part[i], part[i + 1]
    gamma = virtual - np.floor(virtual)
    diff = high - low
    return high - diff * (1 - gamma) if gamma >= 0.5 else low + diff * gamma


def _sorted_runs(v: np.ndarray, block: int, comparators) -> list[np.ndarray]:
    """For every start p, v[p: p + block] sorted (row r: the r-th smallest),
    merged stage by stage as the sorting network would do it in each window."""
    runs, size = [v], 1
    while size < block:
        wires = [r[: r.size - size] for r in runs] + [r[size:] for r in runs]
        for a, b in comparators[size]:
            wires[a], wires[b] = np.minimum(wires[a], wires[b]), np.maximum(wires[a], wires[b])
        runs, size = wires, 2 * size
    return runs


@cache
def _median_network(k: int):
    """(block, comparators that sort a block, the rest) for the median of k
    wires by Batcher's odd-even merge sort, pruned to the comparators that
    decide wire k // 2, each (a, b, keep min on a, keep max on b).

    Stages that sort blocks of `block` consecutive wires are shared: every
    window's aligned full blocks are sorted runs of the series computed once
    (see `_sorted_runs`), so the rest only merges them."""
    block = 1
    while 4 * block <= k:
        block *= 2
    full = k - k % block
    shared: dict[int, list[tuple[int, int]]] = {}
    need, kept = {k // 2}, []
    for a, b, size in reversed(_batcher(k)):
        if 2 * size <= block and b < full:
            if a < 2 * size:
                shared.setdefault(size, []).insert(0, (a, b))
            continue
        if a in need or b in need:
            kept.append((a, b, a in need, b in need))
            need |= {a, b}
    return block, shared, tuple(kept[::-1])


def _batcher(k: int) -> list[tuple[int, int, int]]:
    """Batcher's odd-even merge sort for k wires as (a, b, stage size);
    padding wires are dropped: they would hold +inf and never move."""
    p = 1 << max(0, (k - 1).bit_length())
    pairs, size = [], 1
    while size < p:
        step = size
        while step >= 1:
            for j in range(step % size, p - step, 2 * step):
                for i in range(min(step, p - j - step)):
                    if (i + j) // (2 * size) == (i + j + step) // (2 * size):
                        pairs.append((i + j, i + j + step, size))
            step //= 2
        size *= 2
    return [(a, b, size) for a, b, size in pairs if b < k]


def _median(v: np.ndarray) -> np.float64:
    """np.median of a non-empty 1-d array of finite values (same value, less overhead)."""
    h = v.size // 2
    if v.size % 2:
        return np.partition(v, h)[h]
    part = np.partition(v, (h - 1, h))
    return (part[h - 1] + part[h]) / 2


# --- stays -------------------------------------------------------------------

class _Extent:
    """Sparse table answering the bounding box of x and y over index ranges of
    up to `longest` fixes in O(1): rows hold min x, min y, min -x, min -y
    (max = -min of the negation)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, longest: int) -> None:
        n = x.size
        levels = max(1, longest.bit_length())
        table = np.empty((levels, n, 4))
        table[0] = np.column_stack([x, y, -x, -y])
        w = 1
        for k in range(1, levels):
            # entries past n - 2w are never queried; leave them as copies
            np.minimum(table[k - 1, : n - w], table[k - 1, w:], out=table[k, : n - w])
            table[k, n - w:] = table[k - 1, n - w:]
            w *= 2
        self.n, self.x, self.y = n, x, y
        self.rows = table.reshape(-1, 4)

    def fits(self, a: np.ndarray, b: np.ndarray, dmax: float) -> np.ndarray:
        """Whether the bounding-box diagonal of points a..b inclusive (arrays
        of indices) is shorter than dmax."""
        level = np.frexp((b - a + 1).astype(np.float64))[1] - 1
        base = level * self.n
        low = np.minimum(self.rows.take(base + a, axis=0),
                         self.rows.take(base + b - (1 << level) + 1, axis=0))
        # max - min == -(min(-v) + min(v)) exactly; hypot ignores the sign
        return _hypot_cmp(low[:, 0] + low[:, 2], low[:, 1] + low[:, 3], dmax, np.less)


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
    # trailing window of fix j: trail[j]..j, non-decreasing in j
    trail = np.minimum(_count_not_after(t, t - min_duration_s), np.arange(n) - 1)
    js = np.arange(1, n)
    ext = _Extent(x, y, int((js - trail[1:]).max()) + 1)
    fits = js[ext.fits(trail[1:], js, max_diameter_m)]
    stays: list[tuple[int, int]] = []
    reset, j = 0, 1
    while j < n:
        hit = _first_fit(ext, trail, fits, reset, j, max_diameter_m)
        if hit is None:
            break
        j, a = hit
        e = _grow(x, y, a, j, max_diameter_m)
        if noise_m is not None and _median(noise_m[a: e + 1]) > max_diameter_m / 8.0:
            e = _extend_noisy(x, y, a, e, max_diameter_m / 2.0)
        if t[e] - t[a] >= min_duration_s:
            stays.append((a, e))
            reset = e + 2
            j = reset + 1
        else:
            j = e + 2
    return stays


def _count_not_after(t: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """np.searchsorted(t, keys, side="right") for sorted t and sorted keys, by
    one stable merge (a sort of two sorted runs) instead of n binary searches."""
    order = np.argsort(np.concatenate([t, keys]), kind="stable")
    # ties keep t first, so each key is preceded by exactly the t <= key
    return np.flatnonzero(order >= t.size) - np.arange(keys.size)


def _extend_noisy(x: np.ndarray, y: np.ndarray, a: int, e: int, radius: float) -> int:
    cx, cy = _median(x[a: e + 1]), _median(y[a: e + 1])
    far = np.hypot(x[e + 1:] - cx, y[e + 1:] - cy) > radius
    both = np.flatnonzero(far[:-1] & far[1:])
    return e + (int(both[0]) if both.size else int(far.size - far[-1:].sum()))


def _first_fit(ext: _Extent, trail: np.ndarray, fits: np.ndarray, reset: int, lo: int,
               dmax: float) -> tuple[int, int] | None:
    """First j >= lo whose trailing window (starting no earlier than reset) fits;
    `fits` lists the j >= 1 whose unclipped trailing window fits."""
    # windows of j < cut start before reset and are clipped to it; the rest are not
    cut = int(np.searchsorted(trail, reset, side="left"))
    first = max(lo, reset + 1)
    if first < cut:
        span_x, span_y = _spans(ext.x, ext.y, reset, first, cut)
        ok = _hypot_cmp(span_x, span_y, dmax, np.less)
        if ok.any():
            return first + int(np.argmax(ok)), reset
    k = int(np.searchsorted(fits, max(lo, cut)))
    if k == fits.size:
        return None
    j = int(fits[k])
    return j, int(trail[j])


def _spans(x: np.ndarray, y: np.ndarray, a: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounding-box sides of points a..e for e in lo..hi-1 (a <= lo)."""
    xs, ys = x[a:hi], y[a:hi]
    return (np.maximum.accumulate(xs)[lo - a:] - np.minimum.accumulate(xs)[lo - a:],
            np.maximum.accumulate(ys)[lo - a:] - np.minimum.accumulate(ys)[lo - a:])


def _grow(x: np.ndarray, y: np.ndarray, a: int, j: int, dmax: float) -> int:
    """Last e >= j such that points a..e all fit in the diameter."""
    n, lo, chunk = x.size, j + 1, 64
    while lo < n:
        hi = min(n, lo + chunk)
        bad = _hypot_cmp(*_spans(x, y, a, lo, hi), dmax, np.greater_equal)
        if bad.any():
            return lo + int(np.argmax(bad)) - 1
        lo, chunk = hi, chunk * 2
    return n - 1


def _stay_point(t, xs, ys, a: int, b: int, area: Area) -> StayPoint:
    cx, cy = float(_median(xs[a: b + 1])), float(_median(ys[a: b + 1]))
    r = np.hypot(xs[a: b + 1] - cx, ys[a: b + 1] - cy)
    lat, lon = area.projection.to_latlon(cx, cy)
    return StayPoint(start=_dt(t[a]), end=_dt(t[b]), lat=lat, lon=lon,
                     radius_m=float(_percentile(r, 90)), points=b - a + 1)


# --- distance ------------------------------------------------------------------

def _patrol(t, xs, ys, stays, jumps, params: AnalysisParams) -> tuple[float, float]:
    dt = np.diff(t)
    counted = (_baseline_speed(t, xs, ys) > params.moving_speed_mps) & (dt <= params.gap_max_s)
    counted[jumps] = False
    for a, b in stays:
        counted[a:b] = False
    seg = np.hypot(np.diff(xs)[counted], np.diff(ys)[counted])
    return float(seg.sum()), float(dt[counted].sum())


def _baseline_speed(t: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Speed at each segment's middle measured over MOVING_BASELINE_S of smoothed
    track: residual jitter adds a few metres whatever the baseline, walking adds
    metres in proportion to it, so a long baseline tells them apart."""
    mid = 0.5 * (t[1:] + t[:-1])
    t0 = np.maximum(mid - MOVING_BASELINE_S / 2, t[0])
    t1 = np.minimum(mid + MOVING_BASELINE_S / 2, t[-1])
    span = np.maximum(t1 - t0, np.diff(t))
    # one call per coordinate for both ends: same arithmetic, slopes computed once
    ends = np.concatenate([t1, t0])
    ex, ey = np.interp(ends, t, xs), np.interp(ends, t, ys)
    m = t1.size
    d = np.hypot(ex[:m] - ex[m:], ey[:m] - ey[m:])
    return d / np.maximum(span, 1e-9)


def _speed_jumps(t, x, y, acc, max_speed_kmh: float) -> np.ndarray:
    """Segments still too fast after granting both fixes their error circles."""
    dt = np.maximum(np.diff(t), MIN_JUMP_DT_S)
    dx, dy = np.diff(x), np.diff(y)
    # a jump needs hypot > both accuracies + max(speed, 0) * dt; squared lengths
    # (with slack for rounding) rule out the rest before the exact test
    least = acc[:-1] + acc[1:] + max(max_speed_kmh, 0.0) / 3.6 * dt
    c = np.flatnonzero(dx * dx + dy * dy >= least * least * (1 - 1e-9))
    excess = np.hypot(dx[c], dy[c]) - acc[c] - acc[c + 1]
    return c[(excess > 0) & (excess / dt[c] * 3.6 > max_speed_kmh)]


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
    row, col = _cells_reached(x0, y0, xs, ys)
    # a one-cell border collects every cell outside the grid
    visited = np.zeros((ny + 2, nx + 2), dtype=bool)
    visited.ravel()[(np.clip(row, -1, ny) + 1) * (nx + 2) + np.clip(col, -1, nx) + 1] = True
    return float(np.count_nonzero(visited[1:-1, 1:-1] & inside) / np.count_nonzero(inside))


def _cells_reached(x0: float, y0: float, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of the cells whose centre lies within reach of a fix, i.e.
    hypot(fix - centre) <= COVERAGE_REACH_M decided exactly as that expression
    would be. A fix reaches its own cell (at most 17.7 m away) and at most the
    nearer column, row and diagonal neighbour; the farther ones lie 25 m or
    more away (exactly 25 m only for a fix at its cell's centre, tested in full)."""
    size, reach2 = COVERAGE_CELL_M, COVERAGE_REACH_M ** 2
    col = np.floor((xs - x0) / size).astype(np.int64)
    row = np.floor((ys - y0) / size).astype(np.int64)
    fx, fy = xs - (x0 + (col + 0.5) * size), ys - (y0 + (row + 0.5) * size)
    sx, sy = np.where(fx >= 0, 1, -1), np.where(fy >= 0, 1, -1)
    ax, ay = np.abs(fx), np.abs(fy)
    ex, ey, nx2, ny2 = fx * fx, fy * fy, (ax - size) ** 2, (ay - size) ** 2
    d2 = np.concatenate([nx2 + ey, ex + ny2, nx2 + ny2]) - reach2
    rows = np.concatenate([row, row + sy, row + sy])
    cols = np.concatenate([col + sx, col, col + sx])
    hit = d2 <= 0
    # squared offsets err by ~1e-9 m^2 at most; settle the close calls exactly
    exact = np.abs(d2) <= 1e-6
    centred = np.flatnonzero((np.minimum(ax, ay) <= 1e-6) & (np.maximum(ax, ay) <= 1e-3))
    who = np.flatnonzero(exact) % xs.size
    rows_x, cols_x = rows[exact], cols[exact]
    if centred.size:
        dr, dc = np.divmod(np.arange(9), 3)
        who = np.r_[who, np.repeat(centred, 9)]
        rows_x = np.r_[rows_x, (row[centred, None] + dr - 1).ravel()]
        cols_x = np.r_[cols_x, (col[centred, None] + dc - 1).ravel()]
    cx = x0 + (cols_x + 0.5) * size
    cy = y0 + (rows_x + 0.5) * size
    close = np.hypot(xs[who] - cx, ys[who] - cy) <= COVERAGE_REACH_M
    keep = hit & ~exact
    return (np.concatenate([row, rows[keep], rows_x[close]]),
            np.concatenate([col, cols[keep], cols_x[close]]))


# --- numerics ----------------------------------------------------------------------

def _hypot_cmp(dx: np.ndarray, dy: np.ndarray, limit: float, op: np.ufunc) -> np.ndarray:
    """Exactly op(np.hypot(dx, dy), limit) for finite dx, dy, but with hypot
    (slow) only where the squared lengths are too close to call."""
    if dx.size < 256 or not 1e-100 < limit < 1e100:
        return op(np.hypot(dx, dy), limit)
    d2, l2 = dx * dx + dy * dy, limit * limit
    out = op(d2, l2)
    # squaring and summing err by a few ulps, far inside this margin
    near = np.abs(d2 - l2) <= 1e-9 * l2
    if near.any():
        out[near] = op(np.hypot(dx[near], dy[near]), limit)
    return out
