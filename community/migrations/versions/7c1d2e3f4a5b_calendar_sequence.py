"""calendar sequence stored on the event

The SEQUENCE of the event's calendar entry, raised by one at each change a calendar shows.
It was derived from the time of the last update (modulo 2e9 seconds); existing events start
from that value, so calendars that imported it still take the next change as newer.

Revision ID: 7c1d2e3f4a5b
Revises: 5b2d9e4c1f60
Create Date: 2026-12-07 02:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a5b'
down_revision = '5b2d9e4c1f60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), server_default=sa.text('0'), nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        seconds = "CAST(strftime('%s', updated_at) AS INTEGER)"
    else:
        seconds = "CAST(EXTRACT(EPOCH FROM updated_at) AS BIGINT)"
    op.execute(f"UPDATE event SET calendar_sequence = {seconds} % 2000000000 WHERE updated_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('calendar_sequence')
