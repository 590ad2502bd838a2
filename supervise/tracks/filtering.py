"""Decide which reported fixes are fit to store (PURE).

Reason codes (stable, snake_case) in ``FilterResult.rejected``:
``invalid_coordinates`` (missing, NaN, out of range), ``null_island`` (exactly 0,0),
``no_time``, ``future_time``, ``too_old``, ``low_accuracy``, ``duplicate`` (same time and
position as a kept fix), ``duplicate_time`` (same time, other position: the better-accuracy
one is kept), ``speed_jump`` (an isolated spike: it implies an impossible speed from the
last accepted fix and the track then returns near that fix).

``FilterResult.flagged`` counts accepted fixes worth a look without dropping them:
``mock`` (the phone said the position was simulated) and ``relocation`` (a jump that later
fixes confirmed, so the new place was accepted).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from supervise.tracks.model import RawFix

_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class FilterParams:
    """Thresholds; ``now`` is POSIX seconds (UTC) and fixes are judged against it."""

    now: float
    max_future_s: float = 120.0
    max_age_s: float = 7 * 86400.0
    max_accuracy_m: float = 200.0
    # ~54 km/h: nothing a foot or bicycle patrol does legitimately.
    max_speed_mps: float = 15.0
    # GPS noise between 1 Hz fixes: a displacement this small is never a "jump".
    min_jump_m: float = 50.0
    # How many following fixes may be inspected to tell a spike from a relocation.
    lookahead: int = 3


@dataclass
class FilterResult:
    """Accepted fixes sorted by time, and counts by reason of what was dropped or flagged."""

    accepted: list[RawFix]
    rejected: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def filter_fixes(fixes: Iterable[RawFix], params: FilterParams) -> FilterResult:
    """Drop unfit fixes, each counted under one reason; never raises for bad values.

    Promises: ``accepted`` is sorted by time with no two fixes at the same time, every
    input fix is either accepted or counted once in ``rejected``, and a relocation
    confirmed by later fixes is accepted rather than blocking the rest of the track.
    """
    result = FilterResult(accepted=[])
    valid = [f for f in fixes if _valid(f, params, result.rejected)]
    valid.sort(key=_time_key)
    unique = _dedupe(valid, result.rejected)
    result.accepted = _drop_spikes(unique, params, result)
    result.flagged["mock"] += sum(1 for f in result.accepted if f.mock)
    if not result.flagged["mock"]:
        del result.flagged["mock"]
    return result


def _time_key(f: RawFix) -> float:
    return f.t  # type: ignore[return-value]  # only timed fixes reach the sort


def _valid(f: RawFix, p: FilterParams, rejected: Counter[str]) -> bool:
    reason = _reason(f, p)
    if reason is None:
        return True
    rejected[reason] += 1
    return False


def _reason(f: RawFix, p: FilterParams) -> str | None:
    lat, lon = f.lat, f.lon
    # NaN fails every comparison, so "not (in range)" also catches it.
    if lat is None or lon is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return "invalid_coordinates"
    if lat == 0.0 and lon == 0.0:
        return "null_island"
    t = f.t
    if t is None or not math.isfinite(t):
        return "no_time"
    if t > p.now + p.max_future_s:
        return "future_time"
    if t < p.now - p.max_age_s:
        return "too_old"
    acc = f.accuracy_m
    if acc is not None and acc > p.max_accuracy_m:
        return "low_accuracy"
    return None


def _accuracy_rank(f: RawFix) -> float:
    acc = f.accuracy_m
    return acc if acc is not None and acc >= 0 and math.isfinite(acc) else math.inf


def _dedupe(fixes: list[RawFix], rejected: Counter[str]) -> list[RawFix]:
    out: list[RawFix] = []
    for f in fixes:
        if out and out[-1].t == f.t:
            kept = out[-1]
            same_place = kept.lat == f.lat and kept.lon == f.lon
            rejected["duplicate" if same_place else "duplicate_time"] += 1
            if _accuracy_rank(f) < _accuracy_rank(kept):
                out[-1] = f
            continue
        out.append(f)
    return out


def _slack(a: RawFix, b: RawFix) -> float:
    acc_a, acc_b = _accuracy_rank(a), _accuracy_rank(b)
    return (0.0 if math.isinf(acc_a) else acc_a) + (0.0 if math.isinf(acc_b) else acc_b)


def _reachable(a: RawFix, b: RawFix, p: FilterParams) -> bool:
    """Could one travel from a to b in the time between them, allowing for GPS error?"""
    d = haversine_m(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]
    excess = d - _slack(a, b)
    if excess <= p.min_jump_m:
        return True
    return excess <= p.max_speed_mps * abs(b.t - a.t)  # type: ignore[operator]


def _drop_spikes(fixes: list[RawFix], p: FilterParams, result: FilterResult) -> list[RawFix]:
    """Drop a fix that jumps away only when the track comes back near where it was.

    A jump is judged by the first of the next ``lookahead`` fixes that is reachable from
    either side: reachable from the last accepted fix means the jump was a spike (dropped);
    reachable only from the jumped-to fix means a relocation (accepted, flagged). With no
    following evidence the fix is accepted: we only drop what the data shows to be wrong.
    """
    accepted: list[RawFix] = []
    for i, f in enumerate(fixes):
        if not accepted or _reachable(accepted[-1], f, p):
            accepted.append(f)
            continue
        verdict = _judge_jump(accepted[-1], f, fixes[i + 1 : i + 1 + p.lookahead], p)
        if verdict == "spike":
            result.rejected["speed_jump"] += 1
        else:
            if verdict == "relocation":
                result.flagged["relocation"] += 1
            accepted.append(f)
    return accepted


def _judge_jump(last: RawFix, jumped: RawFix, following: list[RawFix], p: FilterParams) -> str:
    for nxt in following:
        if _reachable(last, nxt, p):
            return "spike"
        if _reachable(jumped, nxt, p):
            return "relocation"
    return "spike" if following else "unconfirmed"


# ---------------------------------------------------------------- the array path
#
# Why a second path: a 50,000-point upload through RawFix objects costs several microseconds
# of Python per fix. The service reads and filters columns instead. ``filter_arrays`` gives
# exactly the verdicts of ``filter_fixes`` (tests check it on every fixture): validity and
# de-duplication are vectorized; the spike judge stays sequential but only visits the few
# fixes that are not plainly reachable from their predecessor.

_REASONS = ("invalid_coordinates", "null_island", "no_time", "future_time", "too_old", "low_accuracy")


@dataclass
class FixArrays:
    """Fixes as columns: float64 arrays with NaN for unknown, ``mock`` a bool array."""

    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    acc: np.ndarray
    speed: np.ndarray
    mock: np.ndarray

    def __len__(self) -> int:
        return int(self.t.size)

    @classmethod
    def empty(cls) -> FixArrays:
        """No fixes."""
        z = np.empty(0)
        return cls(z, z, z, z, z, np.zeros(0, dtype=bool))

    @classmethod
    def from_fixes(cls, fixes: list[RawFix]) -> FixArrays:
        """Columns of RawFix values (None becomes NaN)."""
        n = len(fixes)

        def col(name: str) -> np.ndarray:
            return np.fromiter((_nan_if_none(getattr(f, name)) for f in fixes), dtype=np.float64, count=n)

        mock = np.fromiter((bool(f.mock) for f in fixes), dtype=bool, count=n)
        return cls(col("t"), col("lat"), col("lon"), col("accuracy_m"), col("speed_mps"), mock)

    def take(self, index: np.ndarray) -> FixArrays:
        """The fixes at ``index`` (an integer or boolean array), in that order."""
        return FixArrays(self.t[index], self.lat[index], self.lon[index], self.acc[index],
                         self.speed[index], self.mock[index])


def _nan_if_none(value: float | None) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass
class ArrayFilterResult:
    """Accepted fixes sorted by time (columns) and counts by reason, as in FilterResult."""

    accepted: FixArrays
    rejected: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)


def fix_problem(fix: RawFix, params: FilterParams) -> str | None:
    """Why a single fix is unfit to store (a reason code), or None when it is fit.

    A lone fix cannot be judged for speed jumps or duplicates; those are left to batch
    filtering and to the analysis.
    """
    return _reason(fix, params)


def filter_arrays(fixes: FixArrays, params: FilterParams) -> ArrayFilterResult:
    """The verdicts of ``filter_fixes`` on columns: same accepted fixes, same counts."""
    result = ArrayFilterResult(accepted=FixArrays.empty())
    valid = _valid_mask(fixes, params, result.rejected)
    kept = fixes.take(np.flatnonzero(valid))
    kept = kept.take(np.argsort(kept.t, kind="stable"))
    kept = kept.take(_dedupe_index(kept, result.rejected))
    keep = _spike_mask(kept, params, result)
    result.accepted = kept.take(np.flatnonzero(keep))
    mocks = int(np.count_nonzero(result.accepted.mock))
    if mocks:
        result.flagged["mock"] += mocks
    return result


def _valid_mask(f: FixArrays, p: FilterParams, rejected: Counter[str]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        conditions = [
            ~((f.lat >= -90.0) & (f.lat <= 90.0) & (f.lon >= -180.0) & (f.lon <= 180.0)),
            (f.lat == 0.0) & (f.lon == 0.0),
            ~np.isfinite(f.t),
            f.t > p.now + p.max_future_s,
            f.t < p.now - p.max_age_s,
            f.acc > p.max_accuracy_m,
        ]
    reason = np.select(conditions, np.arange(1, len(_REASONS) + 1), default=0)
    counts = np.bincount(reason, minlength=len(_REASONS) + 1)
    for code, count in zip(_REASONS, counts[1:], strict=True):
        if count:
            rejected[code] += int(count)
    return reason == 0


def _ranks(acc: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        good = (acc >= 0) & np.isfinite(acc)
    return np.where(good, acc, np.inf)


def _dedupe_index(f: FixArrays, rejected: Counter[str]) -> np.ndarray:
    """Indices kept after collapsing equal times (the first of the most accurate wins)."""
    n = len(f)
    if n < 2:
        return np.arange(n)
    same = f.t[1:] == f.t[:-1]
    if not same.any():
        return np.arange(n)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    ends = np.append(starts[1:], n)
    rank = _ranks(f.acc)
    index = starts.copy()
    for g in np.flatnonzero(ends - starts > 1):
        # Few groups in real files; each is replayed exactly as the fix-by-fix filter does.
        kept = int(starts[g])
        for i in range(kept + 1, int(ends[g])):
            same_place = f.lat[kept] == f.lat[i] and f.lon[kept] == f.lon[i]
            rejected["duplicate" if same_place else "duplicate_time"] += 1
            if rank[i] < rank[kept]:
                kept = i
        index[g] = kept
    return index


def _haversine_np(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def _spike_mask(f: FixArrays, p: FilterParams, result: ArrayFilterResult) -> np.ndarray:
    n = len(f)
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    acc = np.where(np.isinf(_ranks(f.acc)), 0.0, f.acc)
    d = _haversine_np(f.lat[:-1], f.lon[:-1], f.lat[1:], f.lon[1:])
    excess = d - (acc[:-1] + acc[1:])
    ok = (excess <= p.min_jump_m) | (excess <= p.max_speed_mps * np.abs(f.t[1:] - f.t[:-1]))
    suspects = np.flatnonzero(~ok) + 1  # fix i is suspect when not reachable from fix i-1
    if suspects.size == 0:
        return keep
    fixes = _Lazy(f)
    last, i = 0, 1
    while i < n:
        if last == i - 1:
            k = int(np.searchsorted(suspects, i))
            if k == suspects.size:
                break
            i = int(suspects[k])
            last = i - 1
        if _reachable(fixes[last], fixes[i], p):
            last = i
        else:
            verdict = _judge_jump(fixes[last], fixes[i], [fixes[j] for j in range(i + 1, min(n, i + 1 + p.lookahead))], p)
            if verdict == "spike":
                result.rejected["speed_jump"] += 1
                keep[i] = False
            else:
                if verdict == "relocation":
                    result.flagged["relocation"] += 1
                last = i
        i += 1
    return keep


class _Lazy:
    """RawFix views of array rows, built only for the fixes the spike judge looks at."""

    def __init__(self, f: FixArrays) -> None:
        self.f = f

    def __getitem__(self, i: int) -> RawFix:
        f = self.f
        acc = float(f.acc[i])
        return RawFix(float(f.t[i]), float(f.lat[i]), float(f.lon[i]), None if math.isnan(acc) else acc)
