"""the language a person chose for pages

Revision ID: 0011_user_language
Revises: 0009_trust
Create Date: 2026-12-06 04:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_user_language'
down_revision = '0009_trust'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.drop_column('language')
