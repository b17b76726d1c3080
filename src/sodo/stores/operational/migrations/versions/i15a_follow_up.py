"""follow-up: notices (unique per kind, item, recipient and deadline), e-mail attempts,
preferences, the scheduler lease; task workflow: extensions, responsible person, evidence
review, "blocked" with who can unblock; the user's language

Revision ID: i15a
Revises: i17a
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i15a"
down_revision = "i17a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_lease',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('notice',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('item', sa.String(length=255), nullable=False),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('recipient_unit', sa.String(length=32), nullable=False),
    sa.Column('about', sa.String(length=64), nullable=False),
    sa.Column('due', sa.String(length=10), nullable=False),
    sa.Column('as_of', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('link', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail_state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=128), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'item', 'recipient', 'about', name='uq_notice')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_mail', ['mail_state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notice_recipient', ['recipient', 'read_at'], unique=False)

    op.create_table('task_extension',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('programme', sa.String(length=64), nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('orgunit', sa.String(length=32), nullable=False),
    sa.Column('new_deadline', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_extension', schema=None) as batch_op:
        batch_op.create_index('ix_task_extension_task', ['task', 'requested_at'], unique=False)

    op.create_table('task_responsible',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('person', sa.Text(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_responsible', schema=None) as batch_op:
        batch_op.create_index('ix_task_responsible_task', ['task', 'at'], unique=False)

    op.create_table('notice_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('worker', sa.String(length=128), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notice_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_notice_attempt_notice', ['notice_id'], unique=False)

    op.create_table('notice_preference',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', name='uq_notice_preference')
    )
    op.create_table('task_review',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['update_id'], ['task_update.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_review', schema=None) as batch_op:
        batch_op.create_index('ix_task_review_update', ['update_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=8), server_default='vi', nullable=False))

    with op.batch_alter_table('task_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unblock_by', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('task_update', schema=None) as batch_op:
        batch_op.drop_column('unblock_by')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('lang')

    with op.batch_alter_table('task_review', schema=None) as batch_op:
        batch_op.drop_index('ix_task_review_update')

    op.drop_table('task_review')
    op.drop_table('notice_preference')
    with op.batch_alter_table('notice_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_attempt_notice')

    op.drop_table('notice_attempt')
    with op.batch_alter_table('task_responsible', schema=None) as batch_op:
        batch_op.drop_index('ix_task_responsible_task')

    op.drop_table('task_responsible')
    with op.batch_alter_table('task_extension', schema=None) as batch_op:
        batch_op.drop_index('ix_task_extension_task')

    op.drop_table('task_extension')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_recipient')
        batch_op.drop_index('ix_notice_mail')

    op.drop_table('notice')
    op.drop_table('job_lease')
