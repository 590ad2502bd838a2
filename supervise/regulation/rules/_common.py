"""Shared reading of a shift's facts for the rules (PURE).

The sign-in that counts ("accepted sign-in") is the first one received by
`as_of` whose capture time, or receipt time when the photo has none, falls in
[start - window open, start + absent_after]. A photo without usable GPS or time
still counts: its officer gets PHOTO_NO_EVIDENCE, not ABSENT as well.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from supervise.geo.distance import haversine_m as _geo_haversine_m
from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.tracks.model import Excursion, Span


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def checkin_time(c: CheckinFact) -> datetime:
    """When the sign-in happened: the photo's capture time, else its receipt."""
    return c.captured_at or c.received_at


def known_checkins(facts: ShiftFacts) -> list[CheckinFact]:
    """Sign-ins received by `as_of`, earliest first: later arrivals are not judged yet."""
    known = [c for c in facts.checkins if c.received_at <= facts.as_of]
    return sorted(known, key=lambda c: (checkin_time(c), c.id))


def window(facts: ShiftFacts, config: RuleConfig) -> tuple[datetime, datetime]:
    """The sign-in window [opens, closes] of the shift."""
    w = config.sign_in
    return facts.start - minutes(w.open_before_min), facts.start + minutes(w.close_after_min)


def accepted_sign_in(facts: ShiftFacts, config: RuleConfig) -> CheckinFact | None:
    """The first sign-in (known by as_of) whose time falls in the sign-in window."""
    opens, closes = window(facts, config)
    return next((c for c in known_checkins(facts) if opens <= checkin_time(c) <= closes), None)


def clip(span: Span, lo: datetime, hi: datetime) -> Span | None:
    """`span` cut to [lo, hi], or None when nothing is left."""
    start, end = max(span.start, lo), min(span.end, hi)
    return Span(start, end) if end > start else None


def minus_breaks(span: Span, breaks: list[Span]) -> list[Span]:
    """The parts of `span` outside every declared break."""
    pieces = [span]
    for b in sorted(breaks, key=lambda s: s.start):
        pieces = [p for piece in pieces for p in _cut(piece, b)]
    return pieces


def _cut(piece: Span, b: Span) -> list[Span]:
    if b.end <= piece.start or b.start >= piece.end:
        return [piece]
    left = [Span(piece.start, b.start)] if b.start > piece.start else []
    right = [Span(b.end, piece.end)] if b.end < piece.end else []
    return left + right


def overlap_s(span: Span, breaks: list[Span]) -> float:
    """Seconds of `span` covered by any of `breaks` (which may overlap each other)."""
    return span.seconds - sum(p.seconds for p in minus_breaks(span, breaks))


def judged_until(facts: ShiftFacts) -> datetime:
    """The end of the time that can be judged now: shift end, or as_of if earlier."""
    return min(facts.end, facts.as_of)


def has_track(facts: ShiftFacts) -> bool:
    """True when the shift has at least one accepted position."""
    return facts.track is not None and facts.track.points > 0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points, as a plain float."""
    return float(_geo_haversine_m(lat1, lon1, lat2, lon2))


def leaving_excursion(facts: ShiftFacts) -> Excursion | None:
    """Once the shift has ended: the stretch outside that lasts to the end of the track with no
    silence after it (the officer was seen leaving; EARLY_LEAVE judges it), else None."""
    track = facts.track
    if track is None or facts.as_of < facts.end or not track.excursions:
        return None
    last = track.excursions[-1]
    if last.returned or track.last_fix is None or last.end < track.last_fix:
        return None
    if any(g.end > last.end for g in track.gaps):
        return None
    return last
