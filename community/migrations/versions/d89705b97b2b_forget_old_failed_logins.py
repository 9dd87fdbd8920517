"""forget old failed logins

member.last_failed_login_at: failures older than LOGIN_LOCK_MINUTES no longer count.

Revision ID: d89705b97b2b
Revises: afad6baba269
Create Date: 2026-11-26 19:16:14.836098

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd89705b97b2b'
down_revision = 'afad6baba269'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failed_login_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('last_failed_login_at')

