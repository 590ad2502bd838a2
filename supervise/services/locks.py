"""One scheduler at a time: a PostgreSQL advisory lock, or a lease row on SQLite.

The advisory lock is held by a connection of its own for as long as the process runs, so a
crashed scheduler releases it at once. SQLite has no such lock; there the holder renews a lease
row every tick and another process may take it only after it has expired.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from supervise.extensions import db
from supervise.models import SchedulerLease
from supervise.timeutil import utcnow

ADVISORY_KEY = 0x5355_5056  # "SUPV"


class SchedulerLock:
    """`acquire()` says whether this process may run the next tick."""

    def __init__(self, engine: Engine, lease: timedelta, name: str = "checks"):
        self.engine = engine
        self.lease = lease
        self.name = name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        """True when this process holds the lock now (taking it if it is free)."""
        if self.engine.dialect.name == "postgresql":
            return self._advisory()
        return self._lease()

    def release(self) -> None:
        """Give the lock up (the lease expires at once; the advisory lock's connection closes)."""
        if self._conn is not None:
            # The lock belongs to the database session, and a pooled connection outlives close():
            # unlock explicitly, then drop the connection for good.
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            self._conn.invalidate()
            self._conn = None
        elif self.engine.dialect.name != "postgresql":
            db.session.execute(update(SchedulerLease).where(SchedulerLease.name == self.name,
                                                             SchedulerLease.holder == self.holder)
                               .values(expires_at=utcnow()))
            db.session.commit()

    def _advisory(self) -> bool:
        if self._conn is not None:
            return True
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        conn.commit()
        if got:
            self._conn = conn
        else:
            conn.close()
        return bool(got)

    def _lease(self) -> bool:
        now = utcnow()
        taken = db.session.execute(
            update(SchedulerLease).where(SchedulerLease.name == self.name,
                                         (SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now))
            .values(holder=self.holder, expires_at=now + self.lease)).rowcount
        if taken:
            db.session.commit()
            return True
        try:
            db.session.add(SchedulerLease(name=self.name, holder=self.holder, expires_at=now + self.lease))
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
            return False
