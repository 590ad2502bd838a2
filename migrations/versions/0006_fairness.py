"""fairness: flags raised for review when their evidence is thin

Revision ID: 0006_fairness
Revises: 0005_inspections
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_fairness'
down_revision = '0005_inspections'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_review', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_flag_needs_review'), ['needs_review'], unique=False)


def downgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_needs_review'))
        batch_op.drop_column('needs_review')
