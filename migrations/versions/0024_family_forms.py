"""family forms: the family forms F-1.09, F-1.01, F-1.02 as letter types, and the residents' parents and blood group they print

Residents gain the father's and mother's names, the blood group and the date of
marriage (all optional: the KK sheet and the biodata print them when known). The
three Disdukcapil forms are letter types the clerk issues, drawn in their own
layout by desa.papers.family. The residents' sync trigger is left alone: the hub
does not need these columns.

Plain ADD/DROP COLUMN (as 0015): a batch rebuild of `residents` on SQLite would
drop its sync triggers.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:00:00

"""

import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

NUMBER_PATTERN = "{code}/{seq:03}/{village}/{month_roman}/{year}"
COLUMNS = (
    ('father_name', sa.String(length=120)),
    ('mother_name', sa.String(length=120)),
    ('blood_type', sa.String(length=10)),  # "TIDAK TAHU" is a value
    ('marriage_date', sa.Date()),
)
FORMS = [
    {
        "code": "F-1.09",
        "title": "Formulir F-1.09 Kartu Keluarga",
        "body": (
            "Lembar Kartu Keluarga (formulir F-1.09 Permendagri 109/2019) yang memuat "
            "seluruh anggota keluarga dengan status hubungan dalam keluarga, diisi dari "
            "data penduduk desa untuk diserahkan ke Disdukcapil."
        ),
    },
    {
        "code": "F-1.01",
        "title": "Formulir F-1.01 Biodata Keluarga",
        "body": (
            "Formulir Biodata Keluarga (F-1.01 Permendagri 109/2019): data keluarga dan "
            "data setiap anggota keluarga, diisi dari data penduduk desa untuk "
            "pendaftaran atau perubahan Kartu Keluarga di Disdukcapil."
        ),
    },
    {
        "code": "F-1.02",
        "title": "Formulir F-1.02 Pendaftaran Peristiwa Kependudukan",
        "body": (
            "Formulir Pendaftaran Peristiwa Kependudukan (F-1.02 Permendagri 109/2019): "
            "data pemohon dan keluarganya untuk permohonan Kartu Keluarga, KTP-el atau "
            "perubahan data di Disdukcapil, diisi dari data penduduk desa."
        ),
    },
]


def _types():
    return sa.table(
        "letter_types",
        sa.column("id", sa.Integer), sa.column("code", sa.String),
        sa.column("title", sa.String), sa.column("kind", sa.String),
        sa.column("addressee", sa.String), sa.column("body", sa.Text),
        sa.column("fields", sa.JSON), sa.column("validity_days", sa.Integer),
        sa.column("number_pattern", sa.String), sa.column("issuer", sa.String),
        sa.column("life_statuses", sa.JSON), sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime),
    )


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('residents', sa.Column(name, type_, nullable=True))
    bind = op.get_bind()
    table = _types()
    existing = set(bind.execute(sa.select(table.c.code)).scalars())
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        {**form, "kind": "letter", "addressee": None, "fields": [],
         "validity_days": None, "number_pattern": NUMBER_PATTERN, "issuer": "clerk",
         "life_statuses": ["active"], "active": True,
         "created_at": now, "updated_at": now}
        for form in FORMS if form["code"] not in existing
    ]
    if rows:
        bind.execute(table.insert(), rows)


def downgrade():
    bind = op.get_bind()
    table = _types()
    letters = sa.table("letters", sa.column("type_id", sa.Integer))
    used = sa.select(letters.c.type_id).where(letters.c.type_id == table.c.id).exists()
    # A type some letter was issued with stays (its letters still verify).
    bind.execute(
        table.delete().where(table.c.code.in_([f["code"] for f in FORMS])).where(~used)
    )
    for name, _type in reversed(COLUMNS):
        op.drop_column('residents', name)
