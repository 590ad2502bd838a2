"""Demo world: Sign-ins for today's shifts: most on time and in place, some late, one off the grid, one reused photo, one without GPS."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date


def add_demo_checkins(today: date) -> Iterator[str]:
    """Sign-ins for today's shifts: most on time and in place, some late, one off the grid, one reused photo, one without GPS."""
    yield from ()
