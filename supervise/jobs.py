"""The scheduler's jobs: an app context, the lock, then a service call.

`supervise scheduler` runs APScheduler 3 in a process of its own (a job store cannot be shared
between processes); web workers never start one. Each tick judges what became due since the
previous tick. After downtime (a weekend) the first tick catches the whole gap up, an hour at a
time, oldest first, says so in the log and in the heartbeat, and beats after every step; an
interrupted catch-up goes on from its last finished step. A daily job applies the retention purge;
on PostgreSQL a job every 6 hours makes the position partitions of the coming days.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import CheckRun
from supervise.ops.metrics import TICK_SECONDS
from supervise.services import heartbeat, partitions
from supervise.services.checks import LATE_DATA_WINDOW, RunReport, run_checks
from supervise.services.locks import SchedulerLock
from supervise.services.retention import Retention, purge
from supervise.timeutil import local_iso, utcnow

log = logging.getLogger("supervise.jobs")
TIMEZONE = "Asia/Shanghai"
CATCH_UP_STEP = timedelta(hours=1)
MIN_STEP = timedelta(minutes=1)   # a last step shorter than this joins the one before


def catch_up_steps(last: datetime, now: datetime, step: timedelta = CATCH_UP_STEP) -> list[datetime]:
    """The instants to judge, in order, to cover (last, now]: every `step` after `last`, then `now`."""
    steps = []
    at = last + step
    while at < now - MIN_STEP:
        steps.append(at)
        at += step
    return [*steps, now]


def tick(app: Flask, lock: SchedulerLock, interval_s: int = 60) -> RunReport | None:
    """One scheduled evaluation (several, oldest first, after downtime), if this process holds
    the lock; None when another one does. The report adds up every step."""
    with app.app_context():
        if not lock.acquire():
            log.info("another scheduler holds the lock; this one stays idle")
            return None
        now = utcnow()
        last = db.session.scalar(select(CheckRun.as_of).where(CheckRun.trigger == "scheduled")
                                 .order_by(CheckRun.as_of.desc()).limit(1))
        since = last if last is not None else now - LATE_DATA_WINDOW
        steps = catch_up_steps(since, now) if last is not None else [now]
        catching_up = since if len(steps) > 1 else None
        if catching_up is not None:
            log.warning("the scheduler was away for %s (the last tick judged up to %s): catching up in %d steps "
                        "of at most %s, oldest first", _span(now - since), local_iso(since), len(steps), CATCH_UP_STEP,
                        extra={"catch_up_from": local_iso(since), "catch_up_steps": len(steps)})
        judge = _judge_on_queue(app) if queue_enabled(app) else run_checks
        total = None
        for as_of in steps:
            report = _step(lock, interval_s, since, as_of, catching_up, judge)
            total = report if total is None else _add(total, report)
            since = as_of
        if catching_up is not None:
            log.warning("caught up: %s judged in %d steps; %d flags raised", _span(now - catching_up), len(steps),
                        len(total.created))
        return total


def _span(gap: timedelta) -> str:
    return str(timedelta(seconds=round(gap.total_seconds())))


def _judge_on_queue(app: Flask):
    """The tick's verb with a broker: re-send the batches long queued, then queue what is due now."""
    from supervise import queue
    from supervise.services.check_queue import queue_checks, redispatch_stale

    queue.configure(app)
    batch_size = int(app.config.get("CHECK_QUEUE_BATCH") or 100)
    redispatch_after = timedelta(seconds=int(app.config.get("CHECK_QUEUE_REDISPATCH_S") or 600))

    def judge(as_of: datetime, *, trigger: str, since: datetime) -> RunReport:
        redispatch_stale(utcnow(), queue.send_batch, redispatch_after)
        return queue_checks(as_of, queue.send_batch, since=since, trigger=trigger, batch_size=batch_size)
    return judge


def queue_enabled(app: Flask) -> bool:
    """Whether the tick hands its check work to Celery workers (a broker is configured)."""
    return bool(app.config.get("BROKER_URL"))


def _step(lock: SchedulerLock, interval_s: int, since: datetime, as_of: datetime,
          catching_up: datetime | None, judge=run_checks) -> RunReport:
    started, lag = time.perf_counter(), (utcnow() - since).total_seconds()
    report = judge(as_of, trigger="scheduled", since=since)
    seconds = time.perf_counter() - started
    TICK_SECONDS.observe(seconds)
    heartbeat.beat(heartbeat.Beat(holder=lock.holder, interval_s=interval_s, as_of=as_of, tick_seconds=seconds,
                                  lag_seconds=lag, catching_up_from=catching_up))
    if report.queued:
        log.info("tick as of %s: %d shifts handed to the queue's workers", as_of.isoformat(), report.shifts,
                 extra={"tick_seconds": round(seconds, 3), "lag_seconds": round(lag, 1)})
        return report
    log.info("tick as of %s: %d shifts, %d flags raised, %d withdrawn, %d errors", as_of.isoformat(),
             report.shifts, len(report.created), len(report.withdrawn), report.errors,
             extra={"tick_seconds": round(seconds, 3), "lag_seconds": round(lag, 1)})
    return report


