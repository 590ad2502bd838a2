"""TRACK_GAP: no position for more than max_gap_min while on shift (失联).

The gaps judged are the analysis's own gaps, plus the time before the first fix and after the
last fix up to shift end or as_of, whichever comes first: a gap still open at as_of is flagged
once its limit has passed. Time before the accepted sign-in is not a gap (an officer who signs in
late has not started yet: LATE says that, one event, one flag). With no position at all, a shift
with an accepted sign-in has one gap from the sign-in (or start) to end/as_of, judged only once
the shift has ended and the regulation's upload allowance (upload_within_min) has passed: an
officer without live tracking uploads the day's file after the shift, and is judged on it.
Without a sign-in ABSENT says it already, so no gap is synthesised. Time in declared breaks does
not count; each remaining piece longer than the limit is one finding, keyed by the minute it began.
A silence is exact evidence (the times of the fixes around it), so it is never a review flag.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import (
    accepted_sign_in,
    checkin_time,
    clip,
    has_track,
    judged_until,
    minus_breaks,
    minutes,
)
from supervise.tracks.model import Span


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per stretch without positions longer than max_gap_min, outside breaks."""
    signed = accepted_sign_in(facts, config)
    lo = max(facts.start, checkin_time(signed)) if signed else facts.start
    hi = judged_until(facts)
    if hi <= lo:
        return []
    if not has_track(facts) and facts.as_of < facts.end + minutes(config.params["upload_within_min"]):
        return []
    limit = config.params["max_gap_min"]
    clipped = [c for g in _candidates(facts, lo, hi, signed is not None) if (c := clip(g, lo, hi))]
    pieces = [p for g in _union(clipped) for p in minus_breaks(g, facts.breaks)]
    return [_finding(p, limit, facts, config) for p in pieces if p.seconds > minutes(limit).total_seconds()]


def _candidates(facts: ShiftFacts, lo, hi, signed: bool) -> list[Span]:
    track = facts.track
    if not has_track(facts) or track is None:
        return [Span(lo, hi)] if signed else []
    gaps = list(track.gaps)
    if track.first_fix and track.first_fix > lo:
        gaps.append(Span(lo, track.first_fix))
    if track.last_fix and track.last_fix < hi:
        gaps.append(Span(track.last_fix, hi))
    return gaps


def _union(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for s in sorted(spans, key=lambda s: s.start):
        if merged and s.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, s.end))
        else:
            merged.append(s)
    return merged


def _finding(piece: Span, limit: float, facts: ShiftFacts, config: RuleConfig) -> Finding:
    length = piece.seconds / 60
    still_open = piece.end >= facts.as_of
    return make_finding(
        config, minute_key("TRACK_GAP", piece.start), (piece.start, piece.end),
        f"{num(length)} 分钟没有定位（允许 {num(limit)} 分钟）",
        f"No position for {num(length)} min ({num(limit)} min allowed)",
        {"gap": [iso(piece.start), iso(piece.end)], "gap_min": round(length, 2),
         "still_open_at_as_of": still_open, "no_track": not has_track(facts),
         "support": {"margin": round(length - limit, 2), "margin_unit": "min"}},
    )
