"""The QR of every letter type decodes from the page rendered at 100 and at 72 dpi
(CONTRACT §8): a phone photo of a cheap print, or the PDF shown on a small screen."""

from __future__ import annotations

import datetime as dt

import pytest
from scanning import scan_pdf
from sqlalchemy import select

from desa.extensions import db as _db
from desa.letters import services
from desa.letters.models import LetterType

# A base URL as long as a real one (a kabupaten domain, https).
BASE_URL = "https://layanan-desa-merubung.sambaskab.go.id"
SAMPLE = {"date": "2026-12-20", "number": "1500000", "text": "KUA Kecamatan Tekarang"}


def _types(app) -> list[tuple[str, list[dict], list[str]]]:
    with app.app_context():
        return [
            (t.code, t.fields or [], list(t.life_statuses))
            for t in _db.session.scalars(
                select(LetterType).where(LetterType.active).order_by(LetterType.code)
            )
        ]


@pytest.fixture
def issued_every_type(app, holder, make_resident, letters):
    app.config["BASE_URL"] = BASE_URL
    deceased = make_resident(
        name="ALMARHUM BUJANG SAMAD",
        life_status="deceased",
        birth_date=dt.date(1950, 1, 2),
    )
    # KTP dalam proses: for someone recorded whose card has not come yet.
    waiting = make_resident(name="MENUNGGU KARTU", ektp_status=3)
    issued = []
    for code, fields, serves in _types(app):
        resident = deceased if serves == ["deceased"] else holder  # SKK: the deceased
        resident = waiting if code == "SKKTP" else resident
        values = {f["name"]: SAMPLE[f.get("type", "text")] for f in fields}
        public_id = letters.draft(resident, code, "Keperluan administrasi", values)
        issued.append(letters.issue(public_id))
    assert len(issued) >= 12
    return issued


@pytest.mark.parametrize("dpi", [100, 72])
def test_every_letter_types_qr_decodes_to_its_verify_url(
    app, issued_every_type, dpi, tmp_path
):
    from pathlib import Path

    for letter in issued_every_type:
        pdf = Path(app.instance_path) / letter.pdf_path
        with app.app_context():
            expected = services.verify_url(letter.token)
        assert expected.startswith(BASE_URL + "/v/")
        found = scan_pdf(pdf, dpi, tmp_path / f"{letter.public_id}-{dpi}")
        assert found == [expected], f"{letter.number} at {dpi} dpi"
