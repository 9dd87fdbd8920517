"""scheduled jobs

One row per job the worker runs by itself (reminders, seats due back, retention):
when it is next due, which worker holds it, how its last run went.

Revision ID: 5b2d9e4c1f60
Revises: 3c8e1f0b7a21
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b2d9e4c1f60'
down_revision = '3c8e1f0b7a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_job',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(length=16), nullable=True),
    sa.Column('last_count', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.CheckConstraint("last_outcome IS NULL OR last_outcome IN ('ok', 'failed')", name=op.f('ck_scheduled_job_outcome_known')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_job'))
    )


def downgrade():
    op.drop_table('scheduled_job')
