"""Demo world: Tracks for today's shifts along real Harbin streets."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date


def add_demo_tracks(today: date) -> Iterator[str]:
    """Tracks for today's shifts along real Harbin streets."""
    yield from ()
