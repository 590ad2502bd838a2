"""The retention purge (PIPL: keep personal data no longer than needed).

What goes, each after its own number of days (README "Privacy"):
- photo files of sign-ins and findings (original and display copy). The photo's row stays: its
  SHA-256 and perceptual hash still catch a reused photo, and every sign-in keeps what was judged
  from it (time, place, flags);
- positions, counted from their arrival (received_ts, which is indexed). On SQLite they are deleted
  a day at a time. On PostgreSQL, where the table is partitioned by day (services/partitions.py),
  a day partition goes whole once its day and every arrival in it are older than the cutoff:
  detached and dropped, never a bulk DELETE; the tracks of shifts with live flags are first copied
  out of it into the default partition. What the default partition holds (instants no day
  partition covered) is deleted row by row as on SQLite;
- login attempts, and bearer tokens and browser sessions that expired or were ended.

What stays while a flag is open, appealed or still appealable (confirmed less than
APPEAL_WINDOW_DAYS ago and never appealed): the photos of its shift's sign-ins, of its finding and
of a sign-in its photo was found to reuse, and the positions of its shift. Flags themselves, their
history and every judgement are never purged.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, column, delete, exists, false, func, not_, or_, select, table, text, update

from supervise.extensions import db
from supervise.models import (
    ApiToken,
    Checkin,
    Flag,
    FlagEvent,
    InspectionFinding,
    LoginAttempt,
    Photo,
    Position,
    Shift,
    WebSession,
)
from supervise.services import partitions, storage

log = logging.getLogger("supervise.retention")
DAY = timedelta(days=1)
PHOTO_BATCH = 500


@dataclass(frozen=True)
class Retention:
    """Days each kind of personal data is kept, and how long a confirmed flag stays appealable."""

    photo_days: int
    position_days: int
    login_attempt_days: int
    token_days: int
    appeal_window_days: int

    @classmethod
    def from_config(cls, config) -> Retention:
        """The settings of an app's config (RETENTION_*_DAYS, APPEAL_WINDOW_DAYS)."""
        return cls(config["RETENTION_PHOTO_DAYS"], config["RETENTION_POSITION_DAYS"],
                   config["RETENTION_LOGIN_ATTEMPT_DAYS"], config["RETENTION_TOKEN_DAYS"],
                   config["APPEAL_WINDOW_DAYS"])


