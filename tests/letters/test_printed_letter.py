"""What was printed: render the stored PDF, decode its QR with zbar, follow it to the
verification page; read the PDF's text. Then revoke and upload checks."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import csrf_from
from pypdf import PdfReader
from scanning import scan_pdf

from desa.extensions import db
from desa.letters import services

from .conftest import TODAY

PDFTOPPM, ZBARIMG = "/usr/bin/pdftoppm", "/usr/bin/zbarimg"
pytestmark = pytest.mark.skipif(
    not (Path(PDFTOPPM).exists() and Path(ZBARIMG).exists()),
    reason="poppler and zbar are installed by .ci/run",
)


def _decode_qr(pdf: Path, tmp_path: Path) -> str:
    (text,) = scan_pdf(pdf, 100, tmp_path / "scan")
    return text


@pytest.fixture
def issued(app, holder, letters):
    """An issued Surat Pengantar Nikah and the path of its stored PDF."""
    public_id = letters.draft(
        holder,
        "SPN",
        purpose="Pendaftaran nikah",
        fields={
            "nama_pasangan": "AHMAD FAUZI",
            "tanggal_nikah": "2026-12-20",
            "tempat_nikah": "KUA Kecamatan Tekarang",
        },
    )
    letter = letters.issue(public_id)
    return letter, Path(app.instance_path) / letter.pdf_path


def test_the_printed_qr_leads_to_a_valid_verification(issued, client, tmp_path, holder):
    letter, pdf = issued
    url = _decode_qr(pdf, tmp_path)
    assert url == f"http://desa.test/v/{letter.token}"
    assert letter.token.isdigit() and holder.nik not in url
    page = client.get(urlsplit(url).path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "SAH" in html and "TIDAK SAH" not in html
    assert letter.number in html and "Surat Pengantar Nikah" in html
    assert "23 November 2026" in html and "S*** A*****" in html
    assert holder.nik not in html and "SITI AMINAH" not in html


def test_the_pdf_says_what_it_should(issued, holder):
    letter, pdf = issued
    text = " ".join(
        (page.extract_text() or "")
        for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages
    )
    text = " ".join(text.split())
    for expected in (
        "PEMERINTAH KABUPATEN SAMBAS",
        "KECAMATAN TEKARANG",
        "KANTOR DESA MERUBUNG",
        "SURAT PENGANTAR NIKAH",
        f"Nomor: {letter.number}",
        "SPN/001/2002/XI/2026",
        "Kepala Kantor Urusan Agama Kecamatan Tekarang",
        "SITI AMINAH",
        holder.nik,
        "SAMBAS, 12 April 1988",
        "AHMAD FAUZI",
        "20 Desember 2026",
        "Merubung, 23 November 2026",
        "Kepala Desa Merubung",
        "H. Abdul Rahman",
        "Pindai untuk memeriksa keaslian",
    ):
        assert expected in text, expected
    assert "{" not in text and "DRAF" not in text


def test_draft_preview_has_no_number_and_no_qr(app, holder, letters, tmp_path):
    public_id = letters.draft(holder)
    with app.app_context():
        data = services.preview_pdf(letters.get(public_id), TODAY)
    path = tmp_path / "draft.pdf"
    path.write_bytes(data)
    text = " ".join((PdfReader(io.BytesIO(data)).pages[0].extract_text() or "").split())
    assert "DRAF" in text and "SKD/" not in text and "Pindai" not in text
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "100", str(path), str(tmp_path / "d")], check=True
    )
    out = subprocess.run(
        [ZBARIMG, "--raw", "-q", str(next(tmp_path.glob("d*.png")))],
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == ""


def test_revoked_letter_page_says_revoked(issued, client, app, letters, tmp_path):
    letter, pdf = issued
    with app.app_context():
        services.revoke(
            letters.as_head, letters.get(letter.public_id), "Pernikahan dibatalkan"
        )
        db.session.commit()
    path = urlsplit(_decode_qr(pdf, tmp_path)).path
    html = client.get(path).get_data(as_text=True)
    assert "DICABUT" in html and "Jangan diterima" in html
    assert "Pernikahan dibatalkan" not in html  # the reason stays in the office


def test_a_forged_token_page_is_invalid_and_shows_nothing(issued, client):
    letter, _pdf = issued
    number = int(letter.token)
    forged = str(number ^ (1 << 8))  # one bit of the signature flipped
    html = client.get(f"/v/{forged}").get_data(as_text=True)
    assert "TIDAK SAH" in html and letter.number not in html
    assert client.get("/v/apa/saja/..").status_code == 200


def _upload(client, path, data, name="surat.pdf"):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(
        path,
        data={"csrf_token": token, "pdf": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_uploading_the_pdf_checks_it_is_unaltered(issued, client):
    letter, pdf = issued
    path = f"/v/{letter.token}"
    same = _upload(client, path, pdf.read_bytes())
    assert same.status_code == 200
    assert "sama persis" in same.get_data(as_text=True)
    edited = pdf.read_bytes() + b"\n% diubah\n"  # what an incremental edit appends
    differs = _upload(client, path, edited)
    assert "BERBEDA" in differs.get_data(as_text=True)
    empty = client.post(
        path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))}
    )
    assert empty.status_code == 422
    no_csrf = client.post(
        path,
        data={"pdf": (io.BytesIO(b"x"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert no_csrf.status_code == 400


def test_uploads_are_size_limited_and_throttled(issued, client, app):
    letter, _pdf = issued
    path = f"/v/{letter.token}"
    big = _upload(client, path, b"%PDF" + b"0" * (6 * 1024 * 1024))
    assert big.status_code == 413
    app.config["LETTER_VERIFY_UPLOADS_PER_MINUTE"] = 2
    codes = [_upload(client, path, b"%PDF-1.4").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
