"""Check work on a task queue: the scheduler decides what is due, workers judge it.

When a broker is configured (SUPERVISE_BROKER_URL) a scheduler tick does not judge the due shifts
itself: it records them as `CheckBatch` rows, committed with the tick's `CheckRun`, and only then
hands each batch id to the queue (`send`); it never waits for them. A worker judges a batch in one
transaction that holds the batch's row lock and its shifts' row locks, applies the flags, and marks
the batch done. So:

- a batch is judged whole exactly once: a second delivery of the same batch (a redelivery, a
  re-dispatch) finds it locked (another worker has it: skipped) or done (skipped);
- a worker lost mid-batch leaves nothing behind (its transaction rolls back with its connection),
  and the broker delivers the batch again (the task is acknowledged late);
- one shift in two batches (two ticks close together) is never judged by two workers at once:
  the shift rows are locked in id order, so the second waits for the first;
- a batch never reaches a worker (the tick died after its commit, the broker lost the message) is
  sent again by a later tick once it has waited `redispatch_after` (doubled after each re-dispatch),
  so no due shift is skipped for good; flags stay idempotent by `fact_key` either way.

PostgreSQL gives the row locks; SQLite has none (and a single writer): use the queue with PostgreSQL.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from supervise.extensions import db
from supervise.models import CheckBatch, CheckRun, Shift
from supervise.services.checks import (
    RunReport,
    _chunks,
    _evaluate_batch,
    _look_back,
    load_shifts,
    shifts_due,
)
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import utcnow

log = logging.getLogger("supervise.check_queue")

QUEUE_BATCH = 100                           # shifts per batch: a few seconds of a worker's time
REDISPATCH_AFTER = timedelta(minutes=10)    # a batch still queued this long is sent again
MAX_BACKOFF = 16                            # ... then after 2x, 4x, ... at most 16x that long

Send = Callable[[int], None]


@dataclass
class BatchOutcome:
    """What one delivery of a batch did: judged it ("done"), or found it done or held by another."""

    batch_id: int
    status: str            # done, already_done, busy, missing
    judged: int = 0
    created: int = 0
    withdrawn: int = 0
    errors: int = 0


def queue_checks(as_of: datetime, send: Send, *, since: datetime | None, trigger: str = "scheduled",
                 batch_size: int = QUEUE_BATCH) -> RunReport:
    """Record the shifts due as of `as_of` as batches with their run, commit, then `send` each batch
    id to the workers. Returns at once: the report counts the shifts handed on (`shifts`), and
    names no flags (the workers raise them). A batch `send` fails for is sent again later."""
    started = utcnow()
    in_force = regulation_in_force()
    full_ids, windowed_ids = shifts_due(as_of, since, in_force.regulation)
    window = _look_back(in_force.regulation, as_of - since) if since is not None else None
    run = CheckRun(as_of=as_of, trigger=trigger, started_at=started, shifts=len(full_ids) + len(windowed_ids),
                   created=0, withdrawn=0, errors=0, finished_at=utcnow(),
                   regulation_version_id=in_force.version.id if in_force.version else None)
    db.session.add(run)
    db.session.flush()
    batches = [CheckBatch(run_id=run.id, as_of=as_of, window_s=None if mode is None else mode.total_seconds(),
                          shift_ids=chunk, state="queued", dispatches=1, dispatched_at=utcnow(), deliveries=0,
                          judged=0, created=0, withdrawn=0, errors=0)
               for ids, mode in ((full_ids, None), (windowed_ids, window))
               for chunk in _chunks(sorted(ids), batch_size)]
    db.session.add_all(batches)
    db.session.commit()
    _send_all([b.id for b in batches], send)
    report = RunReport(run.id, as_of, shifts=run.shifts, queued=True)
    return report


def redispatch_stale(now: datetime, send: Send, after: timedelta = REDISPATCH_AFTER) -> list[int]:
    """Send again the batches still queued `after` (x2 per earlier re-dispatch, at most x16) after
    they were last sent; returns their ids. A copy of a batch that is only slow is harmless: the
    first delivery judges it, the others find it held or done."""
    stale = db.session.scalars(select(CheckBatch).where(CheckBatch.state == "queued",
                                                        CheckBatch.dispatched_at < now - after)
                               .order_by(CheckBatch.id)).all()
    again = [b for b in stale if b.dispatched_at < now - after * min(2 ** (b.dispatches - 1), MAX_BACKOFF)]
    for batch in again:
        batch.dispatches += 1
        batch.dispatched_at = now
        log.warning("check batch %s (%d shifts as of %s) was not judged %s after it was sent; sending it again "
                    "(dispatch %d)", batch.id, len(batch.shift_ids), batch.as_of.isoformat(), after,
                    batch.dispatches, extra={"batch_id": batch.id, "dispatches": batch.dispatches})
    db.session.commit()
    _send_all([b.id for b in again], send)
    return [b.id for b in again]


def _send_all(batch_ids: list[int], send: Send) -> None:
    for batch_id in batch_ids:
        try:
            send(batch_id)
        except Exception:
            log.exception("could not hand check batch %s to the queue; a later tick sends it again", batch_id)


def judge_batch(batch_id: int, worker: str) -> BatchOutcome:
    """Judge a queued batch whole in one transaction and mark it done, unless it is done already
    or another delivery holds it. `worker` names who took it (host:pid), for operators."""
    if not _note_delivery(batch_id, worker):
        batch = db.session.get(CheckBatch, batch_id)
        db.session.rollback()
        return BatchOutcome(batch_id, "missing" if batch is None else
                            "already_done" if batch.state == "done" else "busy")
    batch = db.session.scalars(select(CheckBatch).where(CheckBatch.id == batch_id)
                               .with_for_update(skip_locked=True)).first()
    if batch is None or batch.state != "queued":
        status = "busy" if batch is None else "already_done"
        db.session.rollback()
        return BatchOutcome(batch_id, status)
    ids = sorted(int(i) for i in batch.shift_ids)
    # Shift rows locked in id order: a shift in two batches is judged by one worker at a time.
    db.session.execute(select(Shift.id).where(Shift.id.in_(ids)).order_by(Shift.id).with_for_update())
    in_force = regulation_in_force()
    report = RunReport(None, batch.as_of)
    window = None if batch.window_s is None else timedelta(seconds=batch.window_s)
    _evaluate_batch(load_shifts(ids), batch.as_of, in_force, report, window=window)
    batch.state, batch.finished_at = "done", utcnow()
    batch.judged, batch.errors = report.shifts, report.errors
    batch.created, batch.withdrawn = len(report.created), len(report.withdrawn)
    outcome = BatchOutcome(batch_id, "done", report.shifts, len(report.created), len(report.withdrawn),
                           report.errors)
    db.session.commit()
    return outcome


def _note_delivery(batch_id: int, worker: str) -> bool:
    """Count this delivery and name its worker, in a short transaction of its own (so it stays
    when the work is lost); False when the batch is missing, done, or held by another delivery."""
    held = db.session.scalar(select(CheckBatch.id).where(CheckBatch.id == batch_id, CheckBatch.state == "queued")
                             .with_for_update(skip_locked=True))
    if held is None:
        return False
    db.session.execute(update(CheckBatch).where(CheckBatch.id == batch_id)
                       .values(deliveries=CheckBatch.deliveries + 1, claimed_by=worker[:128], claimed_at=utcnow()))
    db.session.commit()
    return True


def backlog() -> dict[str, int]:
    """Batches and shifts still queued (for operators and the benchmark)."""
    rows = db.session.scalars(select(CheckBatch.shift_ids).where(CheckBatch.state == "queued")).all()
    return {"batches": len(rows), "shifts": sum(len(r) for r in rows)}
