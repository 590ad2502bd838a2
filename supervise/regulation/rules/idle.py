"""IDLE: stationary within radius_m for min_duration_min or more (在岗不在状态).

Patrol shifts only: on a fixed post standing still is the job. Time in declared
breaks and outside the shift (or after as_of) does not count; each remaining
piece of a stay that is at least min_duration_min long is one finding, keyed by
the minute it began.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import clip, judged_until, minus_breaks, minutes
from supervise.tracks.model import Span, StayPoint


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per stay (outside breaks) of at least min_duration_min on a patrol shift."""
    if facts.kind != "patrol" or facts.track is None:
        return []
    need = minutes(config.params["min_duration_min"]).total_seconds()
    hi = judged_until(facts)
    findings = []
    for stay in facts.track.stays:
        inside = clip(Span(stay.start, stay.end), facts.start, hi)
        for piece in minus_breaks(inside, facts.breaks) if inside else []:
            if piece.seconds >= need:
                findings.append(_finding(piece, stay, config))
    return findings


def _finding(piece: Span, stay: StayPoint, config: RuleConfig) -> Finding:
    length = piece.seconds / 60
    p = config.params
    return make_finding(
        config, minute_key("IDLE", piece.start), (piece.start, piece.end),
        f"在 {num(stay.radius_m)} 米范围内停留 {num(length)} 分钟（上限 {num(p['min_duration_min'])} 分钟）",
        f"Stayed within {num(stay.radius_m)} m for {num(length)} min "
        f"(limit {num(p['min_duration_min'])} min)",
        {"span": [iso(piece.start), iso(piece.end)], "minutes": round(length, 2),
         "lat": stay.lat, "lon": stay.lon, "radius_m": stay.radius_m, "points": stay.points},
    )
