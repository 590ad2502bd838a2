"""Demo world: the checks as of now over today's evidence, so managers find flags to review."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

from supervise.services.checks import run_checks
from supervise.timeutil import local_day_bounds, utcnow


def run_demo_checks(today: date) -> Iterator[str]:
    """Judge yesterday's finished shifts as of early this morning, then everything as of now
    (idempotent: a second run raises nothing new)."""
    morning = local_day_bounds(today)[0] + timedelta(hours=5)
    now = utcnow()
    for label, as_of in (("yesterday's shifts, as of 05:00 today", min(morning, now)), ("now", now)):
        report = run_checks(as_of, trigger="demo")
        by_code = Counter(flag.code for flag in report.created)
        listed = ", ".join(f"{code} {n}" for code, n in sorted(by_code.items())) or "none new"
        yield f"checks ({label}) over {report.shifts} shifts: {len(report.created)} flags raised ({listed})"
