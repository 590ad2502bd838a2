"""SQLite settings that let one web process and one scheduler process share the file safely."""
import re

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Statements that need a transaction around them. Reads outside one run in autocommit mode, so a
# transaction holds no stale read snapshot when it starts writing (SQLite would refuse the write).
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)


def tune_sqlite(engine: Engine) -> None:
    """WAL journal, a busy timeout instead of 'database is locked', foreign keys enforced, and
    transactions begun by us right before the first write or savepoint.

    pysqlite begins a transaction before INSERT/UPDATE/DELETE but not before SAVEPOINT, so the
    first savepoint of a unit of work would itself be the outermost transaction and releasing it
    would commit early. Taking the write lock with BEGIN IMMEDIATE at that moment also makes a
    concurrent writer wait (busy_timeout) instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_writing(conn, cursor, statement, parameters, context, executemany):
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.in_transaction and _WRITES.match(statement):
            dbapi_connection.execute("BEGIN IMMEDIATE")
