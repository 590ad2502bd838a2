"""The scheduler's jobs: an app context, the lock, then a service call.

`supervise scheduler` runs APScheduler 3 in a process of its own (a job store cannot be shared
between processes); web workers never start one. Each tick judges what became due since the
previous tick, so after downtime the first tick catches up.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import CheckRun
from supervise.services.checks import LATE_DATA_WINDOW, RunReport, run_checks
from supervise.services.locks import SchedulerLock
from supervise.timeutil import utcnow

log = logging.getLogger("supervise.jobs")
TIMEZONE = "Asia/Shanghai"


def tick(app: Flask, lock: SchedulerLock) -> RunReport | None:
    """One scheduled evaluation, if this process holds the lock; None when another one does."""
    with app.app_context():
        if not lock.acquire():
            log.info("another scheduler holds the lock; this one stays idle")
            return None
        now = utcnow()
        last = db.session.scalar(select(CheckRun.as_of).where(CheckRun.trigger == "scheduled")
                                 .order_by(CheckRun.as_of.desc()).limit(1))
        since = max(last, now - LATE_DATA_WINDOW) if last else now - LATE_DATA_WINDOW
        report = run_checks(now, trigger="scheduled", since=since)
        log.info("tick as of %s: %d shifts, %d flags raised, %d withdrawn, %d errors", now.isoformat(),
                 report.shifts, len(report.created), len(report.withdrawn), report.errors)
        return report


def schedule_ticks(scheduler: BaseScheduler, app: Flask, interval_s: int, max_ticks: int | None = None) -> None:
    """Add the tick job: coalesced, one instance at a time, with a misfire grace."""
    with app.app_context():
        lock = SchedulerLock(db.engine, lease=timedelta(seconds=max(3 * interval_s, 30)))
    count = {"n": 0}

    def job():
        try:
            tick(app, lock)
        except Exception:
            log.exception("a scheduled tick failed; the next one will catch up")
        count["n"] += 1
        if max_ticks is not None and count["n"] >= max_ticks:
            scheduler.shutdown(wait=False)

    scheduler.add_job(job, "interval", seconds=interval_s, id="checks", next_run_time=utcnow(),
                      coalesce=True, max_instances=1, misfire_grace_time=max(interval_s, 30), replace_existing=True)


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
