"""invitation codes

Invitation codes of a ticket category, and the code each registration was made with.

Revision ID: 77afde6b16a5
Revises: f40ae5a6a0d2
Create Date: 2026-12-01 21:06:25.565787

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '77afde6b16a5'
down_revision = 'f40ae5a6a0d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('uses_allowed', sa.Integer(), nullable=False),
    sa.Column('uses', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_to', sa.String(length=254), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('uses <= uses_allowed', name=op.f('ck_invitation_code_within_uses')),
    sa.CheckConstraint('uses >= 0', name=op.f('ck_invitation_code_uses_not_negative')),
    sa.CheckConstraint('uses_allowed >= 1', name=op.f('ck_invitation_code_allows_a_use')),
    sa.ForeignKeyConstraint(['category_id'], ['ticket_category.id'], name=op.f('fk_invitation_code_category_id_ticket_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['member.id'], name=op.f('fk_invitation_code_created_by_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_invitation_code_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_code')),
    sa.UniqueConstraint('code', name=op.f('uq_invitation_code_code'))
    )
    with op.batch_alter_table('invitation_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_code_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_code_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_registration_code_id'), ['code_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registration_code_id_invitation_code'), 'invitation_code', ['code_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_code_id_invitation_code'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registration_code_id'))
        batch_op.drop_column('code_id')

    with op.batch_alter_table('invitation_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_code_event_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_code_category_id'))

    op.drop_table('invitation_code')
