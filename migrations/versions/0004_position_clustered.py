"""positions keyed and stored by (officer, time)

Revision ID: 0004_position_clustered
Revises: 0003_position_received_index
Create Date: 2026-11-26 23:30:00

The position table loses its surrogate id: (officer_id, ts) becomes the primary key, and on
SQLite the table is WITHOUT ROWID, so rows are stored in the order shift reads want them and an
insert maintains one B-tree fewer. The table is rebuilt (new table, INSERT ... SELECT, drop the
old one), which works the same on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_position_clustered'
down_revision = '0003_position_received_index'
branch_labels = None
depends_on = None

_DATA = ("officer_id", "ts", "lat", "lon", "accuracy_m", "speed_mps", "mock", "source", "received_ts")


def _data_columns() -> list[sa.Column]:
    return [
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('ts', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.Column('speed_mps', sa.Float(), nullable=True),
        sa.Column('mock', sa.Boolean(), nullable=False),
        sa.Column('source', sa.SmallInteger(), nullable=False),
        sa.Column('received_ts', sa.Float(), nullable=False),
    ]


def _foreign_key() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'],
                                   name=op.f('fk_position_officer_id_user_account'))


def _set_aside_old_table() -> None:
    """Rename `position` to `position_old`, freeing the names the new table needs (index and
    primary-key names are per schema on PostgreSQL, index names per database on SQLite)."""
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_index('ix_position_received_ts')
    op.rename_table('position', 'position_old')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE position_old RENAME CONSTRAINT pk_position TO pk_position_old')


def _copy_and_drop_old() -> None:
    old = sa.table('position_old', *(sa.column(c) for c in _DATA))
    new = sa.table('position', *(sa.column(c) for c in _DATA))
    op.execute(new.insert().from_select(list(_DATA), sa.select(*(old.c[c] for c in _DATA))))
    op.drop_table('position_old')
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.create_index('ix_position_received_ts', ['received_ts'], unique=False)


def upgrade():
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_index('uq_position_officer_ts')
    _set_aside_old_table()
    op.create_table('position', *_data_columns(), _foreign_key(),
                    sa.PrimaryKeyConstraint('officer_id', 'ts', name=op.f('pk_position')),
                    sqlite_with_rowid=False)
    _copy_and_drop_old()


def downgrade():
    _set_aside_old_table()
    op.create_table('position',
                    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
                    *_data_columns(), _foreign_key(),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_position')))
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.create_index('uq_position_officer_ts', ['officer_id', 'ts'], unique=True)
    _copy_and_drop_old()
