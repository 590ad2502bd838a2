"""Check work on a real task queue: the scheduler's tick hands batches of due shifts to two real
Celery workers (`supervise worker`) over RabbitMQ, against PostgreSQL. Every due shift is judged
exactly once, a slow batch does not hold the tick, and a batch whose worker is killed mid-batch
(SIGKILL) is delivered again and finished by the other worker.

Needs SUPERVISE_TEST_DATABASE_URL (PostgreSQL) and a RabbitMQ at SUPERVISE_TEST_BROKER_URL
(default amqp://guest:guest@127.0.0.1:5672//); skipped when either is missing.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select, text

from supervise.extensions import db
from supervise.jobs import tick
from supervise.models import CheckBatch, Flag, FlagEvent, Grid, Shift, User
from supervise.services.checks import run_checks
from supervise.services.locks import SchedulerLock
from supervise.timeutil import utcnow

URL = os.environ.get("SUPERVISE_TEST_DATABASE_URL", "")
BROKER = os.environ.get("SUPERVISE_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
SHIFTS = 24
BATCH = 4


def _broker_answers() -> bool:
    address = urlparse(BROKER)
    try:
        with socket.create_connection((address.hostname or "127.0.0.1", address.port or 5672), timeout=1):
            return True
    except OSError:
        return False


def needs_postgres_and_rabbitmq(test):
    test = pytest.mark.skipif(not URL.startswith("postgresql"), reason="the queue's row locks are PostgreSQL's")(test)
    test = pytest.mark.skipif(not _broker_answers(), reason=f"no RabbitMQ answers at {BROKER}")(test)
    return pytest.mark.postgres(test)


def _ended_shifts(count: int) -> list[int]:
    """`count` officers of DL, each with a patrol shift that ended three hours ago and no sign-in."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    grid = db.session.scalar(select(Grid.id).where(Grid.code == "DL-G1"))
    start = utcnow().replace(microsecond=0) - timedelta(hours=11)
    for n in range(count):
        reference.create_officer(SYSTEM, badge_no=f"HRB-DL-Q{n:03d}", name=f"queue {n}", district="DL",
                                 squad=None, username=f"q{n}", password="queue-pass-123", role="officer")
    officers = db.session.scalars(select(User.id).where(User.badge_no.like("HRB-DL-Q%")).order_by(User.id)).all()
    shifts = [Shift(officer_id=o, start=start, end=start + timedelta(hours=8), kind="patrol", grid_id=grid)
              for o in officers]
    db.session.add_all(shifts)
    db.session.commit()
    return [s.id for s in shifts]


