"""One scheduler at a time: the lock, and two real scheduler processes ticking on one database."""
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from supervise.extensions import db
from supervise.models import CheckRun
from supervise.services.locks import SchedulerLock


def test_a_second_scheduler_stays_idle_while_the_first_holds_the_lock(ctx, world):
    first = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    second = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    assert first.acquire() is True
    assert second.acquire() is False
    assert first.acquire() is True      # the holder keeps it tick after tick
    first.release()
    assert second.acquire() is True
    second.release()


def test_a_lease_left_by_a_crashed_scheduler_expires(ctx, world):
    if db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL's advisory lock dies with its connection; there is no lease to expire")
    crashed = SchedulerLock(db.engine, lease=timedelta(seconds=-1))
    assert crashed.acquire() is True
    assert SchedulerLock(db.engine, lease=timedelta(seconds=30)).acquire() is True


def test_two_scheduler_processes_run_each_tick_once(tmp_path):
    url = os.environ.get("SUPERVISE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'sched.db'}"
    try:
        _two_schedulers(url, tmp_path)
    finally:
        _forget_runs(url)


def _two_schedulers(url: str, tmp_path: Path) -> None:
    env = dict(os.environ, SUPERVISE_DATABASE_URL=url, SUPERVISE_STORAGE_DIR=str(tmp_path / "storage"),
               SUPERVISE_SECRET_KEY="test")
    exe = [sys.executable, "-m", "supervise.cli"] if not _console_script() else [_console_script()]
    subprocess.run([*exe, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    runners = [subprocess.Popen([*exe, "scheduler", "--interval-seconds", "1", "--max-ticks", "3"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    logs = [r.communicate(timeout=120)[0] for r in runners]
    assert all(r.returncode == 0 for r in runners), logs
    engine = create_engine(url)
    with engine.connect() as conn:
        runs = conn.execute(select(CheckRun.__table__.c.as_of).where(CheckRun.__table__.c.trigger == "scheduled")
                            .order_by(CheckRun.__table__.c.as_of)).scalars().all()
    engine.dispose()
    ticks = sum(log.count("tick as of") for log in logs)
    idle = sum(log.count("another scheduler holds the lock") for log in logs)
    # Six tick attempts in all: the holder runs its three; the other stays idle while the lock is
    # held (it may run its last one after the holder exits and its lock is gone).
    assert ticks == len(runs) and 3 <= len(runs) <= 4, logs
    assert idle == 6 - len(runs), logs
    holder, standby = sorted((_tick_times(log) for log in logs), key=len, reverse=True)
    assert len(holder) == 3, logs
    assert all(t > holder[-1] for t in standby), "the standby ticked while the holder was running"


def _tick_times(log: str) -> list[str]:
    return re.findall(r"tick as of (\S+):", log)


def _forget_runs(url: str) -> None:
    """This test bypasses the app fixture, so it cleans up after itself on a shared database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM check_run"))
        conn.execute(text("DELETE FROM scheduler_lease"))
    engine.dispose()


def _console_script() -> str | None:
    candidate = Path(sys.executable).with_name("supervise")
    return str(candidate) if candidate.exists() else None


def test_the_first_tick_after_downtime_judges_what_fell_due_while_the_scheduler_was_down(app, ctx, world):
    from supervise.jobs import tick
    from supervise.models import Flag
    from supervise.timeutil import utcnow
    from tests.integration.evidence_factories import make_shift

    now = utcnow()
    db.session.add(CheckRun(as_of=now - timedelta(hours=6), trigger="scheduled"))   # the last tick before it stopped
    db.session.commit()
    shift = make_shift("HRB-DL-0001", (now - timedelta(hours=5)).isoformat(), hours=2)   # began and ended meanwhile
    lock = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    try:
        report = tick(app, lock)
    finally:
        lock.release()
    assert report is not None and [f.code for f in report.created] == ["ABSENT"]
    assert db.session.scalar(select(func.count(Flag.id)).where(Flag.shift_id == shift)) == 1
