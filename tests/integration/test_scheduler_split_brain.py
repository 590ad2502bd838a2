"""No split brain: a scheduler whose lock connection is cut (a PostgreSQL restart, a network cut,
pg_terminate_backend) stops ticking at once, exactly one scheduler ticks afterwards, and the lock's
connection has TCP keepalives on both ends so a vanished host does not hold it for hours."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from supervise.extensions import db
from supervise.jobs import tick
from supervise.services.locks import ADVISORY_KEY, KEEPALIVE_WINDOW_S, SchedulerLock

URL = os.environ.get("SUPERVISE_TEST_DATABASE_URL", "")
_skip_without_postgres = pytest.mark.skipif(not URL.startswith("postgresql"), reason="the advisory lock is "
                                            "PostgreSQL's; SQLite's lease has tests of its own")


def needs_postgres(test):
    return pytest.mark.postgres(_skip_without_postgres(test))


def terminate(pid: int) -> None:
    """What a PostgreSQL restart or a network cut does to one connection, done on purpose."""
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            conn.commit()  # pg_stat_activity is read once per transaction
            alive = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
            if not alive:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


@needs_postgres
def test_after_the_holders_connection_is_terminated_exactly_one_scheduler_ticks(app, ctx, world):
    first = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    second = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    try:
        assert tick(app, first) is not None and tick(app, second) is None
        terminate(first.backend_pid)
        for round_ in range(4):
            order = (first, second) if round_ % 2 else (second, first)
            ticked = [lock for lock in order if tick(app, lock) is not None]
            assert len(ticked) == 1, f"round {round_}: {len(ticked)} schedulers ticked"
        assert (first.backend_pid is None) != (second.backend_pid is None)
    finally:
        first.release()
        second.release()


@needs_postgres
def test_a_holder_that_lost_its_lock_takes_it_again_once_it_is_free(app, ctx, world):
    lock = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    try:
        assert lock.acquire()
        old = lock.backend_pid
        terminate(old)
        assert lock.acquire() and lock.backend_pid not in (None, old)
    finally:
        lock.release()


@needs_postgres
def test_the_lock_connection_has_tcp_keepalives_on_both_ends(app, ctx, world):
    lock = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    try:
        assert lock.acquire()
        raw = lock._conn.connection.dbapi_connection
        client = raw.info.get_parameters()
        assert client["keepalives"] == "1" and int(client["keepalives_idle"]) <= 60
        server = {name: raw.execute(f"SHOW {name}").fetchone()[0]
                  for name in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count",
                               "tcp_user_timeout")}
        assert server == {"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10",
                          "tcp_keepalives_count": "3", "tcp_user_timeout": str(KEEPALIVE_WINDOW_S * 1000)}, server
        assert KEEPALIVE_WINDOW_S <= 120   # a vanished host holds the lock about a minute, not hours
    finally:
        lock.release()


def test_on_a_database_without_advisory_locks_the_lease_is_checked_every_tick(app, ctx, world):
    if db.engine.dialect.name == "postgresql":
        pytest.skip("SQLite's lease")
    first = SchedulerLock(db.engine, lease=timedelta(seconds=-1))    # a lease that has run out
    second = SchedulerLock(db.engine, lease=timedelta(seconds=30))
    assert first.acquire() and second.acquire()
    assert not first.acquire()   # the first sees at its next tick that the lock is no longer its own
    second.release()


@needs_postgres
def test_two_scheduler_processes_after_the_holders_connection_is_cut_never_tick_together(tmp_path):
    env = dict(os.environ, SUPERVISE_DATABASE_URL=URL, SUPERVISE_STORAGE_DIR=str(tmp_path / "storage"),
               SUPERVISE_SECRET_KEY="test")
    exe = _supervise()
    runners = [subprocess.Popen([*exe, "scheduler", "--interval-seconds", "1", "--max-ticks", "12"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    engine = create_engine(URL)
    try:
        holder = _wait_for_holder(engine)
        time.sleep(2.5)   # both processes are up and ticking (or idle) by now, even on a busy machine
        cut_at = time.time()
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        logs = [r.communicate(timeout=120)[0] for r in runners]
    finally:
        for runner in runners:
            if runner.poll() is None:
                runner.kill()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM check_run"))
        engine.dispose()
    after = sorted((t, n) for n, log in enumerate(logs) for t in _tick_times(log) if t > cut_at + 0.5)
    tickers = [n for _, n in after]
    # One scheduler ticks after the cut: the other only once the first has stopped (its lock goes
    # with its process), so the ticks change hands at most once and never interleave.
    switches = sum(1 for a, b in pairwise(tickers) if a != b)
    assert len(after) >= 3 and switches <= 1, logs


def _wait_for_holder(engine) -> int:
    for _ in range(200):
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                    "AND objid = :low"), {"low": ADVISORY_KEY & 0xFFFF_FFFF}).scalar()
        if pid:
            return pid
        time.sleep(0.1)
    raise AssertionError("no scheduler took the lock")


def _tick_times(log: str) -> list[float]:
    from datetime import datetime

    return [datetime.fromisoformat(t).timestamp() for t in re.findall(r"tick as of (\S+):", log)]


def _supervise() -> list[str]:
    candidate = Path(sys.executable).with_name("supervise")
    return [str(candidate)] if candidate.exists() else [sys.executable, "-m", "supervise.cli"]
