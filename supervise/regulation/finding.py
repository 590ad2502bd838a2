"""What a rule says about a shift (PURE)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from supervise.regulation.document import RuleConfig


@dataclass(frozen=True)
class Finding:
    """One breach of one rule in one shift.

    `key` is unique within the shift and the same on every evaluation of the
    same fact ("LATE", "PHOTO_STALE#17", "IDLE@2026-11-26T02:10Z"), so a check
    run twice creates nothing new. `evidence` is JSON-serialisable.
    """

    code: str
    clause: str
    severity: str
    key: str
    start: datetime
    end: datetime
    summary_zh: str
    summary_en: str
    evidence: dict[str, Any] = field(default_factory=dict)
    review: tuple[tuple[str, str], ...] = ()

    @property
    def needs_review(self) -> bool:
        """True when the evidence is too thin for a plain violation: a person decides."""
        return bool(self.review)


def make_finding(
    config: RuleConfig, key: str, span: tuple[datetime, datetime], zh: str, en: str, evidence: dict,
    review: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
) -> Finding:
    """A Finding of `config`'s rule, with the clause, severity and thresholds in force; `review`
    lists (zh, en) reasons why the evidence is thin (then it is raised for review only)."""
    evidence = {**evidence, "params": dict(config.params), "source": config.source}
    if review:
        evidence["review"] = [{"zh": zh_, "en": en_} for zh_, en_ in review]
    return Finding(config.code, config.clause, config.severity, key, span[0], span[1], zh, en, evidence,
                   tuple(review))


def iso(t: datetime | None) -> str | None:
    """An instant as ISO 8601 UTC with a Z, or None."""
    if t is None:
        return None
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def minute_key(code: str, t: datetime) -> str:
    """A span finding's key: its code and its start rounded down to the minute, UTC."""
    return f"{code}@{t.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def checkin_key(code: str, checkin_id: int) -> str:
    """A sign-in finding's key: its code and the sign-in's id."""
    return f"{code}#{checkin_id}"


def num(x: float) -> str:
    """A number for a sentence: whole numbers without decimals, others to one decimal."""
    rounded = round(x, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"
