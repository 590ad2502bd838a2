"""check batches: the shifts a scheduler tick hands to the task queue, and whether they were judged

Revision ID: 0012_check_batches
Revises: 0010_position_partitions
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa

from supervise.models.types import UTCDateTime


revision = '0012_check_batches'
down_revision = '0010_position_partitions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'check_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.Column('as_of', UTCDateTime(), nullable=False),
        sa.Column('window_s', sa.Float(), nullable=True),
        sa.Column('shift_ids', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('dispatches', sa.Integer(), nullable=False),
        sa.Column('dispatched_at', UTCDateTime(), nullable=False),
        sa.Column('deliveries', sa.Integer(), nullable=False),
        sa.Column('claimed_by', sa.String(length=128), nullable=True),
        sa.Column('claimed_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('judged', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('withdrawn', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['check_run.id'], name=op.f('fk_check_batch_run_id_check_run'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_batch')),
    )
    op.create_index(op.f('ix_check_batch_run_id'), 'check_batch', ['run_id'], unique=False)
    op.create_index('ix_check_batch_state_dispatched', 'check_batch', ['state', 'dispatched_at'], unique=False)


def downgrade():
    op.drop_index('ix_check_batch_state_dispatched', table_name='check_batch')
    op.drop_index(op.f('ix_check_batch_run_id'), table_name='check_batch')
    op.drop_table('check_batch')
