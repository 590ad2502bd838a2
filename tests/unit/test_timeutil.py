"""Instants and days taken as input: ISO 8601, naive meaning Shanghai, within the years 1900–2999."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from supervise.timeutil import is_supported_day, parse_instant


def test_a_naive_time_is_shanghai_wall_clock_time():
    assert parse_instant("2026-11-27T08:00:00") == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


def test_a_z_suffix_is_utc():
    assert parse_instant("2026-11-27T00:00:00Z") == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-08:00",
                                  "9999-12-31T23:59:59Z", "1899-12-31T23:59:59Z", "3000-01-01T00:00:00Z"])
def test_an_instant_at_the_ends_of_the_calendar_is_refused_as_a_value_error_not_an_overflow(text):
    with pytest.raises(ValueError, match="outside the years 1900–2999"):
        parse_instant(text)


def test_the_supported_days_are_the_years_1900_to_2999():
    assert is_supported_day(date(1900, 1, 1)) and is_supported_day(date(2999, 12, 31))
    assert not is_supported_day(date(1, 1, 1)) and not is_supported_day(date(9999, 12, 31))
