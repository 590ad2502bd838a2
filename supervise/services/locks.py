"""One scheduler at a time: a PostgreSQL advisory lock, or a lease row on SQLite.

PostgreSQL: the advisory lock belongs to one database connection of the scheduler's own, opened
outside the pool. Holding it once is not enough: a PostgreSQL restart, a network cut or an
operator's pg_terminate_backend ends that connection and frees the lock for another scheduler while
this one knows nothing of it. So before every tick the holder asks the server whether its own
connection still holds the lock; when the answer is no (or the connection is dead) it stops ticking
at once and tries to take the lock again like any other process. TCP keepalives are set on both
ends of that connection: the scheduler notices a dead server within `KEEPALIVE_WINDOW_S`, and the
server drops the connection of a scheduler whose host vanished (power cut, cable pulled) within
the same window, so such a host holds the lock for about a minute, not the two hours of the
operating system's default.

SQLite: no such lock; the holder renews a lease row every tick and another process may take it
only after it has expired.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from supervise.extensions import db
from supervise.models import SchedulerLease
from supervise.timeutil import utcnow

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x5355_5056  # "SUPV"
# TCP keepalive on the lock's connection: first probe after 30 s of silence, then every 10 s, and
# after 3 unanswered probes (or 60 s of unacknowledged data) the connection is dead, on either end.
KEEPALIVE_IDLE_S, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT = 30, 10, 3
KEEPALIVE_WINDOW_S = KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT
CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": KEEPALIVE_IDLE_S,
                     "keepalives_interval": KEEPALIVE_INTERVAL_S, "keepalives_count": KEEPALIVE_COUNT,
                     "tcp_user_timeout": KEEPALIVE_WINDOW_S * 1000, "connect_timeout": 10}
SERVER_KEEPALIVES = {"tcp_keepalives_idle": KEEPALIVE_IDLE_S, "tcp_keepalives_interval": KEEPALIVE_INTERVAL_S,
                     "tcp_keepalives_count": KEEPALIVE_COUNT, "tcp_user_timeout": KEEPALIVE_WINDOW_S * 1000}

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
# A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
_STILL_HELD = text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                   "AND pid = pg_backend_pid() AND classid = :high AND objid = :low AND objsubid = 1)")
_KEY_PARTS = {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFF_FFFF}


class SchedulerLock:
    """`acquire()` says whether this process may run the next tick."""

    def __init__(self, engine: Engine, lease: timedelta, name: str = "checks"):
        self.engine = engine
        self.lease = lease
        self.name = name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._conn: Connection | None = None
        self._lock_engine: Engine | None = None

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend process holding the lock for this scheduler (None: none held)."""
        return None if self._conn is None else self._conn.connection.dbapi_connection.info.backend_pid

    def acquire(self) -> bool:
        """True when this process holds the lock now: kept (checked alive on the server) or taken."""
        if self.engine.dialect.name == "postgresql":
            return self._advisory()
        return self._lease()

    def release(self) -> None:
        """Give the lock up (the lease expires at once; the advisory lock's connection closes)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            except DBAPIError:
                pass  # the connection is gone, and the lock with it
            self._drop_connection()
        elif self.engine.dialect.name != "postgresql":
            db.session.execute(update(SchedulerLease).where(SchedulerLease.name == self.name,
                                                             SchedulerLease.holder == self.holder)
                               .values(expires_at=utcnow()))
            db.session.commit()
        if self._lock_engine is not None:
            self._lock_engine.dispose()
            self._lock_engine = None

    # ---------------------------------------------------------------- PostgreSQL

    def _advisory(self) -> bool:
        if self._conn is not None:
            if self._still_held():
                return True
            log.warning("the scheduler lock was lost (its database connection ended); this scheduler stops "
                        "ticking and takes the lock again only if it is free")
            self._drop_connection()
        try:
            conn = self._connect()
        except DBAPIError:
            log.warning("the database cannot be reached for the scheduler lock; no tick now")
            return False
        got = conn.execute(_TRY_LOCK, {"key": ADVISORY_KEY}).scalar()
        conn.commit()
        if got:
            self._conn = conn
        else:
            conn.close()
        return bool(got)

    def _still_held(self) -> bool:
        try:
            held = self._conn.execute(_STILL_HELD, _KEY_PARTS).scalar()
            self._conn.commit()
            return bool(held)
        except DBAPIError:
            return False

    def _connect(self) -> Connection:
        """A connection of the lock's own (never pooled), with TCP keepalives on both ends."""
        if self._lock_engine is None:
            self._lock_engine = create_engine(self.engine.url, poolclass=NullPool, connect_args=CLIENT_KEEPALIVES)
        conn = self._lock_engine.connect()
        for name, value in SERVER_KEEPALIVES.items():
            conn.execute(text("SELECT set_config(:name, :value, false)"), {"name": name, "value": str(value)})
        conn.commit()
        return conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        try:
            conn.invalidate()
            conn.close()
        except DBAPIError:
            pass

    # ---------------------------------------------------------------- SQLite

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
