"""After a long outage (a weekend) the scheduler's first tick judges the whole gap, an hour at a
time and oldest first, says so, and beats its heartbeat after each step."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from supervise.extensions import db
from supervise.jobs import catch_up_steps, tick
from supervise.models import CheckRun, Flag
from supervise.services import heartbeat
from supervise.services.locks import SchedulerLock
from supervise.timeutil import utcnow
from tests.integration.evidence_factories import make_shift


def test_the_steps_cover_the_gap_in_order_and_end_now():
    now = utcnow()
    steps = catch_up_steps(now - timedelta(hours=2, minutes=30), now)
    assert steps == [now - timedelta(hours=1, minutes=30), now - timedelta(minutes=30), now]
    assert catch_up_steps(now - timedelta(seconds=60), now) == [now]


def test_a_weekend_outage_is_caught_up_whole_in_order_and_said_so(app, ctx, world, caplog):
    now = utcnow()
    db.session.add(CheckRun(as_of=now - timedelta(hours=62), trigger="scheduled"))   # Friday evening
    db.session.commit()
    saturday = make_shift("HRB-DL-0001", (now - timedelta(hours=50)).isoformat(), hours=2)
    sunday = make_shift("HRB-DL-0002", (now - timedelta(hours=26)).isoformat(), hours=2)
    lock = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    try:
        with caplog.at_level(logging.INFO, logger="supervise.jobs"):
            report = tick(app, lock)
    finally:
        lock.release()

    assert sorted(f.shift_id for f in report.created) == [saturday, sunday]
    assert {f.code for f in report.created} == {"ABSENT"}
    flags = db.session.scalars(select(Flag).order_by(Flag.id)).all()
    assert [f.shift_id for f in flags] == [saturday, sunday], "the older shift is judged first"
    runs = db.session.scalars(select(CheckRun.as_of).where(CheckRun.trigger == "scheduled")
                              .order_by(CheckRun.id)).all()
    assert len(runs) == 1 + 62 and runs == sorted(runs) and runs[-1] >= now
    assert any("catching up in 62 steps" in r.getMessage() for r in caplog.records)
    assert any(r.getMessage().startswith("caught up") for r in caplog.records)
    beat = heartbeat.last_beat()
    assert beat.catching_up_from == now - timedelta(hours=62) and beat.as_of == runs[-1]


def test_a_tick_right_after_the_previous_one_is_a_single_step(app, ctx, world):
    db.session.add(CheckRun(as_of=utcnow() - timedelta(seconds=60), trigger="scheduled"))
    db.session.commit()
    lock = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    try:
        tick(app, lock)
    finally:
        lock.release()
    assert db.session.scalar(select(db.func.count(CheckRun.id))) == 2
    assert heartbeat.last_beat().catching_up_from is None
