"""Demo world: the checks as of now over today's evidence, so managers find flags to review."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

from supervise.services.checks import run_checks
from supervise.timeutil import utcnow


def run_demo_checks(today: date) -> Iterator[str]:
    """Run every check as of now (idempotent: a second run raises nothing new)."""
    report = run_checks(utcnow(), trigger="demo")
    by_code = Counter(flag.code for flag in report.created)
    listed = ", ".join(f"{code} {n}" for code, n in sorted(by_code.items())) or "none new"
    yield f"checks as of now over {report.shifts} shifts: {len(report.created)} flags raised ({listed})"
