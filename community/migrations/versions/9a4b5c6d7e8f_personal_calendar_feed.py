"""personal calendar feed

A counter per member signed into the address of their personal calendar feed: raising it
gives the feed a new address and ends the old one.

Revision ID: 9a4b5c6d7e8f
Revises: e0d6e575d4fb
Create Date: 2026-12-07 03:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a4b5c6d7e8f'
down_revision = 'e0d6e575d4fb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_key', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('calendar_key')
