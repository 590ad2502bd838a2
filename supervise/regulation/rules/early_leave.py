"""EARLY_LEAVE: the last position inside the area came more than before_end_min before end.

Judged only once the shift has ended (as of `as_of`), and only on evidence of leaving: the track
must go on, outside, from the last fix inside to the end of the shift without a silence longer
than the gap threshold. A track that simply stops looks the same whether the officer left or the
phone died, so a trailing silence is TRACK_GAP's finding and nothing is inferred across it.
Declared breaks between the last inside position and the end do not count. Not raised when the
shift has no positions (TRACK_GAP) or none inside (OFF_POST). Thin support (few fixes on the way
out, a margin inside the timing noise) raises it for review.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, num
from supervise.regulation.rules._common import has_track, minus_breaks, minutes
from supervise.regulation.support import span_support, thin_reasons
from supervise.tracks.model import Span


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding when the officer was seen leaving more than before_end_min before shift end."""
    track = facts.track
    if facts.as_of < facts.end or not has_track(facts) or track is None or track.last_inside is None:
        return []
    last_inside = track.last_inside
    limit = config.params["before_end_min"]
    away_s = sum(p.seconds for p in minus_breaks(Span(last_inside, facts.end), facts.breaks)) \
        if facts.end > last_inside else 0.0
    if away_s <= minutes(limit).total_seconds():
        return []
    if any(g.end > last_inside for g in track.gaps):
        return []
    support = span_support(track, last_inside, facts.end)
    margin_s = away_s - minutes(limit).total_seconds()
    return [make_finding(
        config, "EARLY_LEAVE", (last_inside, facts.end),
        f"最后一次在网格内为班次结束前 {num(away_s / 60)} 分钟（允许 {num(limit)} 分钟），此后一直在网格外",
        f"Last inside the grid {num(away_s / 60)} min before shift end ({num(limit)} min allowed), "
        "outside from then on",
        {"last_inside": iso(last_inside), "shift_end": iso(facts.end),
         "minutes_before_end": round(away_s / 60, 2), "last_fix": iso(track.last_fix),
         "support": support.evidence(margin_s / 60, "min")},
        thin_reasons(support, margin_s),
    )]
