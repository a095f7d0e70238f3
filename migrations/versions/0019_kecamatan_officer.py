"""users: the kecamatan officer (role `kecamatan`, bound to one kecamatan by `area`)

At a hub, an officer of one kecamatan sees Table 1, the villages and the NIKs in
two villages of that kecamatan only (desa/scopes.py). `area` holds its Kemendagri
code (61.01.12); the role cannot exist without it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'clerk', 'head', 'rt', 'employer')"
NEW_ROLES = "role IN ('admin', 'clerk', 'head', 'rt', 'employer', 'kecamatan')"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area', sa.String(length=13), nullable=True))
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', NEW_ROLES)
        batch_op.create_check_constraint(
            'area_has_scope', "role <> 'kecamatan' OR area IS NOT NULL"
        )


def downgrade():
    op.execute("DELETE FROM users WHERE role = 'kecamatan'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_area_has_scope'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', OLD_ROLES)
        batch_op.drop_column('area')
