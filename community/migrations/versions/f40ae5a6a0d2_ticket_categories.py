"""ticket categories

Every event gets one category, "Entrée générale" / "General admission", holding all
its registrations (its seats taken: those seated now); event.reserved_count
counts the seats held back for reserved categories (none yet).

Revision ID: f40ae5a6a0d2
Revises: d89705b97b2b
Create Date: 2026-12-01 19:58:07.414342

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f40ae5a6a0d2'
down_revision = 'd89705b97b2b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_fr', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('description_fr', sa.String(length=300), nullable=False),
    sa.Column('description_en', sa.String(length=300), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=True),
    sa.Column('taken', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('admits', sa.String(length=16), nullable=False),
    sa.Column('reserving', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('reserved_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("admits IN ('event', 'members', 'groups', 'code')", name=op.f('ck_ticket_category_admits_known')),
    sa.CheckConstraint('NOT reserving OR quota IS NOT NULL', name=op.f('ck_ticket_category_reserve_has_quota')),
    sa.CheckConstraint('quota IS NULL OR quota >= 0', name=op.f('ck_ticket_category_quota_not_negative')),
    sa.CheckConstraint('quota IS NULL OR taken <= quota', name=op.f('ck_ticket_category_within_quota')),
    sa.CheckConstraint('taken >= 0', name=op.f('ck_ticket_category_taken_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_ticket_category_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_category'))
    )
    with op.batch_alter_table('ticket_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_category_event_id'), ['event_id'], unique=False)
        batch_op.create_index('uq_ticket_category_name', ['event_id', 'name_fr'], unique=True)

    op.create_table('ticket_category_group',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['ticket_category.id'], name=op.f('fk_ticket_category_group_category_id_ticket_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_ticket_category_group_group_id_working_group')),
    sa.PrimaryKeyConstraint('category_id', 'group_id', name=op.f('pk_ticket_category_group'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_check_constraint('within_reserve', 'capacity IS NULL OR confirmed_count + reserved_count <= capacity')
        batch_op.create_check_constraint('reserve_not_negative', 'reserved_count >= 0')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))

    # One category per event, holding its registrations and their seats.
    op.execute(
        "INSERT INTO ticket_category (event_id, position, name_fr, name_en, description_fr, description_en,"
        " taken, listed, admits, reserving, created_at)"
        " SELECT event.id, 0, 'Entrée générale', 'General admission', '', '',"
        " (SELECT count(*) FROM registration WHERE registration.event_id = event.id"
        "  AND registration.status IN ('held', 'confirmed')),"
        " true, 'event', false, event.created_at FROM event"
    )
    op.execute(
        "UPDATE registration SET category_id ="
        " (SELECT ticket_category.id FROM ticket_category WHERE ticket_category.event_id = registration.event_id)"
    )

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_registration_category_id'), ['category_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registration_category_id_ticket_category'), 'ticket_category', ['category_id'], ['id'])


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_category_id_ticket_category'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registration_category_id'))
        batch_op.drop_column('category_id')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_reserve_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_event_within_reserve'), type_='check')
        batch_op.drop_column('reserved_count')

    op.drop_table('ticket_category_group')
    with op.batch_alter_table('ticket_category', schema=None) as batch_op:
        batch_op.drop_index('uq_ticket_category_name')
        batch_op.drop_index(batch_op.f('ix_ticket_category_event_id'))

    op.drop_table('ticket_category')
