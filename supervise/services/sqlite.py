"""SQLite settings that let one web process and one scheduler process share the file safely."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def tune_sqlite(engine: Engine) -> None:
    """WAL journal, a busy timeout instead of 'database is locked', foreign keys enforced, and
    transactions that SQLAlchemy (not the pysqlite driver) begins, so savepoints work: the
    driver's own late BEGIN otherwise lets a released savepoint commit on its own."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")
