"""PURE: an inspector's finding set against the officer's own track in the same minutes.

An "absent" finding while the officer's phone puts them inside their grid, or a "compliant" (or
"violation", which says the officer was there) finding while the track puts them far away, is a
contradiction a reviewing manager must see, with the numbers: how many fixes, when, how far from the
grid and from the inspector's photo. One fix is never evidence (DOMAIN.md): a verdict needs at
least MIN_FIXES fixes inside the window; fewer is "insufficient", never "agrees".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

WINDOW_S = 300.0          # fixes within 5 minutes either side of the finding
MIN_FIXES = 3
INSIDE_M = 50.0           # the OFF_POST buffer: within this of the grid counts as inside
FAR_M = 1000.0            # further than this from the grid the officer cannot have been seen there
NEAR_INSPECTOR_M = 150.0  # within this of the inspector's photo the officer was where the inspector stood


@dataclass(frozen=True)
class TrackCheck:
    """What the officer's track said at the time of a finding."""

    verdict: str                           # contradicts | agrees | insufficient
    fixes: int
    first_ts: float | None
    last_ts: float | None
    median_to_grid_m: float | None
    inside_share: float | None
    median_to_photo_m: float | None
    reason_en: str
    reason_zh: str

    def as_dict(self) -> dict:
        return asdict(self)


def check_finding(result: str, at_ts: float, t: np.ndarray, to_grid_m: np.ndarray | None,
                  to_photo_m: np.ndarray | None, *, window_s: float = WINDOW_S) -> TrackCheck:
    """Compare a finding (`result` at `at_ts`) with the fixes `t` and their distances to the officer's
    grid (None: no grid, e.g. no shift) and to the inspector's photo (None: the photo has no position)."""
    near = np.abs(t - at_ts) <= window_s
    n = int(near.sum())
    if n < MIN_FIXES:
        return TrackCheck("insufficient", n, *_span(t[near]), None, None, None,
                          f"only {n} fixes within {window_s / 60:.0f} min of the finding: the track cannot "
                          "confirm or contradict it",
                          f"发现前后 {window_s / 60:.0f} 分钟内仅有 {n} 个定位点，轨迹无法印证或否定该发现")
    grid = None if to_grid_m is None else to_grid_m[near]
    photo = None if to_photo_m is None else to_photo_m[near]
    med_grid = None if grid is None else round(float(np.median(grid)), 1)
    inside = None if grid is None else round(float(np.mean(grid <= INSIDE_M)), 3)
    med_photo = None if photo is None else round(float(np.median(photo)), 1)
    verdict, en, zh = _judge(result, n, med_grid, inside, med_photo)
    return TrackCheck(verdict, n, *_span(t[near]), med_grid, inside, med_photo, en, zh)


def _judge(result: str, n: int, med_grid, inside, med_photo) -> tuple[str, str, str]:
    numbers_en = _numbers_en(n, med_grid, inside, med_photo)
    numbers_zh = _numbers_zh(n, med_grid, inside, med_photo)
    if result == "absent":
        there = (inside is not None and inside >= 0.8) or (med_photo is not None and med_photo <= NEAR_INSPECTOR_M)
        if there:
            return ("contradicts", f"found absent, but the officer's track puts them on post: {numbers_en}",
                    f"发现为不在岗，但该队员的轨迹显示其在岗：{numbers_zh}")
        return "agrees", f"the track agrees the officer was not on post: {numbers_en}", \
            f"轨迹与“不在岗”一致：{numbers_zh}"
    far = (med_grid is not None and med_grid > FAR_M) or (med_grid is None and med_photo is not None
                                                          and med_photo > FAR_M)
    if far:
        word_en = "compliant" if result == "compliant" else "present (a violation)"
        word_zh = "合格" if result == "compliant" else "在场违纪"
        return ("contradicts", f"found {word_en}, but the officer's track puts them far away: {numbers_en}",
                f"发现为{word_zh}，但该队员的轨迹显示其远离岗位：{numbers_zh}")
    return "agrees", f"the track agrees with the finding: {numbers_en}", f"轨迹与发现一致：{numbers_zh}"


def _numbers_en(n, med_grid, inside, med_photo) -> str:
    parts = [f"{n} fixes within 5 min"]
    if med_grid is not None:
        parts.append(f"median {med_grid:.0f} m from the grid ({inside * 100:.0f}% of fixes inside)")
    if med_photo is not None:
        parts.append(f"median {med_photo:.0f} m from the inspector's photo")
    return ", ".join(parts)


def _numbers_zh(n, med_grid, inside, med_photo) -> str:
    parts = [f"前后5分钟内 {n} 个定位点"]
    if med_grid is not None:
        parts.append(f"距网格中位 {med_grid:.0f} 米（{inside * 100:.0f}% 的点在网格内）")
    if med_photo is not None:
        parts.append(f"距督察照片地点中位 {med_photo:.0f} 米")
    return "，".join(parts)


def _span(t: np.ndarray) -> tuple[float | None, float | None]:
    return (float(t.min()), float(t.max())) if t.size else (None, None)
