"""Where an officer stood still (PURE, numpy).

Two detectors live here:

* `detect_stays`, movingpandas' TrajectoryStopDetector (max_diameter = 2R, min_duration = T):
  scanning forward, a stop begins when all fixes of the trailing window shorter than T fit in the
  diameter, grows while every fix still fits, and is kept if it lasts at least T; after a stop the
  fix that broke it is skipped. "Fit in the diameter" is the diagonal of the bounding box in local
  metres. Range extents come from a sparse table, so each window test is O(1) and vectorized. It
  is exact on clean tracks and kept as the reference the tests and the benchmark compare with.
* `find_stays`, what the analysis uses on real phones. Under 20-50 m of jitter that drifts for a
  minute or two, the bounding box of a person sitting still spans 70-200 m, so "every fix within
  the diameter" misses most real stays, and any fixed radius below the noise cannot be proved
  from the fixes. A stay is therefore a stretch of at least T in which the (smoothed) fixes keep
  within the *allowed radius* of the stretch's median centre, leaving it only for moments (no run
  outside longer than MAX_OUT_S). The allowed radius is the regulation's radius plus an allowance
  for the phone's noise (NOISE_ALLOWANCE_FACTOR x the noise level, at most
  MAX_NOISE_ALLOWANCE_M); the noise level is the median reported accuracy, or 1.5 x the median
  distance of a fix from the smoothed track when that is larger (files without accuracy).
  Measured on simulated phones (20-50 m of drifting jitter, 20-minute windows): a phone lying
  still never left that circle for more than 2 minutes, and for more than 1 minute in 3 % of
  windows; an officer walking a 300 x 200 m grid with pauses left it for more than 1 minute in
  every window. The ends of a stay are trimmed to where walking stops and starts (the 60-second
  speed of the smoothed track), so the approach and the departure do not lengthen it. A stay that
  fits only thanks to the noise allowance (its 90 % radius beyond the regulation's radius) is
  marked for review by the rule. Stays never cross a silence (the caller passes one segment at a
  time), and two stays that meet (at most MERGE_GAP_S apart, centres within the allowed radius,
  the union still a stay) are one stay: one event, one flag.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supervise.tracks.smoothing import baseline_speed, hypot_cmp, median, percentile

NOISE_ALLOWANCE_FACTOR = 0.8
MAX_NOISE_ALLOWANCE_M = 60.0
RESIDUAL_NOISE_FACTOR = 1.5
MAX_OUT_S = 90.0
RADIUS_SHARE = 0.9
MERGE_GAP_S = 120.0
SCREEN_FACTOR = 4.0
MOVING_MPS = 0.5
# Windows are tried from one start a minute at most: a stay lasts 20, so it is still found, and
# its start is then settled fix by fix; a noisy phone in a small grid passes the cheap screen
# everywhere, and this bounds the work to a test a minute.
TRY_EVERY_S = 60.0


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
        return hypot_cmp(low[:, 0] + low[:, 2], low[:, 1] + low[:, 3], dmax, np.less)


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
        if noise_m is not None and median(noise_m[a: e + 1]) > max_diameter_m / 8.0:
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
    cx, cy = median(x[a: e + 1]), median(y[a: e + 1])
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
        ok = hypot_cmp(span_x, span_y, dmax, np.less)
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
        bad = hypot_cmp(*_spans(x, y, a, lo, hi), dmax, np.greater_equal)
        if bad.any():
            return lo + int(np.argmax(bad)) - 1
        lo, chunk = hi, chunk * 2
    return n - 1


# --- stays on noisy phones ------------------------------------------------------------


@dataclass(frozen=True)
class StayRange:
    """Fixes first..last (inclusive) stood within `allowed_m` of (cx, cy), but for moments; 90 % of
    them within `radius_m` (the measured radius)."""

    first: int
    last: int
    cx: float
    cy: float
    radius_m: float
    allowed_m: float


def noise_level(acc: np.ndarray, residual: np.ndarray) -> float:
    """How far a fix typically lies from the truth (m): the median reported accuracy (0 = unknown),
    or 1.5 x the median distance from the smoothed track when that is larger."""
    known = acc[acc > 0]
    reported = float(median(known)) if known.size else 0.0
    observed = RESIDUAL_NOISE_FACTOR * float(median(residual)) if residual.size else 0.0
    return max(reported, observed)


def allowed_radius(radius_m: float, noise_m: float) -> float:
    """The regulation's radius plus the allowance for this much noise."""
    return radius_m + min(NOISE_ALLOWANCE_FACTOR * noise_m, MAX_NOISE_ALLOWANCE_M)


