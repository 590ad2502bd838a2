"""Instants: stored in UTC, read with an offset (naive means Asia/Shanghai), shown in Shanghai time."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
__all__ = ["SHANGHAI", "UTC", "as_utc", "iso_z", "local_iso", "parse_instant", "utcnow"]


def utcnow() -> datetime:
    """The current instant, UTC-aware."""
    return datetime.now(UTC)


# Instants and days taken as input lie in these years: nothing the service records lies outside,
# and near year 1 or 9999 the step between UTC and Shanghai time leaves the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2999
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 text as a UTC-aware instant; a time without offset is read as Asia/Shanghai.

    Raises ValueError for anything that is not an ISO 8601 date-time in the years 1900–2999.
    """
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        instant = as_utc(value)
    except OverflowError:
        instant = None
    if instant is None or not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise ValueError(f"{text!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return instant


def is_supported_day(day: date) -> bool:
    """Whether a calendar day taken as input lies in the years 1900–2999."""
    return FIRST_DAY <= day <= LAST_DAY


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken as Shanghai wall-clock time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(UTC)


def iso_z(value: datetime | None) -> str | None:
    """`2026-11-26T01:00:03Z` for an instant (seconds kept, microseconds dropped when zero)."""
    if value is None:
        return None
    return as_utc_stored(value).isoformat().replace("+00:00", "Z")


def as_utc_stored(value: datetime) -> datetime:
    """An instant from the database: naive values there are UTC, not Shanghai."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_iso(value: datetime | None) -> str | None:
    """The instant as Shanghai wall-clock time with its +08:00 offset, for people to read."""
    if value is None:
        return None
    return as_utc_stored(value).astimezone(SHANGHAI).isoformat()


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a Shanghai calendar day starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=SHANGHAI)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local_today(now: datetime | None = None) -> date:
    """Today's date in Shanghai."""
    return (now or utcnow()).astimezone(SHANGHAI).date()
