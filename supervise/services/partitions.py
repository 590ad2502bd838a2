"""Positions by day on PostgreSQL: the day partitions of the `position` table.

Migration 0010 makes `position` a table partitioned by RANGE (ts) on PostgreSQL: one partition
per UTC day, `position_pYYYYMMDD`, covering [day 00:00, next day 00:00) in POSIX seconds, and a
DEFAULT partition, `position_default`, that takes any instant no day partition covers (a phone
with a wrong clock, an old track uploaded late), so an insert never fails for want of a partition.
The scheduler creates the coming days ahead (`ensure_days_ahead`); creating a day moves the rows
the default partition already holds for it into the new partition. Retention drops whole day
partitions (services/retention.py). On SQLite every function here is a no-op: one table, as ever.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger("supervise.partitions")

PARENT = "position"
DEFAULT = "position_default"
DAY_S = 86400
EPOCH = date(1970, 1, 1)
LOCK_TIMEOUT = "5s"   # a long read holding the table makes the job wait this long, then try next time
_NAME = re.compile(r"^position_p(\d{8})$")


def is_position_partition(name: str | None) -> bool:
    """Whether a table name is one of the position table's partitions (which the models do not list)."""
    return bool(name) and (name == DEFAULT or _NAME.match(name) is not None)


def partitioned(connection: Connection) -> bool:
    """Whether `position` is a partitioned table here (PostgreSQL after migration 0010)."""
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:name)"),
                              {"name": PARENT}).scalar()
    return kind == "p"


def partition_name(day: date) -> str:
    """The name of the partition holding the positions of that UTC day."""
    return f"position_p{day:%Y%m%d}"


def day_bounds(day: date) -> tuple[float, float]:
    """The day's range of ts: [start, end) in POSIX seconds."""
    start = (day - EPOCH).days * DAY_S
    return float(start), float(start + DAY_S)


def day_of(ts: float) -> date:
    """The UTC day of a POSIX instant."""
    return EPOCH + timedelta(days=int(ts // DAY_S))


@dataclass(frozen=True)
class DayPartition:
    """One day partition and the rows in it (counted only when asked)."""

    day: date
    name: str


def day_partitions(connection: Connection) -> list[DayPartition]:
    """The day partitions attached to `position`, oldest first (empty on SQLite)."""
    if not partitioned(connection):
        return []
    names = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:parent)"), {"parent": PARENT}).scalars()
    days = []
    for name in names:
        match = _NAME.match(name)
        if match:
            days.append(DayPartition(datetime.strptime(match.group(1), "%Y%m%d").date(), name))
    return sorted(days, key=lambda p: p.day)


def ensure_days(connection: Connection, days: list[date]) -> list[date]:
    """Create the partitions of those days that are missing, each in its own transaction on
    `connection` (which must not be in one); the days created. Rows the default partition holds
    for a new day move into it. On SQLite nothing happens."""
    if not partitioned(connection):
        return []
    have = {p.day for p in day_partitions(connection)}
    connection.rollback()
    created = []
    for day in sorted(set(days) - have):
        with connection.begin():
            _create_day(connection, day)
        created.append(day)
        log.info("created the position partition %s", partition_name(day))
    return created


def ensure_days_ahead(connection: Connection, today: date, ahead: int) -> list[date]:
    """Make sure the partitions of today and the `ahead` days after it exist; the days created."""
    return ensure_days(connection, [today + timedelta(days=n) for n in range(ahead + 1)])


def _create_day(connection: Connection, day: date) -> None:
    """Create one day's partition, moving into it what the default partition holds for that day.

    Why the lock on the parent first: creating a partition locks the parent and the default
    partition; an insert takes them in that order too, so taking the parent first cannot
    deadlock with one. The lock timeout keeps a long read from stalling live inserts behind us."""
    start, end = day_bounds(day)
    name = partition_name(day)
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE"))
    in_range = "ts >= :start AND ts < :end"
    bounds = {"start": start, "end": end}
    connection.execute(text(f"CREATE TEMPORARY TABLE moving_positions ON COMMIT DROP AS "
                            f"SELECT * FROM {DEFAULT} WHERE {in_range}"), bounds)
    connection.execute(text(f"DELETE FROM {DEFAULT} WHERE {in_range}"), bounds)
    connection.execute(text(f"CREATE TABLE {name} PARTITION OF {PARENT} "
                            f"FOR VALUES FROM ({start!r}) TO ({end!r})"))
    connection.execute(text(f"INSERT INTO {PARENT} SELECT * FROM moving_positions"))


def today_utc() -> date:
    """Today's UTC date (the partitions' days are UTC days)."""
    return datetime.now(UTC).date()