def find_stays(t: np.ndarray, xs: np.ndarray, ys: np.ndarray, radius_m: float, min_duration_s: float,
               noise_m: float, speed: np.ndarray | None = None) -> list[StayRange]:
    """Stays of at least `min_duration_s` in one segment of smoothed fixes (see the module docstring).

    `speed` is each fix's 60-second speed (m/s) when the caller has it already."""
    allowed = allowed_radius(radius_m, noise_m)
    n = t.size
    if n < 2:
        return []
    ends = np.searchsorted(t, t + min_duration_s, side="left")
    starts = np.flatnonzero(ends < n)
    if starts.size == 0:
        return []
    # a cheap screen: a window whose bounding box is far wider than the allowed circle cannot fit
    ext = _Extent(xs, ys, int((ends[starts] - starts).max()) + 1)
    screened = starts[ext.fits(starts, ends[starts], SCREEN_FACTOR * allowed)]
    if screened.size and speed is None:
        speed = fix_speeds(baseline_speed(t, xs, ys))
    found: list[StayRange] = []
    tried = -np.inf
    for a in screened.tolist():
        if (found and a <= found[-1].last) or t[a] < tried + TRY_EVERY_S:
            continue
        tried = t[a]
        j = int(ends[a])
        if not _fits(t, xs, ys, a, j, allowed):
            continue
        a = _settled(t, xs, ys, speed, a, j, allowed)   # the walk in is not part of the stay
        j = min(int(ends[a]), n - 1)
        if not _fits(t, xs, ys, a, j, allowed):
            continue
        e = _last_before_leaving(t, xs, ys, a, j, allowed)
        stay = _trimmed(t, xs, ys, speed, a, e, allowed, min_duration_s)
        if stay is not None:
            found.append(stay)
    return _merged_stays(t, xs, ys, found, allowed, min_duration_s)


def _last_before_leaving(t, xs, ys, a: int, j: int, allowed: float) -> int:
    """Growing the stay a..j: the last fix before the track leaves the circle (around a..j's centre)
    for longer than MAX_OUT_S, or the segment's last fix."""
    cx, cy = float(median(xs[a: j + 1])), float(median(ys[a: j + 1]))
    out = np.hypot(xs[j + 1:] - cx, ys[j + 1:] - cy) > allowed
    if not out.any():
        return t.size - 1
    first, last = _runs(out)
    long_run = np.flatnonzero(t[j + 1 + last] - t[j + 1 + first] > MAX_OUT_S)
    return t.size - 1 if long_run.size == 0 else j + int(first[long_run[0]])


def _fits(t: np.ndarray, xs: np.ndarray, ys: np.ndarray, a: int, e: int, allowed: float) -> bool:
    """Fixes a..e keep within `allowed` of their median centre, but for runs of at most MAX_OUT_S."""
    px, py = xs[a: e + 1], ys[a: e + 1]
    out = np.hypot(px - median(px), py - median(py)) > allowed
    return _longest_run_s(t[a: e + 1], out) <= MAX_OUT_S


def _longest_run_s(t: np.ndarray, out: np.ndarray) -> float:
    """The longest time from the first to the last fix of a run of consecutive `out` fixes."""
    if not out.any():
        return 0.0
    first, last = _runs(out)
    return float((t[last] - t[first]).max())


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) indices of each run of True in a boolean array."""
    padded = np.zeros(flags.size + 2, dtype=np.int8)
    padded[1:-1] = flags
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _settled(t, xs, ys, speed, a: int, j: int, allowed: float) -> int:
    """The first fix of a..j within the allowed circle of the window's centre and not moving."""
    cx, cy = float(median(xs[a: j + 1])), float(median(ys[a: j + 1]))
    still = np.hypot(xs[a: j + 1] - cx, ys[a: j + 1] - cy) <= allowed
    if speed is not None:
        still &= speed[a: j + 1] <= MOVING_MPS
    idx = np.flatnonzero(still)
    return a + int(idx[0]) if idx.size else a


def _trimmed(t, xs, ys, speed, a: int, e: int, allowed: float, min_duration_s: float) -> StayRange | None:
    """The stay a..e without the walk in and the walk out: fixes at either end outside the allowed
    circle or still moving at walking pace; None if what remains is too short."""
    cx, cy = float(median(xs[a: e + 1])), float(median(ys[a: e + 1]))
    still = np.hypot(xs[a: e + 1] - cx, ys[a: e + 1] - cy) <= allowed
    if speed is not None:
        still &= speed[a: e + 1] <= MOVING_MPS
    idx = np.flatnonzero(still)
    if idx.size < 2:
        return None
    first, last = a + int(idx[0]), a + int(idx[-1])
    if t[last] - t[first] < min_duration_s:
        return None
    return _stay_range(xs, ys, first, last, allowed)


def fix_speeds(segment_speed: np.ndarray) -> np.ndarray:
    """Per fix, the faster of the two segments it joins (n - 1 segment speeds in, n fix speeds out)."""
    if segment_speed.size == 0:
        return np.zeros(1)
    return np.r_[segment_speed[0], np.maximum(segment_speed[:-1], segment_speed[1:]), segment_speed[-1]]


def _stay_range(xs, ys, first: int, last: int, allowed: float) -> StayRange:
    px, py = xs[first: last + 1], ys[first: last + 1]
    cx, cy = float(median(px)), float(median(py))
    radius = float(percentile(np.hypot(px - cx, py - cy), 100 * RADIUS_SHARE))
    return StayRange(first, last, cx, cy, radius, allowed)


def _merged_stays(t, xs, ys, stays: list[StayRange], allowed: float, min_duration_s: float) -> list[StayRange]:
    """Stays that meet (MERGE_GAP_S apart, centres within the allowed radius) as one, when their
    union is still a stay."""
    merged: list[StayRange] = []
    for stay in stays:
        if merged:
            prev = merged[-1]
            close = np.hypot(stay.cx - prev.cx, stay.cy - prev.cy) <= allowed
            if close and t[stay.first] - t[prev.last] <= MERGE_GAP_S and _fits(t, xs, ys, prev.first, stay.last,
                                                                                 allowed):
                merged[-1] = _stay_range(xs, ys, prev.first, stay.last, allowed)
                continue
        merged.append(stay)
    return merged
