"""Demo letters: a few issued letters, one revoked, a draft, and a resident's request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from desa.auth.actor import Actor
from desa.extensions import db
from desa.letters import services
from desa.residents.models import Resident
from desa.trust.keys import ensure_active_key

# (type, purpose, fields, what happens after drafting)
_LETTERS: list[tuple[str, str, dict[str, Any], str]] = [
    ("SKD", "Persyaratan melamar pekerjaan", {}, "collected"),
    (
        "SKU",
        "Pengajuan Kredit Usaha Rakyat (KUR) di BRI Unit Tekarang",
        {
            "nama_usaha": "Warung Sembako Berkah",
            "jenis_usaha": "warung sembako",
            "alamat_usaha": "Dusun Sungai Bedung",
            "tahun_mulai": 2019,
        },
        "issued",
    ),
    ("SPKTP", "Perekaman KTP elektronik", {}, "issued"),
    (
        "SKTM",
        "Pengajuan beasiswa sekolah anak",
        {"penghasilan": 1_200_000, "jumlah_tanggungan": 4},
        "revoked",
    ),
    ("SPSKCK", "Persyaratan melamar pekerjaan di perkebunan", {}, "draft"),
]


def populate(head: Actor, clerk: Actor, requester_id: int) -> None:
    """Adds the demo letters (never commits). Issuing writes their PDFs."""
    ensure_active_key(head)
    adults = db.session.scalars(
        select(Resident)
        .where(
            Resident.life_status == "active",
            Resident.birth_date <= clerk.today - dt.timedelta(days=25 * 365),
            Resident.id != requester_id,
        )
        .order_by(Resident.id)
        .limit(len(_LETTERS))
    ).all()
    for resident, (code, purpose, fields, fate) in zip(adults, _LETTERS, strict=False):
        letter = services.create_draft(clerk, code, resident, purpose, fields)
        if fate == "draft":
            continue
        services.issue(head, letter)
        if fate == "collected":
            services.mark_collected(clerk, letter)
        elif fate == "revoked":
            services.revoke(
                head, letter, "Data penghasilan keliru; diganti surat baru."
            )
    requester = db.session.get(Resident, requester_id)
    if requester is not None:
        services.request_letter(
            clerk.as_(requester),
            "SKD",
            "Mendaftarkan anak ke SMP Negeri 1 Tekarang",
            {},
        )
