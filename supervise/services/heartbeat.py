"""The scheduler's heartbeat: the lock holder writes one row per tick (and per catch-up step);
/readyz and /metrics read it to tell whether flags are still being raised on time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from supervise.extensions import db
from supervise.models import SchedulerHeartbeat
from supervise.timeutil import utcnow

NAME = "checks"
MIN_STALE_S = 180


@dataclass(frozen=True)
class Beat:
    """What one tick (or catch-up step) reports."""

    holder: str
    interval_s: int
    as_of: datetime | None = None
    tick_seconds: float | None = None
    lag_seconds: float | None = None
    catching_up_from: datetime | None = None


def beat(report: Beat) -> None:
    """Record the beat now (committed)."""
    row = db.session.get(SchedulerHeartbeat, NAME)
    if row is None:
        row = SchedulerHeartbeat(name=NAME, holder=report.holder, beat_at=utcnow(), interval_s=report.interval_s)
        db.session.add(row)
    row.holder, row.beat_at, row.interval_s = report.holder, utcnow(), report.interval_s
    row.as_of, row.tick_seconds, row.lag_seconds = report.as_of, report.tick_seconds, report.lag_seconds
    row.catching_up_from = report.catching_up_from
    db.session.commit()


def last_beat() -> SchedulerHeartbeat | None:
    """The latest beat, if a scheduler ever beat."""
    return db.session.get(SchedulerHeartbeat, NAME)


def stale_after_s(interval_s: int) -> int:
    """A beat older than this means the scheduler has stopped (three missed ticks, 3 min at least)."""
    return max(3 * interval_s, MIN_STALE_S)
