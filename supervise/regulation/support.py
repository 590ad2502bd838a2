"""How much evidence stands behind a finding, and when it is too thin to accuse anyone (PURE).

Every span finding (IDLE, OFF_POST, EARLY_LEAVE) shows the fixes inside its span, how many a
minute, their median reported accuracy, the longest silence inside, and its margin over the
threshold. A finding is raised *for review* instead of as a plain violation when its support is
thin, that is when any of these holds (README, "Judging fairly"):

* fewer than MIN_FIXES fixes in the span, or fewer than MIN_FIXES_PER_MIN a minute;
* a silence inside the span longer than MAX_SILENCE_S or than a third of the span;
* the margin over the threshold is inside the timing noise: less than
  max(MIN_MARGIN_S, 2 x the median interval between fixes) for a duration;
* a rule-specific doubt the rule adds itself (a stay that fits its radius only with the allowance
  for the phone's noise; a step outside that is less than twice the accuracy beyond the buffer).

A review flag asks a person; it accuses no one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from supervise.tracks.model import TrackAnalysis

MIN_FIXES = 10
MIN_FIXES_PER_MIN = 0.5
MAX_SILENCE_S = 5 * 60.0
MIN_MARGIN_S = 120.0

Reason = tuple[str, str]  # (zh, en)


@dataclass(frozen=True)
class Support:
    """The fixes behind one span of a track."""

    fixes: int
    minutes: float
    fixes_per_min: float
    median_accuracy_m: float | None
    longest_silence_s: float
    interval_s: float | None

    def evidence(self, margin: float, unit: str) -> dict:
        """The numbers a reviewer reads, with the margin over the threshold in `unit`."""
        return {"fixes": self.fixes, "fixes_per_min": round(self.fixes_per_min, 2),
                "median_accuracy_m": None if self.median_accuracy_m is None else round(self.median_accuracy_m, 1),
                "longest_silence_min": round(self.longest_silence_s / 60, 1),
                "margin": round(margin, 2), "margin_unit": unit}


def span_support(track: TrackAnalysis, start: datetime, end: datetime) -> Support:
    """The fixes of `track` (after outliers) between start and end."""
    t0, t1 = start.timestamp(), end.timestamp()
    t, acc = track.fix_t, track.fix_acc
    inside = (t >= t0) & (t <= t1)
    times, accuracy = t[inside], acc[inside]
    known = accuracy[accuracy > 0]
    edges = np.r_[t0, times, t1]
    steps = np.diff(times)
    minutes = max((t1 - t0) / 60, 1 / 60)
    return Support(fixes=int(times.size), minutes=minutes, fixes_per_min=times.size / minutes,
                   median_accuracy_m=float(np.median(known)) if known.size else None,
                   longest_silence_s=float(np.diff(edges).max()) if edges.size > 1 else 0.0,
                   interval_s=float(np.median(steps)) if steps.size else None)


def thin_reasons(support: Support, margin_s: float | None = None) -> list[Reason]:
    """Why this support is too thin for a plain violation (empty when it is not)."""
    reasons: list[Reason] = []
    if support.fixes < MIN_FIXES or support.fixes_per_min < MIN_FIXES_PER_MIN:
        reasons.append((f"时段内仅有 {support.fixes} 个定位点（每分钟 {support.fixes_per_min:.1f} 个）",
                        f"only {support.fixes} fixes in the span ({support.fixes_per_min:.1f} a minute)"))
    span_s = support.minutes * 60
    if support.longest_silence_s > min(MAX_SILENCE_S, span_s / 3):
        minutes = support.longest_silence_s / 60
        reasons.append((f"时段内有 {minutes:.1f} 分钟没有定位", f"a silence of {minutes:.1f} min inside the span"))
    if margin_s is not None:
        noise = max(MIN_MARGIN_S, 2 * (support.interval_s or 0.0))
        if margin_s < noise:
            reasons.append((f"超出时限 {margin_s / 60:.1f} 分钟，在定位时间误差（{noise / 60:.1f} 分钟）之内",
                            (f"over the limit by {margin_s / 60:.1f} min, within the timing noise "
                             f"({noise / 60:.1f} min)")))
    return reasons
