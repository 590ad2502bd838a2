"""positions partitioned by day on PostgreSQL

Revision ID: 0010_position_partitions
Revises: 0011_user_language
Create Date: 2026-12-06 04:00:00

On PostgreSQL the position table becomes a table partitioned by RANGE (ts), one partition per
UTC day (`position_pYYYYMMDD`) and a DEFAULT partition (`position_default`) for any instant no
day partition covers yet, so an insert never fails. The key (officer_id, ts) already holds the
partition key; it and the arrival index now INCLUDE the columns the analysis reads, so those
reads stay index-only. The rows are kept: the old table is renamed, the new one made, a
partition created for each day that holds data (within the last ~3 years) and the coming days,
the rows copied, the old table dropped. SQLite keeps its single table: nothing changes there.
"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0010_position_partitions'
down_revision = '0011_user_language'
branch_labels = None
depends_on = None

_DATA = ("officer_id", "ts", "lat", "lon", "accuracy_m", "speed_mps", "mock", "source", "received_ts")
_INCLUDED = "lat, lon, accuracy_m, mock, source, received_ts"
_AHEAD_DAYS = 7
_PAST_DAYS = 1100
_DAY_S = 86400


def _columns_sql() -> str:
    return ("officer_id INTEGER NOT NULL, ts FLOAT NOT NULL, lat FLOAT NOT NULL, lon FLOAT NOT NULL, "
            "accuracy_m FLOAT, speed_mps FLOAT, mock BOOLEAN NOT NULL, source SMALLINT NOT NULL, "
            "received_ts FLOAT NOT NULL, "
            "CONSTRAINT fk_position_officer_id_user_account FOREIGN KEY (officer_id) REFERENCES user_account (id)")


def _set_aside_old_table() -> None:
    op.execute('DROP INDEX ix_position_received_ts')
    op.execute('ALTER TABLE position RENAME TO position_old')
    op.execute('ALTER TABLE position_old RENAME CONSTRAINT pk_position TO pk_position_old')


def _copy_and_drop_old() -> None:
    columns = ", ".join(_DATA)
    op.execute(f'INSERT INTO position ({columns}) SELECT {columns} FROM position_old')
    op.execute('DROP TABLE position_old')


def _days_to_partition(bind) -> list[int]:
    """UTC day numbers (days since 1970-01-01) that get a partition: the days holding data within
    the last ~3 years, and today to a week ahead. Older or odder instants go to the default."""
    today = int(datetime.now(UTC).timestamp() // _DAY_S)
    held = bind.execute(sa.text(
        'SELECT DISTINCT floor(ts / 86400)::int FROM position_old WHERE ts >= :lo AND ts < :hi'),
        {"lo": (today - _PAST_DAYS) * _DAY_S, "hi": (today + _AHEAD_DAYS + 1) * _DAY_S}).scalars()
    return sorted(set(held) | set(range(today, today + _AHEAD_DAYS + 1)))


def _partition_name(day: int) -> str:
    return f"position_p{datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day):%Y%m%d}"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    _set_aside_old_table()
    op.execute(f'CREATE TABLE position ({_columns_sql()}, '
               f'CONSTRAINT pk_position PRIMARY KEY (officer_id, ts) INCLUDE ({_INCLUDED})) PARTITION BY RANGE (ts)')
    op.execute('CREATE TABLE position_default PARTITION OF position DEFAULT')
    for day in _days_to_partition(bind):
        op.execute(f'CREATE TABLE {_partition_name(day)} PARTITION OF position '
                   f'FOR VALUES FROM ({day * _DAY_S}) TO ({(day + 1) * _DAY_S})')
    _copy_and_drop_old()
    op.execute('CREATE INDEX ix_position_received_ts ON position (received_ts) INCLUDE (officer_id)')


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    _set_aside_old_table()
    op.execute(f'CREATE TABLE position ({_columns_sql()}, CONSTRAINT pk_position PRIMARY KEY (officer_id, ts))')
    _copy_and_drop_old()   # dropping the partitioned table drops its partitions
    op.execute('CREATE INDEX ix_position_received_ts ON position (received_ts)')
