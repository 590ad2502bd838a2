"""Live positions written in groups: the reports that arrive together share one INSERT and one
commit, and each report is answered only once its own row is committed.

Why: every phone of a city reports every few seconds (~1,000 positions a second for 5,000
officers). One transaction per report cost the database a commit and a flush of its log per
position, and the server a pooled connection's round trips per position (on PostgreSQL that was
more than half the machine). A writer thread per process and database takes whatever reports are
waiting, writes them as one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING the key, commits,
and then wakes each waiting request with whether its row was new. A quiet phone's report is still
written at once: the writer never waits for a group to fill.

A group that fails (a device's officer deleted a moment ago, a broken connection) is written again
row by row, so one bad row fails only its own request, with its own error.
"""
from __future__ import annotations

import os
import queue
import threading
import weakref
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy.engine import Engine

from supervise.errors import DomainError
from supervise.models.tracks import Position
from supervise.ops import metrics

COLUMNS = ("officer_id", "ts", "lat", "lon", "accuracy_m", "speed_mps", "mock", "source", "received_ts")
MAX_GROUP = 100          # rows per INSERT: 900 parameters, under every SQLite build's limit
IDLE_EXIT_S = 30.0       # a writer with nothing to do this long ends (and starts again when needed)
ANSWER_TIMEOUT_S = 30.0  # a request waits this long for its commit, then is told to send again


class _Report:
    """One row on its way to the database, and the request waiting for it."""

    __slots__ = ("done", "error", "new", "row")

    def __init__(self, row: tuple) -> None:
        self.row = row
        self.done = threading.Event()
        self.new = False
        self.error: BaseException | None = None


class GroupWriter:
    """Writes positions of one database in groups, from one thread of this process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._waiting: queue.SimpleQueue[_Report] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connection = None   # the writer thread's own, while it runs
        self._pid = os.getpid()
        self.groups_written = 0   # commits made, and the rows they held: how much grouping happens
        self.rows_written = 0

    def insert(self, row: tuple) -> bool:
        """Store one position (values in COLUMNS order) and return once it is committed: whether
        the row was new (False: this officer already had a position at that instant). Raises the
        database's error for this row, or a 503 DomainError when no commit came in time."""
        report = _Report(row)
        with self._lock:
            self._start_if_needed()
            self._waiting.put(report)
        if not report.done.wait(ANSWER_TIMEOUT_S):
            raise not_stored_in_time()
        if report.error is not None:
            raise report.error
        return report.new

    def _start_if_needed(self) -> None:
        if os.getpid() != self._pid:   # a forked child: the parent's thread, queue and connection are not ours
            self._pid, self._waiting, self._thread, self._connection = os.getpid(), queue.SimpleQueue(), None, None
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="position-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            while (group := self._next_group()) is not None:
                self._write(group)
        finally:
            self._release_connection()

    def _next_group(self) -> list[_Report] | None:
        """The reports waiting now (at least one, at most MAX_GROUP), or None when idle too long."""
        while True:
            try:
                first = self._waiting.get(timeout=IDLE_EXIT_S)
                break
            except queue.Empty:
                with self._lock:   # nothing can be queued while we decide to end
                    if self._waiting.empty():
                        self._thread = None
                        return None
        group = [first]
        while len(group) < MAX_GROUP:
            try:
                group.append(self._waiting.get_nowait())
            except queue.Empty:
                break
        return group

    def _write(self, group: list[_Report]) -> None:
        try:
            new_keys = self._write_once([report.row for report in group])
        except Exception as error:  # noqa: BLE001 - the waiting request raises it as its own
            if len(group) == 1:
                group[0].error = error
                group[0].done.set()
                return
            for report in group:
                self._write([report])
            return
        self.groups_written += 1
        self.rows_written += len(group)
        metrics.position_commit(len(group))
        for report in group:
            key = (report.row[0], report.row[1])
            report.new = key in new_keys
            new_keys.discard(key)   # the same instant sent twice in one group is new only once
            report.done.set()

    def _write_once(self, rows: list[tuple]) -> set[tuple[int, float]]:
        """Write the rows on the writer's connection, kept between groups (no pool checkout and
        ping per group); a connection found broken is replaced and the rows written once more."""
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = self.engine.raw_connection()
            try:
                return write_rows(self._connection, self.engine.dialect.name, rows)
            except Exception as error:
                broken = self._is_disconnect(error)
                self._release_connection(broken=broken)
                if not broken or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _is_disconnect(self, error: Exception) -> bool:
        dialect = self.engine.dialect
        return (isinstance(error, dialect.loaded_dbapi.Error)
                and dialect.is_disconnect(error, self._connection.dbapi_connection, None))

    def _release_connection(self, *, broken: bool = False) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if broken:
            connection.invalidate()
        connection.close()   # back to the pool, rolled back


def write_rows(connection, dialect: str, rows: Sequence[tuple]) -> set[tuple[int, float]]:
    """Insert these positions in one statement on this pooled DBAPI connection and commit; the
    (officer_id, ts) keys that were new. Rolls back and raises on any error."""
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(_insert_sql(dialect, len(rows)), [value for row in rows for value in row])
            new = {(int(officer), float(ts)) for officer, ts in cursor.fetchall()}
        finally:
            cursor.close()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return new


@lru_cache(maxsize=MAX_GROUP)
def _insert_sql(dialect: str, n: int) -> str:
    """INSERT of n rows, ON CONFLICT (officer_id, ts) DO NOTHING, RETURNING the key of each new row."""
    mark = "%s" if dialect == "postgresql" else "?"
    one = "(" + ", ".join([mark] * len(COLUMNS)) + ")"
    return (f"INSERT INTO {Position.__tablename__} ({', '.join(COLUMNS)}) VALUES {', '.join([one] * n)} "
            "ON CONFLICT (officer_id, ts) DO NOTHING RETURNING officer_id, ts")


def not_stored_in_time() -> DomainError:
    """The 503 a report gets when its commit did not come within ANSWER_TIMEOUT_S (the phone sends
    it again later)."""
    return DomainError("The position could not be stored in time; send it again.",
                       code="POSITION_NOT_STORED", status=503)


_WRITERS: weakref.WeakKeyDictionary[Engine, GroupWriter] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def writer_for(engine: Engine) -> GroupWriter:
    """The process's group writer for this database (an engine no longer used takes its writer with it)."""
    writer = _WRITERS.get(engine)
    if writer is None:
        with _WRITERS_LOCK:
            writer = _WRITERS.get(engine)
            if writer is None:
                writer = _WRITERS[engine] = GroupWriter(engine)
    return writer
