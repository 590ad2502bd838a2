"""a round withdrawn before its release: when, by whom and why

Revision ID: 0013_round_withdrawal
Revises: 0012_check_batches
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa

import supervise.models.types

revision = '0013_round_withdrawal'
down_revision = '0012_check_batches'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection_round') as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', supervise.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_inspection_round_withdrawn_by_id_user_account', 'user_account',
                                    ['withdrawn_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('inspection_round') as batch_op:
        batch_op.drop_constraint('fk_inspection_round_withdrawn_by_id_user_account', type_='foreignkey')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
