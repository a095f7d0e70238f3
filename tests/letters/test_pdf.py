"""Letter PDFs read back the way an office would: printed QR decoded, text extracted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from desa.documents.drawing import Letterhead
from desa.letters.pdf import (
    LetterDocument,
    merge_pdfs,
    render_letter,
    render_register,
)

TOKEN = (
    "eyJkIjoiMjAyNi0xMS0yMyIsImgiOiJTKioqIEEqKioqKiIsImlkIjoiazN4OWFiY2RlZmdoIiwi"
    "biI6IjYxMDEqKioqKioqKjAwMDEiLCJubyI6IlNLRC8wMTIvMjAwMi9YSS8yMDI2IiwidCI6IlNL"
    "RCIsInYiOjEsInZjIjoiNjEuMDEuMTIuMjAwMiJ9.mB3k0vUq7ZcVt1s2yq9aJpX4rH8LwE6nT0fG"
    "dK5uYiSb2cN7xQeA1oPzRj3MhWlV9gF4tD6sU8kC0aB2eX5yZ7Q"
)
URL = f"http://desa.test/v/{TOKEN}"
NUMBER = "SKD/012/2002/XI/2026"
HEAD = Letterhead(
    province="Provinsi Kalimantan Barat",
    regency="Kabupaten Sambas",
    district="Kecamatan Tekarang",
    village_title="Desa Merubung",
    address="Jalan Raya Merubung No. 1, Tekarang Kode Pos 79466",
)


def letter(**overrides) -> LetterDocument:
    values = {
        "letterhead": HEAD,
        "title": "Surat Keterangan Domisili",
        "number": NUMBER,
        "addressee": None,
        "paragraphs_before": [
            "Yang bertanda tangan di bawah ini, Kepala Desa Merubung, Kecamatan "
            "Tekarang, Kabupaten Sambas, menerangkan bahwa:"
        ],
        "data_rows": [
            ("Nama", "SITI AMINAH"),
            ("NIK", "6101124505900001"),
            ("Tempat/Tgl. Lahir", "Sambas, 5 Mei 1990"),
            ("Alamat", "Dusun Sungai Bedung RT 002 RW 001, Desa Merubung"),
        ],
        "paragraphs_after": [
            "Orang tersebut benar berdomisili di Desa Merubung.",
            "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya.",
        ],
        "place_date": "Merubung, 23 November 2026",
        "signer_title": "Kepala Desa Merubung",
        "signer_name": "ABDUL RAHMAN",
        "qr_url": URL,
    }
    values.update(overrides)
    return LetterDocument(**values)


def draft(**overrides) -> LetterDocument:
    return letter(**{"draft": True, "number": None, "qr_url": None, **overrides})


def _binary(name: str) -> str:
    """A poppler/zbar tool; CI installs them (DESA_REQUIRE_BROWSER=1 makes a miss fail)."""
    path = shutil.which(name) or f"/usr/bin/{name}"
    if Path(path).exists():
        return path
    if os.environ.get("DESA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{name} is not installed (DESA_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(f"{name} is not installed")


def printed_qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """Rasterises every page at 150 dpi (an office scan) and decodes it with zbar."""
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_binary("pdftoppm"), "-png", "-r", "150", str(source), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    found = []
    for png in pages:
        result = subprocess.run(
            [_binary("zbarimg"), "--raw", "-q", str(png)],
            capture_output=True,
            check=False,
        )
        assert result.returncode in (0, 4), result.stderr  # 4: no symbol on the page
        found += result.stdout.decode().splitlines()
    return found


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_printed_qr_decodes_to_exactly_the_verify_url(tmp_path):
    assert printed_qr_codes(render_letter(letter()), tmp_path) == [URL]


def test_text_carries_the_letter(tmp_path):
    pdf = render_letter(
        letter(valid_until="Surat ini berlaku sampai dengan 23 Desember 2026.")
    )
    (text,) = pages_text(pdf)
    text = flat(text)
    for expected in (
        "PEMERINTAH KABUPATEN SAMBAS",
        "KECAMATAN TEKARANG",
        "KANTOR DESA MERUBUNG",
        "Jalan Raya Merubung No. 1",
        "SURAT KETERANGAN DOMISILI",
        f"Nomor: {NUMBER}",
        "SITI AMINAH",
        "6101124505900001",
        "Sambas, 5 Mei 1990",
        "Merubung, 23 November 2026",
        "Kepala Desa Merubung",
        "ABDUL RAHMAN",
        "Pindai untuk memeriksa keaslian",
        "desa.test",
        "berlaku sampai dengan 23 Desember 2026",
        "sebagaimana mestinya.",
    ):
        assert expected in text, expected
    assert "DRAF" not in text
    assert "Halaman" not in text  # a one-page letter carries no page number


def test_letterhead_accepts_bare_names():
    head = Letterhead("Kalimantan Barat", "Sambas", "Tekarang", "Merubung")
    text = flat(pages_text(render_letter(letter(letterhead=head)))[0])
    assert "PEMERINTAH KABUPATEN SAMBAS KECAMATAN TEKARANG KANTOR DESA MERUBUNG" in text


def test_referral_shows_its_addressee():
    addressee = (
        "Kepada Yth.\nKepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sambas"
        "\ndi Sambas"
    )
    text = flat(pages_text(render_letter(letter(addressee=addressee)))[0])
    assert "Kepada Yth. Kepala Dinas Kependudukan dan Pencatatan Sipil" in text
    assert "di Sambas" in text


def test_draft_has_watermark_no_number_and_no_qr(tmp_path):
    pdf = render_letter(draft(number=NUMBER, qr_url=URL))  # both ignored for a draft
    assert printed_qr_codes(pdf, tmp_path) == []
    (text,) = pages_text(pdf)
    assert "DRAF" in text
    assert NUMBER not in text
    assert "Nomor: —" in flat(text)
    assert "Pindai" not in text
    assert "SITI AMINAH" in text


def test_draft_watermark_is_on_every_page():
    pdf = render_letter(draft(paragraphs_after=["Keterangan panjang sekali. " * 400]))
    texts = pages_text(pdf)
    assert len(texts) >= 2
    assert all("DRAF" in text for text in texts)


def test_same_document_gives_the_same_bytes():
    assert render_letter(letter()) == render_letter(letter())
    assert render_letter(draft()) == render_letter(draft())
    assert render_letter(letter()) != render_letter(
        letter(number="SKD/013/2002/XI/2026")
    )


def test_metadata_names_the_letter_and_the_village():
    meta = PdfReader(io.BytesIO(render_letter(letter()))).metadata
    assert meta.title == f"Surat Keterangan Domisili {NUMBER}"
    assert meta.author == "Pemerintah Desa Merubung"


def test_long_text_flows_to_a_second_page(tmp_path):
    long = "Keterangan ini menjelaskan riwayat domisili yang panjang sekali. " * 80
    pdf = render_letter(letter(paragraphs_before=[long]))
    texts = pages_text(pdf)
    assert len(texts) == 2
    first, second = flat(texts[0]), flat(texts[1])
    assert "SURAT KETERANGAN DOMISILI" in first
    assert "ABDUL RAHMAN" in second  # the closing is never split from its QR
    assert "Halaman 1 dari 2" in first
    assert "Halaman 2 dari 2" in second
    assert f"Nomor: {NUMBER}" in second  # continuation header
    words = flat(" ".join(texts)).count("panjang sekali.")
    assert words == 80  # nothing lost at the page break
    assert printed_qr_codes(pdf, tmp_path) == [URL]


def test_long_value_and_long_word_wrap_inside_the_page():
    pdf = render_letter(
        letter(data_rows=[("Alamat", "Jalan " * 60), ("Catatan", "x" * 300)])
    )
    text = pages_text(pdf)[0]
    runs = re.findall(r"x+", text)
    assert sum(map(len, runs)) == 300
    assert max(map(len, runs)) < 90  # cut to the value column, not run off the page
    assert max(len(line) for line in text.splitlines()) < 120


def test_file_is_small():
    assert len(render_letter(letter())) < 60_000
    assert len(render_letter(draft())) < 60_000


def test_qr_is_vector_not_an_image():
    reader = PdfReader(io.BytesIO(render_letter(letter())))
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        assert "/XObject" not in resources


def test_pdfimages_lists_no_image(tmp_path):
    source = tmp_path / "letter.pdf"
    source.write_bytes(render_letter(letter()))
    out = subprocess.run(
        [_binary("pdfimages"), "-list", str(source)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert out.strip().splitlines()[2:] == []  # only the two header lines


def test_logo_is_drawn_when_readable(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (60, 80), (20, 110, 60)).save(logo)
    head = dataclasses.replace(HEAD, logo_path=str(logo))
    page = PdfReader(io.BytesIO(render_letter(letter(letterhead=head)))).pages[0]
    assert "/XObject" in page["/Resources"]


def test_missing_or_broken_logo_is_skipped(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    for path in (tmp_path / "nowhere.png", tmp_path, broken):
        head = dataclasses.replace(HEAD, logo_path=str(path))
        pdf = render_letter(letter(letterhead=head))
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        assert "/XObject" not in page["/Resources"]
        assert "SURAT KETERANGAN DOMISILI" in page.extract_text()


def test_characters_outside_the_standard_fonts_degrade_gracefully():
    pdf = render_letter(letter(data_rows=[("Nama", "Ṣiti Ąminah 李")]))
    text = pages_text(pdf)[0]
    assert "Siti Aminah ?" in text


def test_register_spreads_over_pages_with_repeated_header():
    rows = [
        {
            "number": f"SKD/{i:03d}/2002/XI/2026",
            "date": dt.date(2026, 11, 1 + i % 28),
            "type": "Surat Keterangan Domisili",
            "name": f"WARGA NOMOR {i}",
            "purpose": "Pengurusan BPJS Kesehatan"
            + (" dan keperluan lain" * 5 if i % 7 == 0 else ""),
            "status": "revoked" if i % 10 == 0 else "issued",
        }
        for i in range(1, 121)
    ]
    pdf = render_register("Buku Register Surat Desa Merubung", "November 2026", rows)
    texts = [flat(t) for t in pages_text(pdf)]
    total = len(texts)
    assert total >= 3
    for page, text in enumerate(texts, start=1):
        assert f"Halaman {page} dari {total}" in text
        assert "No Nomor Surat Tanggal Jenis Nama Keperluan Status" in text
    everything = " ".join(texts)
    assert "BUKU REGISTER SURAT DESA MERUBUNG" in texts[0]
    assert "Periode: November 2026" in texts[0]
    for i in (1, 60, 120):
        assert f"SKD/{i:03d}/2002/XI/2026" in everything
    assert "Dicabut" in everything and "Terbit" in everything
    assert "2 November 2026" in everything
    assert "Jumlah: 120 surat" in texts[-1]
    assert PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width > 800  # landscape


def test_empty_register_says_so():
    text = flat(
        pages_text(render_register("Buku Register Surat", "Desember 2026", []))[0]
    )
    assert "Tidak ada surat pada periode ini." in text
    assert "Halaman 1 dari 1" in text


def test_merge_keeps_every_page_in_order():
    numbers = [f"SKD/{i:03d}/2002/XI/2026" for i in (1, 2, 3)]
    merged = merge_pdfs([render_letter(letter(number=n)) for n in numbers])
    texts = pages_text(merged)
    assert len(texts) == 3
    for number, text in zip(numbers, texts, strict=True):
        assert number in text


def test_merge_of_nothing_is_refused():
    with pytest.raises(ValueError):
        merge_pdfs([])


def test_empty_register_fields_are_left_out_of_the_data_rows():
    from types import SimpleNamespace

    from desa.letters.documents import data_rows

    resident = SimpleNamespace(
        name="SITI AMINAH",
        nik="6101124505900001",
        birth_place=None,
        birth_date=dt.date(1990, 5, 5),
        sex="P",
        religion=None,
        marital_status="",
        occupation="  ",
        citizenship=None,
        address="Jl. Parit Baru",
        area_label="RT 002 / RW 001",
    )
    rows = data_rows(resident)
    labels = [label for label, _ in rows]
    assert "Agama" not in labels and "Status Perkawinan" not in labels
    assert "Pekerjaan" not in labels
    assert dict(rows)["Tempat/Tgl. Lahir"] == "5 Mei 1990"
    assert dict(rows)["Alamat"] == "Jl. Parit Baru RT 002 / RW 001"
    text = flat(pages_text(render_letter(letter(data_rows=rows)))[0])
    assert "Agama" not in text and "Jenis Kelamin : Perempuan" in text
