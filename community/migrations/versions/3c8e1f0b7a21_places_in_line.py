"""places in line

Each waiting registration gets the number it took on joining the waiting list
(registration.line_number, in the order of registration), and each event the
length of its line (event.waiting_count) and the last number given
(event.line_taken): a newcomer's place is then read from one UPDATE, not counted.
The waiting list and the guests' holds get partial indexes of their own.

Revision ID: 3c8e1f0b7a21
Revises: 77afde6b16a5
Create Date: 2026-12-02 00:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c8e1f0b7a21'
down_revision = '77afde6b16a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('line_taken', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_check_constraint('waiting_not_negative', 'waiting_count >= 0')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_number', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_registration_queue')

    # Those waiting now, numbered 1, 2, ... per event in the order the list had (time, then id).
    op.execute(
        "UPDATE registration SET line_number = (SELECT count(*) FROM registration AS ahead"
        " WHERE ahead.event_id = registration.event_id AND ahead.status = 'waiting'"
        " AND (ahead.created_at < registration.created_at"
        "  OR (ahead.created_at = registration.created_at AND ahead.id <= registration.id)))"
        " WHERE status = 'waiting'"
    )
    op.execute(
        "UPDATE event SET waiting_count = (SELECT count(*) FROM registration"
        " WHERE registration.event_id = event.id AND registration.status = 'waiting')"
    )
    op.execute("UPDATE event SET line_taken = waiting_count")

    # Partial indexes, each serving one question of the seat engine (see registration's model).
    with op.batch_alter_table('registration', schema=None) as batch_op:
        waiting, held, numbered = (sa.text(w) for w in ("status = 'waiting'", "status = 'held'", "line_number IS NOT NULL"))
        batch_op.create_index('ix_registration_queue', ['event_id', 'line_number'], unique=False,
                              sqlite_where=waiting, postgresql_where=waiting)
        batch_op.create_index('ix_registration_holds', ['event_id', 'hold_expires_at'], unique=False,
                              sqlite_where=held, postgresql_where=held)
        batch_op.create_index('uq_registration_line_number', ['event_id', 'line_number'], unique=True,
                              sqlite_where=numbered, postgresql_where=numbered)


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_line_number')
        batch_op.drop_index('ix_registration_holds')
        batch_op.drop_index('ix_registration_queue')
        batch_op.drop_column('line_number')
        batch_op.create_index('ix_registration_queue', ['event_id', 'status', 'created_at', 'id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_waiting_not_negative'), type_='check')
        batch_op.drop_column('line_taken')
        batch_op.drop_column('waiting_count')
