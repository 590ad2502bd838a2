"""trust and reports: audit chain, notifications, webhook outbox; inspection kinds' scope, joint
teams (assignment_member) and signatures; findings checked against tracks

Revision ID: 0009_trust
Revises: 0008_operations
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa

from supervise.models.types import UTCDateTime


revision = '0009_trust'
down_revision = '0008_operations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('subject_type', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_record')),
        sa.UniqueConstraint('seq', name=op.f('uq_audit_record_seq')),
    )
    op.create_index(op.f('ix_audit_record_kind'), 'audit_record', ['kind'], unique=False)
    op.create_index('ix_audit_record_subject', 'audit_record', ['subject_type', 'subject_id'], unique=False)
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('text_zh', sa.Text(), nullable=False),
        sa.Column('text_en', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=200), nullable=True),
        sa.Column('flag_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('read_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['flag_id'], ['flag.id'], name=op.f('fk_notification_flag_id_flag'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    )
    op.create_index(op.f('ix_notification_flag_id'), 'notification', ['flag_id'], unique=False)
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at'], unique=False)
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=64), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
        sa.Column('lease_holder', sa.String(length=64), nullable=True),
        sa.Column('lease_until', UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    )
    op.create_index('ix_outbox_due', 'outbox_message', ['status', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.JSON(), nullable=True))
    op.create_table(
        'assignment_member',
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('inspector_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['inspection_assignment.id'],
                                name=op.f('fk_assignment_member_assignment_id_inspection_assignment'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['inspector_id'], ['user_account.id'],
                                name=op.f('fk_assignment_member_inspector_id_user_account')),
        sa.PrimaryKeyConstraint('assignment_id', 'inspector_id', name=op.f('pk_assignment_member')),
    )
    op.create_index(op.f('ix_assignment_member_inspector_id'), 'assignment_member', ['inspector_id'], unique=False)
    with op.batch_alter_table('inspection_finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatures', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('track_check', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('inspection_finding', schema=None) as batch_op:
        batch_op.drop_column('track_check')
        batch_op.drop_column('signatures')
    op.drop_index(op.f('ix_assignment_member_inspector_id'), table_name='assignment_member')
    op.drop_table('assignment_member')
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.drop_column('scope')
    op.drop_index('ix_outbox_due', table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_index('ix_notification_user_read', table_name='notification')
    op.drop_index(op.f('ix_notification_flag_id'), table_name='notification')
    op.drop_table('notification')
    op.drop_index('ix_audit_record_subject', table_name='audit_record')
    op.drop_index(op.f('ix_audit_record_kind'), table_name='audit_record')
    op.drop_table('audit_record')
