"""ticket category colour

Each category gets a colour (#rrggbb) for the badges and the door list: the existing
ones take the palette's colour at their position, as a new category does.

Revision ID: b7e2c41d9a30
Revises: 74c0bb688d0e
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c41d9a30'
down_revision = '74c0bb688d0e'
branch_labels = None
depends_on = None

# The palette of the day (tickets/models.py PALETTE), written out: a migration never follows later code.
PALETTE = ('#1f6feb', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#6e7781')


def upgrade():
    with op.batch_alter_table('ticket_category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('colour', sa.String(length=7), nullable=True))
    by_position = ' '.join(f"WHEN {index} THEN '{colour}'" for index, colour in enumerate(PALETTE))
    op.execute(f"UPDATE ticket_category SET colour = CASE position % {len(PALETTE)} {by_position} ELSE '{PALETTE[0]}' END")
    with op.batch_alter_table('ticket_category', schema=None) as batch_op:
        batch_op.alter_column('colour', existing_type=sa.String(length=7), nullable=False)


def downgrade():
    with op.batch_alter_table('ticket_category', schema=None) as batch_op:
        batch_op.drop_column('colour')
