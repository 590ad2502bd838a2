"""The Celery side of check work on a queue (README "Check work on a queue").

With BROKER_URL set (SUPERVISE_BROKER_URL: `amqp://guest:guest@127.0.0.1:5672//` for RabbitMQ, or
a `redis://` URL) the scheduler's tick sends each batch of due shifts as one task; `supervise worker`
runs a Celery worker that judges them (services.check_queue.judge_batch). Without it nothing here
is used: the tick judges in-process, as before.

Delivery settings, and why:
- acks_late: a task is acknowledged only when it returns, so a batch whose worker dies is delivered
  again (RabbitMQ: as soon as the worker's connection drops);
- reject_on_worker_lost: a pool process killed mid-batch (SIGKILL, out of memory) sends the
  message back to the queue instead of counting it as done;
- prefetch 1: a worker holds one batch beyond the ones it runs, so a slow batch does not sit on others;
- time limit CHECK_QUEUE_TIME_LIMIT_S (default 900 s; soft 30 s earlier): a hung batch is killed,
  and then delivered again like a lost one;
- Redis: visibility_timeout 3,600 s, longer than the time limit (an unacknowledged task is
  delivered again after it); RabbitMQ's own consumer_timeout (30 min by default) is longer too.
"""
from __future__ import annotations

import logging
import os
import socket

from celery import Celery
from celery.signals import worker_process_init
from flask import Flask

log = logging.getLogger("supervise.queue")
TASK = "supervise.judge_batch"
DEFAULT_QUEUE = "supervise.checks"
DEFAULT_TIME_LIMIT_S = 900
REDIS_VISIBILITY_TIMEOUT_S = 3600

celery = Celery("supervise")
_app: Flask | None = None


def configure(app: Flask) -> Celery:
    """Point the Celery app at the Flask app's broker and settings; the tasks run in its context."""
    global _app
    _app = app
    limit = int(app.config.get("CHECK_QUEUE_TIME_LIMIT_S") or DEFAULT_TIME_LIMIT_S)
    celery.conf.update(
        broker_url=app.config["BROKER_URL"],
        task_default_queue=queue_name(app),
        task_serializer="json", accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=limit,
        task_soft_time_limit=max(limit - 30, 1),
        broker_transport_options={"visibility_timeout": max(REDIS_VISIBILITY_TIMEOUT_S, 2 * limit)},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


def enabled(app: Flask) -> bool:
    """Whether check work goes to the queue (a broker is configured)."""
    return bool(app.config.get("BROKER_URL"))


def queue_name(app: Flask) -> str:
    """The queue the batches go through (CHECK_QUEUE_NAME; one per deployment on a shared broker)."""
    return app.config.get("CHECK_QUEUE_NAME") or DEFAULT_QUEUE


def send_batch(batch_id: int) -> None:
    """Hand one batch of due shifts to the workers (persistent message on the checks queue)."""
    celery.send_task(TASK, args=[batch_id], queue=celery.conf.task_default_queue)


@celery.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def judge_batch_task(self, batch_id: int) -> dict:
    """Judge one batch. A delivery of a batch already done does nothing; one finding it held by
    another delivery (a duplicate, or the lingering transaction of a lost worker) tries again a
    little later, until the batch is done."""
    from supervise.extensions import db
    from supervise.services.check_queue import judge_batch

    if _app is None:
        raise RuntimeError("the queue is not configured: start workers with `supervise worker`")
    with _app.app_context():
        try:
            outcome = judge_batch(batch_id, worker=f"{socket.gethostname()}:{os.getpid()}")
        finally:
            db.session.remove()
    log.info("check batch %s: %s, %d shifts judged, %d flags raised", batch_id, outcome.status, outcome.judged,
             outcome.created, extra={"batch_id": batch_id, "status": outcome.status})
    if outcome.status == "busy":
        raise self.retry(countdown=min(2 ** min(self.request.retries, 6), 60))
    return outcome.__dict__


@worker_process_init.connect
def _fresh_connections(**_kwargs) -> None:
    """A forked pool process opens its own database connections (never its parent's)."""
    from supervise.extensions import db
    from supervise.services.checks import analyse_in_process

    analyse_in_process()
    if _app is not None:
        with _app.app_context():
            db.engine.dispose(close=False)