def _add(total: RunReport, step: RunReport) -> RunReport:
    step.shifts += total.shifts
    step.errors += total.errors
    step.created[:0], step.withdrawn[:0], step.reinstated[:0] = total.created, total.withdrawn, total.reinstated
    return step


def purge_job(app: Flask, lock: SchedulerLock) -> None:
    """The daily retention purge, by the scheduler that holds the lock."""
    with app.app_context():
        if not lock.acquire():
            return
        purge(utcnow(), Retention.from_config(app.config))


def partitions_job(app: Flask, lock: SchedulerLock) -> list:
    """Create the position table's day partitions for today and the days ahead (PostgreSQL; a
    no-op on SQLite), by the scheduler that holds the lock; the days created."""
    with app.app_context():
        if not lock.acquire():
            return []
        with db.engine.connect() as connection:
            return partitions.ensure_days_ahead(connection, partitions.today_utc(),
                                                app.config["POSITION_PARTITION_DAYS_AHEAD"])


PARTITIONS_EVERY = timedelta(hours=6)


def schedule_ticks(scheduler: BaseScheduler, app: Flask, interval_s: int, max_ticks: int | None = None) -> None:
    """Add the tick job (coalesced, one instance at a time, with a misfire grace), the position
    partitions of the coming days (every 6 hours, PostgreSQL) and the daily purge
    at PURGE_AT (Shanghai time; empty turns it off)."""
    with app.app_context():
        lock = SchedulerLock(db.engine, lease=timedelta(seconds=max(3 * interval_s, 30)))
    count = {"n": 0}
    partitions_due = {"at": utcnow()}

    def job():
        # The partitions are made in the tick's own thread, before it: their DDL waits for no tick
        # of this scheduler, and a tick never waits behind them mid-read.
        if utcnow() >= partitions_due["at"]:
            daily_partitions()
            partitions_due["at"] = utcnow() + PARTITIONS_EVERY
        try:
            tick(app, lock, interval_s)
        except Exception:
            log.exception("a scheduled tick failed; the next one will catch up")
        count["n"] += 1
        if max_ticks is not None and count["n"] >= max_ticks:
            scheduler.shutdown(wait=False)

    def daily_purge():
        try:
            purge_job(app, lock)
        except Exception:
            log.exception("the retention purge failed; it runs again tomorrow (or run `supervise purge`)")

    def daily_partitions():
        try:
            partitions_job(app, lock)
        except Exception:
            log.exception("making the coming days' position partitions failed; the next run tries again "
                          "(meanwhile positions go to the default partition)")

    scheduler.add_job(job, "interval", seconds=interval_s, id="checks", next_run_time=utcnow(),
                      coalesce=True, max_instances=1, misfire_grace_time=max(interval_s, 30), replace_existing=True)
    purge_at = app.config.get("PURGE_AT")
    if purge_at:
        hour, minute = (int(part) for part in purge_at.split(":"))
        scheduler.add_job(daily_purge, "cron", hour=hour, minute=minute, id="purge", coalesce=True,
                          max_instances=1, misfire_grace_time=3600, replace_existing=True)


def log_audit_head(app: Flask) -> tuple[int, str]:
    """Print and log the audit trail's head, for the bureau to keep outside this database."""
    from supervise.services.audit import head

    with app.app_context():
        seq, digest = head()
    line = f"audit head #{seq} {digest} at {utcnow().isoformat(timespec='seconds')}"
    log.info(line)
    print(line, flush=True)
    return seq, digest


def send_outbox(app: Flask):
    """Deliver the webhook messages that are due (safe beside another sender: each message is leased)."""
    from supervise.services.outbox import send_due

    with app.app_context():
        return send_due()


def recheck_findings(app: Flask) -> int:
    """Check the last day's findings whose track was too thin against the positions that came since."""
    from supervise.services.reconcile import recheck_recent

    with app.app_context():
        return recheck_recent()


def schedule_trust_jobs(scheduler: BaseScheduler, app: Flask, outbox_interval_s: int = 30) -> None:
    """Add the outbox sender (every 30 s), the findings' track check for late positions (every 5 min)
    and the audit head (daily at 00:05 Asia/Shanghai, and once at start)."""
    def outbox_job():
        try:
            send_outbox(app)
        except Exception:
            log.exception("sending the webhook outbox failed; the next pass tries again")

    def audit_job():
        try:
            log_audit_head(app)
        except Exception:
            log.exception("reading the audit head failed")

    scheduler.add_job(outbox_job, "interval", seconds=outbox_interval_s, id="outbox", coalesce=True,
                      max_instances=1, replace_existing=True)
    def findings_job():
        try:
            recheck_findings(app)
        except Exception:
            log.exception("checking findings against late tracks failed; the next pass tries again")

    scheduler.add_job(findings_job, "interval", minutes=5, id="findings-vs-tracks", coalesce=True,
                      max_instances=1, replace_existing=True)
    scheduler.add_job(audit_job, "cron", hour=0, minute=5, id="audit-head", coalesce=True,
                      misfire_grace_time=3600, replace_existing=True, next_run_time=utcnow())
