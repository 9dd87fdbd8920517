"""guest holds in minutes, client key

A guest's seat is held for minutes (an event may set its own, 5 to 1440; empty:
GUEST_HOLD_MINUTES), and a guest registration keeps a keyed hash of the client
address it came from, to cap one address's unconfirmed registrations per event.

Revision ID: 3dc36db83b89
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-07 02:10:06.334842

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3dc36db83b89'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None

HOLD_RANGE = "guest_hold_minutes IS NULL OR guest_hold_minutes BETWEEN 5 AND 1440"


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guest_hold_minutes', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('guest_hold_minutes_range', HOLD_RANGE)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_registration_client', ['event_id', 'client_key'], unique=False, sqlite_where=sa.text('client_key IS NOT NULL'), postgresql_where=sa.text('client_key IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_client', sqlite_where=sa.text('client_key IS NOT NULL'), postgresql_where=sa.text('client_key IS NOT NULL'))
        batch_op.drop_column('client_key')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_guest_hold_minutes_range'), type_='check')
        batch_op.drop_column('guest_hold_minutes')