@dataclass
class PurgeReport:
    """What a purge removed (or, dry, would remove) and what it kept for live flags."""

    now: datetime
    dry_run: bool
    photos: int = 0
    photo_bytes: int = 0
    photos_kept_for_flags: int = 0
    positions: int = 0
    position_partitions: list[str] = field(default_factory=list)
    shifts_kept_for_flags: int = 0
    login_attempts: int = 0
    tokens: int = 0
    sessions: int = 0
    cutoffs: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report for people, one line per kind."""
        verb = "would remove" if self.dry_run else "removed"
        c = self.cutoffs
        return [(f"photos:         {verb} {self.photos} photo files ({self.photo_bytes / 1e6:.1f} MB) of records "
                f"before {c['photos']:%Y-%m-%d}; kept {self.photos_kept_for_flags} older ones for open or "
                "appealable flags (hashes and judgements stay)"),
                (f"positions:      {verb} {self.positions} positions received before {c['positions']:%Y-%m-%d}"
                f"{self._partitions_said()}; kept the tracks of {self.shifts_kept_for_flags} shifts with open or "
                "appealable flags"),
                f"login attempts: {verb} {self.login_attempts} login attempts made before {c['login_attempts']:%Y-%m-%d}",
                (f"tokens:         {verb} {self.tokens} bearer tokens and {self.sessions} browser sessions "
                f"expired or ended before {c['tokens']:%Y-%m-%d}")]


    def _partitions_said(self) -> str:
        names = self.position_partitions
        if not names:
            return ""
        verb = "dropping" if self.dry_run else "dropped"
        span = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"
        return f" ({verb} {len(names)} whole day partitions, {span})"


def purge(now: datetime, retention: Retention, *, dry_run: bool = False) -> PurgeReport:
    """Apply the retention settings as of `now` (or, dry, count what would go). Each kind is
    committed on its own, so an interrupted purge keeps what it did and the next one goes on."""
    report = PurgeReport(now=now, dry_run=dry_run, cutoffs={
        "photos": now - retention.photo_days * DAY, "positions": now - retention.position_days * DAY,
        "login_attempts": now - retention.login_attempt_days * DAY, "tokens": now - retention.token_days * DAY})
    live = live_flag_condition(now, retention.appeal_window_days)
    purge_photos(report, live)
    purge_positions(report, live)
    purge_login_attempts(report)
    purge_tokens(report)
    log.info("retention purge%s: %s", " (dry run)" if dry_run else "", "; ".join(" ".join(line.split()) for line in report.lines()))
    return report


def live_flag_condition(now: datetime, appeal_window_days: int):
    """A condition on Flag: open, appealed, or confirmed within the appeal window and never appealed."""
    appealed = exists().where(FlagEvent.flag_id == Flag.id, FlagEvent.action == "appealed")
    appealable = and_(Flag.status == "confirmed", Flag.updated_at >= now - appeal_window_days * DAY, ~appealed)
    return or_(Flag.status.in_(("open", "appealed")), appealable)


# ---------------------------------------------------------------- photos


def purge_photos(report: PurgeReport, live) -> None:
    """Photo files whose every sign-in and finding is older than the cutoff and are no live flag's
    evidence: removed from storage, the row marked purged_at."""
    cutoff = report.cutoffs["photos"]
    old = _old_photos(cutoff)
    protected = _protected_photo_hashes(live)
    report.photos_kept_for_flags = db.session.scalar(
        select(func.count()).select_from(Photo).where(old, Photo.sha256.in_(protected)))
    doomed = select(Photo.sha256, Photo.format, Photo.size_bytes).where(old, Photo.sha256.not_in(protected))
    rows = db.session.execute(doomed).all()
    report.photos, report.photo_bytes = len(rows), sum(row.size_bytes for row in rows)
    if report.dry_run:
        db.session.rollback()
        return
    store = storage.photo_store()
    for start in range(0, len(rows), PHOTO_BATCH):
        batch = rows[start:start + PHOTO_BATCH]
        for row in batch:   # the files first: if the commit below fails, the next purge marks them
            store.remove(row.sha256, row.format)
        db.session.execute(update(Photo).where(Photo.sha256.in_([row.sha256 for row in batch]))
                           .values(purged_at=report.now))
        db.session.commit()


def _old_photos(cutoff: datetime):
    """Not yet purged, stored before the cutoff, and no sign-in or finding on or after it."""
    recent_checkin = exists().where(Checkin.photo_sha256 == Photo.sha256, Checkin.received_at >= cutoff)
    recent_finding = exists().where(InspectionFinding.photo_sha256 == Photo.sha256,
                                    InspectionFinding.recorded_at >= cutoff)
    return and_(Photo.purged_at.is_(None), Photo.stored_at < cutoff, ~recent_checkin, ~recent_finding)


def _protected_photo_hashes(live):
    """Hashes of photos that are evidence of a live flag: its shift's sign-ins, its finding's photo,
    and the earlier sign-in a reused photo was matched with."""
    live_shifts = select(Flag.shift_id).where(live, Flag.shift_id.is_not(None))
    live_findings = select(Flag.finding_id).where(live, Flag.finding_id.is_not(None))
    reused = select(Checkin.reused_checkin_id).where(Checkin.shift_id.in_(live_shifts),
                                                     Checkin.reused_checkin_id.is_not(None))
    return (select(Checkin.photo_sha256).where(or_(Checkin.shift_id.in_(live_shifts), Checkin.id.in_(reused)))
            .union(select(InspectionFinding.photo_sha256).where(InspectionFinding.id.in_(live_findings),
                                                                InspectionFinding.photo_sha256.is_not(None))))


# ---------------------------------------------------------------- positions


def purge_positions(report: PurgeReport, live) -> None:
    """Positions received before the cutoff, a day at a time (bounded transactions), except the
    tracks of shifts with a live flag."""
    cutoff_ts = report.cutoffs["positions"].timestamp()
    kept = db.session.execute(select(Shift.officer_id, Shift.start, Shift.end).where(
        Shift.id.in_(select(Flag.shift_id).where(live, Flag.shift_id.is_not(None))),
        Shift.start < report.cutoffs["positions"] + DAY)).all()
    report.shifts_kept_for_flags = len(kept)
    if partitions.partitioned(db.session.connection()):
        _drop_position_partitions(report, kept)
        _purge_default_partition(report, kept)
        return
    oldest = db.session.scalar(select(func.min(Position.received_ts)))
    if oldest is None or oldest >= cutoff_ts:
        db.session.rollback()
        return
    start = oldest
    while start < cutoff_ts:
        end = min(start + DAY.total_seconds(), cutoff_ts)
        slice_ = and_(Position.received_ts >= start, Position.received_ts < end, not_(_within_kept(kept)))
        if report.dry_run:
            report.positions += db.session.scalar(select(func.count()).select_from(Position).where(slice_))
        else:
            report.positions += max(db.session.execute(delete(Position).where(slice_)).rowcount, 0)
            db.session.commit()
        start = end
    db.session.rollback()


def _within_kept(kept: list, columns=Position.__table__.c) -> object:
    if not kept:
        return false()
    return or_(*(and_(columns.officer_id == officer_id, columns.ts >= start.timestamp(), columns.ts <= end.timestamp())
                 for officer_id, start, end in kept))


def _position_table(name: str):
    return table(name, *(column(c.name) for c in Position.__table__.columns))


def _drop_position_partitions(report: PurgeReport, kept: list) -> None:
    """PostgreSQL: every day partition whose day and arrivals are all before the cutoff is
    detached and dropped, each in its own transaction, after the tracks of shifts with live
    flags are copied out of it (into the default partition, as no day partition covers them now)."""
    cutoff_ts = report.cutoffs["positions"].timestamp()
    days = partitions.day_partitions(db.session.connection())
    db.session.rollback()
    for day in days:
        if partitions.day_bounds(day.day)[1] > cutoff_ts:
            break
        part = _position_table(day.name)
        latest = db.session.scalar(select(func.max(part.c.received_ts)))
        if latest is not None and latest >= cutoff_ts:
            db.session.rollback()
            continue   # a late upload: the day goes once its last arrival is old enough
        count = db.session.scalar(select(func.count()).select_from(part).where(not_(_within_kept(kept, part.c))))
        report.positions += count
        report.position_partitions.append(day.name)
        if report.dry_run:
            db.session.rollback()
            continue
        _detach_and_drop(day.name, part, kept)


def _detach_and_drop(name: str, part, kept: list) -> None:
    """Detach the partition, copy the kept tracks back into the table, drop it: one transaction."""
    session = db.session
    session.execute(text(f"SET LOCAL lock_timeout = '{partitions.LOCK_TIMEOUT}'"))
    session.execute(text(f"ALTER TABLE {partitions.PARENT} DETACH PARTITION {name}"))
    if kept:
        session.execute(Position.__table__.insert().from_select(
            [c.name for c in Position.__table__.columns], select(*part.c).where(_within_kept(kept, part.c))))
    session.execute(text(f"DROP TABLE {name}"))
    session.commit()
    log.info("retention: dropped the position partition %s", name)


def _purge_default_partition(report: PurgeReport, kept: list) -> None:
    """PostgreSQL: the default partition's rows received before the cutoff, except kept tracks."""
    default = _position_table(partitions.DEFAULT)
    old = and_(default.c.received_ts < report.cutoffs["positions"].timestamp(), not_(_within_kept(kept, default.c)))
    if report.dry_run:
        report.positions += db.session.scalar(select(func.count()).select_from(default).where(old))
        db.session.rollback()
        return
    report.positions += max(db.session.execute(delete(default).where(old)).rowcount, 0)
    db.session.commit()


# ---------------------------------------------------------------- sign-in records


def purge_login_attempts(report: PurgeReport) -> None:
    """Login attempts (who tried which name from where) older than their cutoff."""
    old = LoginAttempt.at < report.cutoffs["login_attempts"]
    report.login_attempts = _delete_or_count(LoginAttempt, old, report.dry_run)


def purge_tokens(report: PurgeReport) -> None:
    """Bearer tokens and browser sessions that expired or were ended before the cutoff."""
    cutoff = report.cutoffs["tokens"]
    report.tokens = _delete_or_count(ApiToken, or_(ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff),
                                     report.dry_run)
    report.sessions = _delete_or_count(WebSession, or_(WebSession.expires_at < cutoff,
                                                       WebSession.revoked_at < cutoff), report.dry_run)


def _delete_or_count(model, condition, dry_run: bool) -> int:
    if dry_run:
        count = db.session.scalar(select(func.count()).select_from(model).where(condition))
        db.session.rollback()
        return count
    count = max(db.session.execute(delete(model).where(condition)).rowcount, 0)
    db.session.commit()
    return count
