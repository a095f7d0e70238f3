"""hub: the villages a hub knows, their keys, and what their bundles carried

The tables every instance has and only a hub fills (`desa hub init` writes
`hub_settings`): registered villages with their sync state and public keys; the
residents, events, revocations and per-RT booking summaries the villages' bundles
carried, keyed by village and the village's own id; and the ledger of bundles
applied and return bundles written. `hub_residents.ektp_source` says whether the
status came from the village or was set by the district at the hub, so that a
village's older status never overwrites the district's later one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hub_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_hub_settings_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_settings'))
    )
    op.create_table('hub_villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kecamatan_code', sa.String(length=8), nullable=False),
    sa.Column('kecamatan_name', sa.String(length=120), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=True),
    sa.Column('last_made_at', sa.String(length=40), nullable=True),
    sa.Column('last_applied_at', sa.DateTime(), nullable=True),
    sa.Column('last_sha256', sa.String(length=64), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_villages')),
    sa.UniqueConstraint('code', name=op.f('uq_hub_villages_code'))
    )
    with op.batch_alter_table('hub_villages', schema=None) as batch_op:
        batch_op.create_index('ix_hub_villages_kecamatan', ['kecamatan_code', 'code'], unique=False)

    op.create_table('hub_bundles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('seq_from', sa.BigInteger(), nullable=False),
    sa.Column('seq_to', sa.BigInteger(), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('made_at', sa.String(length=40), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('applied_by', sa.String(length=120), nullable=False),
    sa.CheckConstraint("direction IN ('in', 'return')", name=op.f('ck_hub_bundles_direction_known')),
    sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'], name=op.f('fk_hub_bundles_village_id_hub_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_bundles'))
    )
    with op.batch_alter_table('hub_bundles', schema=None) as batch_op:
        batch_op.create_index('ix_hub_bundles_village', ['village_id', 'id'], unique=False)

    op.create_table('hub_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('local_id', sa.BigInteger(), nullable=False),
    sa.Column('resident_local_id', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'], name=op.f('fk_hub_events_village_id_hub_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_events')),
    sa.UniqueConstraint('village_id', 'local_id', name=op.f('uq_hub_events_village_id_local_id'))
    )
    with op.batch_alter_table('hub_events', schema=None) as batch_op:
        batch_op.create_index('ix_hub_events_resident', ['village_id', 'resident_local_id'], unique=False)

    op.create_table('hub_residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('local_id', sa.BigInteger(), nullable=False),
    sa.Column('nik', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('nik_temporary', sa.Boolean(), nullable=False),
    sa.Column('kk', sa.String(length=16), nullable=True),
    sa.Column('family_relation', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_place', sa.String(length=80), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('marital_status', sa.String(length=20), nullable=True),
    sa.Column('citizenship', sa.String(length=3), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('dusun', sa.String(length=60), nullable=True),
    sa.Column('rw', sa.String(length=3), nullable=True),
    sa.Column('rt', sa.String(length=3), nullable=True),
    sa.Column('life_status', sa.String(length=10), nullable=False),
    sa.Column('ektp_status', sa.Integer(), nullable=True),
    sa.Column('ektp_status_at', sa.DateTime(), nullable=True),
    sa.Column('ektp_source', sa.String(length=8), nullable=False),
    sa.CheckConstraint("ektp_source IN ('village', 'district')", name=op.f('ck_hub_residents_source_known')),
    sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'], name=op.f('fk_hub_residents_village_id_hub_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_residents')),
    sa.UniqueConstraint('village_id', 'local_id', name=op.f('uq_hub_residents_village_id_local_id'))
    )
    with op.batch_alter_table('hub_residents', schema=None) as batch_op:
        batch_op.create_index('ix_hub_residents_figures', ['village_id', 'life_status', 'citizenship', 'ektp_status', 'marital_status', 'birth_date', 'dusun', 'rw', 'rt'], unique=False)
        batch_op.create_index('ix_hub_residents_nik', ['nik', 'village_id'], unique=False)

    op.create_table('hub_revocations',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.String(length=32), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'], name=op.f('fk_hub_revocations_village_id_hub_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('village_id', 'letter_id', name=op.f('pk_hub_revocations'))
    )
    op.create_table('hub_rt_summaries',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('recorded', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'], name=op.f('fk_hub_rt_summaries_village_id_hub_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('village_id', 'rw', 'rt', name=op.f('pk_hub_rt_summaries'))
    )
    op.create_table('hub_village_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=40), nullable=False),
    sa.Column('public_key', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created', sa.String(length=40), nullable=True),
    sa.Column('retired', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'], name=op.f('fk_hub_village_keys_village_id_hub_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_village_keys')),
    sa.UniqueConstraint('village_id', 'kid', name=op.f('uq_hub_village_keys_village_id_kid'))
    )


def downgrade():
    op.drop_table('hub_village_keys')
    op.drop_table('hub_rt_summaries')
    op.drop_table('hub_revocations')
    with op.batch_alter_table('hub_residents', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_residents_nik')
        batch_op.drop_index('ix_hub_residents_figures')

    op.drop_table('hub_residents')
    with op.batch_alter_table('hub_events', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_events_resident')

    op.drop_table('hub_events')
    with op.batch_alter_table('hub_bundles', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_bundles_village')

    op.drop_table('hub_bundles')
    with op.batch_alter_table('hub_villages', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_villages_kecamatan')

    op.drop_table('hub_villages')
    op.drop_table('hub_settings')
