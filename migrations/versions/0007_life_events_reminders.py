"""life events and reminders: a birth is a population event; a reminder is given
once per booking and channel; resident history indexed by time for past figures

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


OLD_TYPES = "type IN ('death', 'move_out', 'move_in', 'marriage', 'divorce')"
NEW_TYPES = "type IN ('birth', 'death', 'move_out', 'move_in', 'marriage', 'divorce')"


def upgrade():
    with op.batch_alter_table('resident_changes') as batch_op:
        batch_op.create_index('ix_resident_changes_changed_at', ['changed_at'], unique=False)
    with op.batch_alter_table('resident_events') as batch_op:
        batch_op.drop_constraint(op.f('ck_resident_events_type_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_resident_events_type_known'), NEW_TYPES)
    op.create_table('appointment_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('whatsapp', 'email')", name=op.f('ck_appointment_reminders_channel_known')),
    sa.CheckConstraint("kind IN ('day_before')", name=op.f('ck_appointment_reminders_kind_known')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_appointment_reminders_booking_id_bookings')),
    sa.ForeignKeyConstraint(['message_id'], ['appointment_messages.id'], name=op.f('fk_appointment_reminders_message_id_appointment_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_reminders')),
    sa.UniqueConstraint('booking_id', 'kind', 'channel', name=op.f('uq_appointment_reminders_booking_id_kind_channel'))
    )


def downgrade():
    with op.batch_alter_table('resident_changes') as batch_op:
        batch_op.drop_index('ix_resident_changes_changed_at')
    op.drop_table('appointment_reminders')
    # Births recorded meanwhile stay in the residents' history, not as events.
    op.execute("DELETE FROM resident_events WHERE type = 'birth'")
    with op.batch_alter_table('resident_events') as batch_op:
        batch_op.drop_constraint(op.f('ck_resident_events_type_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_resident_events_type_known'), OLD_TYPES)
