"""kua forms: the KUA's marriage forms N-1…N-6 as letter types

The KUA accepts a marriage's village papers only in its own layout (KMA 477/2004,
model N). Each form is a letter type issued by the head and drawn by
desa.papers.kua; its body is not printed (the admin page says so). The extra
fields hold what the registry does not: bin/binti, the parents, the other bride
or groom, the deceased spouse. A field `nik_*` that names someone in the
registry fills that person's blank rows when printed.

The types are frozen here (KUA_TYPES); later changes happen in the admin screens.
Downgrade deletes a type only when no letter uses it: a type some letter was
issued with stays (its letters still verify).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:00:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

NUMBER_PATTERN = "{code}/{seq:03}/{village}/{month_roman}/{year}"

WHO = {
    "ayah": "ayah",
    "ibu": "ibu",
    "calon": "calon suami/istri",
    "almarhum": "suami/istri yang meninggal",
}


def _f(name, label, type_="text", required=False):
    return {"name": name, "label": label, "type": type_, "required": required}


def _person(
    key,
    rows=(
        "nik",
        "nama",
        "bin_binti",
        "tempat_lahir",
        "tanggal_lahir",
        "warganegara",
        "agama",
        "pekerjaan",
        "alamat",
    ),
):
    """One person's rows as fields `<row>_<key>` (nik first: the registry fills
    the rest when it knows the NIK)."""
    who = WHO[key]
    labels = {
        "nik": f"NIK {who} (bila terdaftar di desa)",
        "nama": f"Nama lengkap {who}",
        "bin_binti": f"Bin/binti {who}",
        "tempat_lahir": f"Tempat lahir {who}",
        "tanggal_lahir": f"Tanggal lahir {who}",
        "warganegara": f"Warganegara {who}",
        "agama": f"Agama {who}",
        "pekerjaan": f"Pekerjaan {who}",
        "alamat": f"Tempat tinggal {who}",
    }
    return [
        _f(f"{row}_{key}", labels[row], "date" if row == "tanggal_lahir" else "text")
        for row in rows
    ]


BIN_BINTI = _f("bin_binti", "Bin/binti (nama ayah) yang bersangkutan")
SHORT = (
    "nik",
    "nama",
    "bin_binti",
    "tempat_lahir",
    "tanggal_lahir",
    "pekerjaan",
    "alamat",
)

KUA_TYPES = [
    {
        "code": "N1",
        "title": "Surat Keterangan Untuk Nikah",
        "body": (
            "Surat keterangan untuk nikah (model N1) yang menerangkan data diri, "
            "bin/binti dan status perkawinan calon mempelai warga desa, untuk "
            "pemberitahuan kehendak nikah di Kantor Urusan Agama."
        ),
        "fields": [
            BIN_BINTI,
            _f(
                "status_perkawinan_rinci",
                "Status perkawinan (jejaka, duda, beristri; perawan, janda)",
            ),
            _f("istri_ke", "Beristri ke- (bila beristri)", "number"),
            _f("nama_pasangan_terdahulu", "Nama istri/suami terdahulu"),
        ],
    },
    {
        "code": "N2",
        "title": "Surat Keterangan Asal-Usul",
        "body": (
            "Surat keterangan asal-usul (model N2) yang menerangkan bahwa calon "
            "mempelai adalah anak kandung dari ayah dan ibu yang disebutkan, untuk "
            "pemberitahuan kehendak nikah di Kantor Urusan Agama."
        ),
        "fields": [BIN_BINTI, *_person("ayah"), *_person("ibu")],
    },
    {
        "code": "N3",
        "title": "Surat Persetujuan Mempelai",
        "body": (
            "Surat persetujuan mempelai (model N3) yang menyatakan bahwa calon suami "
            "dan calon istri atas dasar sukarela setuju untuk melangsungkan "
            "pernikahan, untuk Kantor Urusan Agama."
        ),
        "fields": [BIN_BINTI, *_person("calon")],
    },
    {
        "code": "N4",
        "title": "Surat Keterangan tentang Orang Tua",
        "body": (
            "Surat keterangan tentang orang tua (model N4) yang menerangkan data ayah "
            "dan ibu kandung calon mempelai, untuk pemberitahuan kehendak nikah di "
            "Kantor Urusan Agama."
        ),
        "fields": [BIN_BINTI, *_person("ayah"), *_person("ibu")],
    },
    {
        "code": "N5",
        "title": "Surat Izin Orang Tua",
        "body": (
            "Surat izin orang tua (model N5) bagi calon mempelai yang belum berumur "
            "21 tahun: ayah dan ibu kandung memberi izin anaknya menikah dengan calon "
            "suami/istri yang disebutkan, untuk Kantor Urusan Agama."
        ),
        "fields": [
            BIN_BINTI,
            *_person("ayah", SHORT),
            *_person("ibu", SHORT),
            *_person(
                "calon", ("nik", "nama", "bin_binti", "tempat_lahir", "tanggal_lahir")
            ),
        ],
    },
    {
        "code": "N6",
        "title": "Surat Keterangan Kematian Suami/Istri",
        "body": (
            "Surat keterangan kematian suami/istri (model N6) yang menerangkan "
            "meninggalnya suami atau istri calon mempelai yang berstatus duda atau "
            "janda cerai mati, untuk Kantor Urusan Agama."
        ),
        "fields": [
            BIN_BINTI,
            *_person("almarhum", SHORT),
            _f("tanggal_meninggal", "Tanggal meninggal dunia", "date", True),
            _f("tempat_meninggal", "Tempat meninggal dunia", "text", True),
        ],
    },
]


def _types():
    return sa.table(
        "letter_types",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("title", sa.String),
        sa.column("kind", sa.String),
        sa.column("addressee", sa.String),
        sa.column("body", sa.Text),
        sa.column("fields", sa.JSON),
        sa.column("validity_days", sa.Integer),
        sa.column("number_pattern", sa.String),
        sa.column("issuer", sa.String),
        sa.column("life_statuses", sa.JSON),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )


def upgrade():
    bind = op.get_bind()
    table = _types()
    existing = set(bind.execute(sa.select(table.c.code)).scalars())
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        {
            **t,
            "kind": "letter",
            "addressee": None,
            "validity_days": None,
            "number_pattern": NUMBER_PATTERN,
            "issuer": "head",
            "life_statuses": ["active"],
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for t in KUA_TYPES
        if t["code"] not in existing
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
        table.delete()
        .where(table.c.code.in_([t["code"] for t in KUA_TYPES]))
        .where(~used)
    )
