"""OFF_POST: outside the grid (or fixed-post circle) too long (脱岗).

Each stretch outside lasting max_continuous_min or more is one finding, keyed by
the minute it began. The shift's total outside reaching max_total_min is one
more finding, "OFF_POST@total", unless every stretch outside was already
flagged on its own (then the total adds nothing). Time in declared breaks,
outside the shift or after as_of does not count (an officer may leave the grid
for a declared meal break).
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import clip, judged_until, minus_breaks, minutes
from supervise.tracks.model import Span


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """Findings for long stretches outside and for too much time outside in total."""
    track = facts.track
    if track is None:
        return []
    hi = judged_until(facts)
    raw = [Span(e.start, e.end) for e in track.excursions]
    pieces = [p for s in raw if (c := clip(s, facts.start, hi)) for p in minus_breaks(c, facts.breaks)]
    removed = sum(s.seconds for s in raw) - sum(p.seconds for p in pieces)
    total = max(sum(p.seconds for p in pieces), track.outside_total_s - removed)
    long_enough = minutes(config.params["max_continuous_min"]).total_seconds()
    flagged = [p for p in pieces if p.seconds >= long_enough]
    findings = [_continuous(p, config) for p in flagged]
    if total >= minutes(config.params["max_total_min"]).total_seconds() and len(flagged) < len(pieces):
        findings.append(_total(pieces, total, config))
    return findings


def _continuous(piece: Span, config: RuleConfig) -> Finding:
    length = piece.seconds / 60
    limit = config.params["max_continuous_min"]
    return make_finding(
        config, minute_key("OFF_POST", piece.start), (piece.start, piece.end),
        f"连续离开网格 {num(length)} 分钟（上限 {num(limit)} 分钟）",
        f"Outside the grid for {num(length)} min in a row (limit {num(limit)} min)",
        {"span": [iso(piece.start), iso(piece.end)], "minutes": round(length, 2)},
    )


def _total(pieces: list[Span], total_s: float, config: RuleConfig) -> Finding:
    length = total_s / 60
    limit = config.params["max_total_min"]
    return make_finding(
        config, "OFF_POST@total", (pieces[0].start, pieces[-1].end),
        f"本班次累计离开网格 {num(length)} 分钟（上限 {num(limit)} 分钟）",
        f"Outside the grid {num(length)} min in total this shift (limit {num(limit)} min)",
        {"total_min": round(length, 2),
         "spans": [[iso(p.start), iso(p.end)] for p in pieces]},
    )