def _start_worker(name: str, queue: str, folder: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(SUPERVISE_DATABASE_URL=URL, SUPERVISE_BROKER_URL=BROKER, SUPERVISE_CHECK_QUEUE=queue,
               SUPERVISE_STORAGE_DIR=str(folder / "storage"), SUPERVISE_SECRET_KEY="queue-test",
               SUPERVISE_LOG_FORMAT="text")
    log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - kept open for the worker's life
    return subprocess.Popen([str(Path(sys.executable).parent / "supervise"), "worker", "--concurrency", "1",
                             "--hostname", f"{name}@%h"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_for(condition, seconds: float, what: str, logs: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()   # a fresh snapshot each look
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    worker_logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))
    raise AssertionError(f"{what} within {seconds} s\n{worker_logs}")


def _delete_queue(queue: str) -> None:
    from supervise.queue import celery

    with celery.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


@needs_postgres_and_rabbitmq
def test_two_workers_judge_every_due_shift_once_and_finish_the_batch_of_a_killed_worker(
        app, ctx, world, tmp_path, monkeypatch):
    shift_ids = _ended_shifts(SHIFTS)
    queue = f"supervise.checks.test-{uuid.uuid4().hex[:8]}"
    for key, value in (("BROKER_URL", BROKER), ("CHECK_QUEUE_NAME", queue), ("CHECK_QUEUE_BATCH", BATCH)):
        monkeypatch.setitem(app.config, key, value)
    # Hold one shift's row, so the batch holding it stays mid-batch until the test lets go.
    held_shift = shift_ids[SHIFTS // 2]
    holder = db.engine.connect()
    holder.execute(text("SELECT id FROM shift WHERE id = :id FOR UPDATE"), {"id": held_shift})
    workers = [_start_worker(f"w{n}", queue, tmp_path) for n in (1, 2)]
    lock = SchedulerLock(db.engine, lease=timedelta(seconds=60))
    try:
        began = time.perf_counter()
        report = tick(app, lock)
        tick_seconds = time.perf_counter() - began
        assert report is not None and report.shifts == SHIFTS
        assert tick_seconds < 10, f"the tick waited for the workers ({tick_seconds:.1f} s)"

        slow = [b for b in db.session.scalars(select(CheckBatch)) if held_shift in b.shift_ids]
        assert len(slow) == 1 and slow[0].state == "queued"
        slow_id = slow[0].id
        claimed = _wait_for(lambda: db.session.get(CheckBatch, slow_id).claimed_by, 60,
                            "a worker took the held batch", tmp_path)
        killed_pid = int(claimed.rsplit(":", 1)[1])
        os.killpg(os.getpgid(killed_pid), signal.SIGKILL)   # the worker and its pool process, mid-batch
        holder.rollback()

        _wait_for(lambda: db.session.scalar(select(func.count()).where(CheckBatch.state != "done")) == 0, 60,
                  "every batch was judged", tmp_path)
        batches = db.session.scalars(select(CheckBatch).order_by(CheckBatch.id)).all()
        redone = db.session.get(CheckBatch, slow_id)
        assert redone.deliveries >= 2 and redone.claimed_by != claimed
        judged = Counter(s for b in batches for s in b.shift_ids)
        assert set(judged) == set(shift_ids) and set(judged.values()) == {1}
        assert sum(b.judged for b in batches) == SHIFTS and sum(b.errors for b in batches) == 0

        absent = Counter(db.session.scalars(select(Flag.shift_id).where(Flag.code == "ABSENT")))
        assert {s: absent[s] for s in shift_ids} == {s: 1 for s in shift_ids}
        raised = Counter(db.session.scalars(select(FlagEvent.flag_id).where(FlagEvent.action == "raised")))
        flags = db.session.scalars(select(Flag.id).where(Flag.shift_id.in_(shift_ids))).all()
        assert sum(b.created for b in batches) == len(flags) and all(raised[f] == 1 for f in flags)
        # Judged whole: judging the same shifts again in-process finds nothing to add or withdraw.
        again = run_checks(batches[0].as_of, trigger="manual")
        assert not again.created and not again.withdrawn
    finally:
        holder.close()
        lock.release()
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        _delete_queue(queue)


def test_a_batch_never_sent_is_sent_again_by_a_later_tick_and_a_done_one_is_not(app, ctx, world):
    from supervise.services.check_queue import judge_batch, queue_checks, redispatch_stale

    shift_ids = _ended_shifts(6)
    as_of = utcnow()
    lost: list[int] = []
    queue_checks(as_of, lost.append, since=None, batch_size=3)   # the broker lost both messages
    assert len(lost) == 2
    assert redispatch_stale(utcnow(), lambda _: None) == []      # not yet: they may only be slow
    judge_batch(lost[0], "here:1")
    sent: list[int] = []
    assert redispatch_stale(utcnow() + timedelta(minutes=11), sent.append) == [lost[1]] == sent
    assert judge_batch(lost[1], "here:2").status == "done"
    assert judge_batch(lost[1], "here:3").status == "already_done"
    assert {s for b in db.session.scalars(select(CheckBatch)) for s in b.shift_ids} >= set(shift_ids)
