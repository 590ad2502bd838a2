"""Smoothing and the numerics the analysis shares (PURE, numpy).

* Jitter. Phone fixes wander 20-50 m around a person sitting still. Positions are de-jittered
  with a centred rolling median (per coordinate, over about two minutes of fixes: 5 to 15 fixes).
  A median leaves monotone stretches (walking in a straight line, arriving, leaving) unchanged,
  so on clean data the smoothed track *is* the raw track, while one or two multipath outliers,
  even 300 m away, vanish entirely.
* Speed, without changing any result: the rolling median runs a median-selection network over all
  windows at once (the same element a sort would pick); distance tests compare squared lengths
  and fall back to the exact np.hypot only where the two could disagree.
"""
from __future__ import annotations

from functools import cache

import numpy as np

SMOOTH_SPAN_S = 120.0
SMOOTH_MIN_FIXES = 5
SMOOTH_MAX_FIXES = 15
MOVING_BASELINE_S = 60.0


def smooth_positions(t: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred rolling median of x and y over ~2 minutes of fixes (5-15 fixes).

    Near the ends the window shrinks to the fixes that exist.
    """
    n = t.size
    if n < 3:
        return x.copy(), y.copy()
    step = float(median(np.diff(t))) or 1.0
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


def percentile(v: np.ndarray, q: float) -> np.float64:
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


def median(v: np.ndarray) -> np.float64:
    """np.median of a non-empty 1-d array of finite values (same value, less overhead)."""
    h = v.size // 2
    if v.size % 2:
        return np.partition(v, h)[h]
    part = np.partition(v, (h - 1, h))
    return (part[h - 1] + part[h]) / 2


def hypot_cmp(dx: np.ndarray, dy: np.ndarray, limit: float, op: np.ufunc) -> np.ndarray:
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


def baseline_speed(t: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
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
