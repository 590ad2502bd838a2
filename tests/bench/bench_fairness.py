"""Fairness benchmark: labelled shifts under real phone noise, fed through the service's doors.

    python tests/bench/bench_fairness.py [--shifts 240] [--seed 7] [--tick 60] [--database-url URL]

Prints precision and recall per flag code and overall, and every wrong flag with its shift.
Target (issue 10): precision >= 0.99 and recall >= 0.95 for every code, on >= 200 shifts.
Precision is printed twice: of all the flags raised, and of the plain ones (the flags raised for
review, whose evidence is thin, left out: they ask a person, they accuse no one). The target is
judged on the plain flags; the review flags on honest officers are counted beside it.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.sim.run import simulate

PRECISION, RECALL = 0.99, 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", type=int, default=240)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tick", type=float, default=60.0, help="scheduler interval, seconds")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    outcome = simulate(args.seed, args.shifts, tick_s=args.tick, database_url=args.database_url)
    print(outcome.report())
    below = outcome.score.below(PRECISION, RECALL, plain_only=True)
    strict = outcome.score.below(PRECISION, RECALL)
    print(f"target precision (plain flags) >= {PRECISION} and recall >= {RECALL} per code: "
          + ("met" if not below else "NOT met for " + ", ".join(below)))
    print("counting review flags as false too: " + ("met" if not strict else "not met for " + ", ".join(strict)))
    return 0 if not below else 1


if __name__ == "__main__":
    sys.exit(main())
