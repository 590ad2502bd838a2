"""A slice of the fairness benchmark in every test run: 40 labelled shifts (every story once)
under real phone noise, fed through the HTTP doors and the scheduler's tick, judged against the
targets of issue 10. The whole benchmark (240 shifts) is `python tests/bench/bench_fairness.py`."""
from __future__ import annotations

from tests.sim.run import simulate

SEED, SHIFTS, TICK_S = 11, 40, 120.0
OSMAND_SHARE = 0.3   # the rest of the live phones send batches: the same evidence, fewer requests
PRECISION, RECALL = 0.99, 0.95


def test_honest_officers_get_no_plain_flag_and_real_violations_are_found(app):
    outcome = simulate(SEED, SHIFTS, tick_s=TICK_S, app=app, osmand_share=OSMAND_SHARE, log=lambda _: None)
    report = outcome.report()
    assert outcome.answers.get("5xx", 0) == 0, report
    assert outcome.score.below(PRECISION, RECALL, plain_only=True) == [], report
    assert outcome.score.review_on_honest() <= 2, report
