"""The QR kit: the same symbols as the qrcode library, readable by a real decoder."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
import qrcode
from defusedxml import ElementTree
from pypdf import PdfReader
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas
from scanning import binary as _binary
from scanning import render, zbar_decode

from desa.documents.qr import (
    BORDER,
    draw_qr,
    qr_matrix,
    qr_rows,
    qr_svg,
    segments,
)

TOKEN = (
    "eyJkIjoiMjAyNi0xMS0yMyIsImgiOiJTKioqIEEqKioqKiIsImlkIjoiazN4OWFiY2RlZmdoIiwi"
    "biI6IjYxMDEqKioqKioqKjAwMDEiLCJubyI6IlNLRC8wMTIvMjAwMi9YSS8yMDI2IiwidCI6IlNL"
    "RCIsInYiOjEsInZjIjoiNjEuMDEuMTIuMjAwMiJ9.mB3k0vUq7ZcVt1s2yq9aJpX4rH8LwE6nT0fG"
    "dK5uYiSb2cN7xQeA1oPzRj3MhWlV9gF4tD6sU8kC0aB2eX5yZ7Q"
)
URL = f"http://desa.test/v/{TOKEN}"
DIGIT_URL = "http://192.168.1.10:5000/v/" + "1234567890" * 32
SAMPLES = [
    "A",
    "http://desa.test/v/abc",
    "12345678901234567890",
    URL,
    URL * 3,
    DIGIT_URL,
]


def reference(data: str, mask: int) -> list[str]:
    q = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, border=BORDER, mask_pattern=mask
    )
    for chunk in segments(data):
        q.add_data(chunk, optimize=0)
    q.make(fit=True)
    return ["".join("1" if dark else "0" for dark in row) for row in q.get_matrix()]


@pytest.mark.parametrize("data", SAMPLES)
def test_every_mask_gives_exactly_the_qrcode_librarys_symbol(data):
    for mask in range(8):
        assert list(qr_rows(data, mask)) == reference(data, mask), f"mask {mask}"


def test_the_chosen_mask_is_one_of_the_eight():
    rows = list(qr_rows(URL))
    assert rows in [reference(URL, mask) for mask in range(8)]


def test_matrix_has_a_light_quiet_zone_of_four_modules():
    matrix = qr_matrix(URL)
    n = len(matrix)
    assert all(len(row) == n for row in matrix)
    assert (n - 2 * BORDER - 17) % 4 == 0  # a QR version's side is 17 + 4·version
    edge = (
        matrix[:BORDER]
        + matrix[-BORDER:]
        + [row[:BORDER] + row[-BORDER:] for row in matrix]
    )
    assert not any(any(row) for row in edge)
    # The top-left finder pattern starts right inside the quiet zone.
    assert matrix[BORDER][BORDER : BORDER + 7] == [True] * 7


def _png(rows: tuple[str, ...] | list[str], path: Path, scale: int = 4) -> Path:
    from PIL import Image

    n = len(rows)
    image = Image.new("1", (n, n), 1)
    image.putdata([0 if ch == "1" else 1 for row in rows for ch in row])
    image.resize((n * scale, n * scale), Image.NEAREST).save(path)
    return path


@pytest.mark.parametrize("mask", range(8))
def test_a_real_decoder_reads_every_mask(tmp_path, mask):
    png = _png(qr_rows(URL, mask), tmp_path / f"mask{mask}.png")
    assert zbar_decode(png) == [URL]


def test_draw_qr_is_vector_and_decodes(tmp_path):
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1, pageCompression=1)
    draw_qr(canvas, URL, 100, 400, 200)
    canvas.showPage()
    canvas.save()
    page = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    resources = page.get("/Resources") or {}
    assert "/XObject" not in resources
    content = page.get_contents().get_data().decode("latin-1")
    # One path filled once, its rectangles in whole module units (small pages).
    rects = re.findall(r"(\S+) (\S+) (\S+) (\S+) re", content)
    assert len(rects) > 100
    assert all(v.isdigit() for rect in rects for v in rect)
    assert content.count(" re f") == 1

    pdf = tmp_path / "qr.pdf"
    pdf.write_bytes(buf.getvalue())
    subprocess.run(
        [
            _binary("pdftoppm"),
            "-png",
            "-r",
            "150",
            "-singlefile",
            str(pdf),
            str(tmp_path / "qr"),
        ],
        check=True,
    )
    assert zbar_decode(tmp_path / "qr.png") == [URL]


def test_svg_is_one_path_that_redraws_the_matrix():
    svg = qr_svg(URL, title="Kode QR surat")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    n = len(qr_rows(URL))
    assert root.get("viewBox") == f"0 0 {n} {n}"
    assert root.find(f"{ns}title").text == "Kode QR surat"
    paths = root.findall(f"{ns}path")
    assert len(paths) == 1
    drawn = [["0"] * n for _ in range(n)]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", paths[0].get("d")):
        for col in range(int(x), int(x) + int(w)):
            drawn[int(y)][col] = "1"
    assert ["".join(row) for row in drawn] == list(qr_rows(URL))


def test_svg_escapes_its_title():
    assert "<script>" not in qr_svg("x", title="<script>alert(1)</script>")


def test_same_data_gives_the_same_symbol_and_other_data_another():
    first = qr_rows(URL)
    qr_rows.cache_clear()
    assert qr_rows(URL) == first
    assert qr_rows(URL + "x") != first


def test_version_is_the_smallest_that_holds_the_data():
    def version_of(n: int) -> int:
        q = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        q.add_data("x" * n, optimize=0)
        return q.best_fit()

    steps = [n for n in range(150, 340) if version_of(n) != version_of(n - 1)]
    assert steps  # verify URLs (~250 characters) sit around versions 10–13
    for n in [1, *steps, *(s - 1 for s in steps)]:
        side = len(qr_rows("x" * n)) - 2 * BORDER
        assert side == 17 + 4 * version_of(n), n


def test_a_url_ending_in_digits_puts_them_in_numeric_mode():
    head, tail = segments(DIGIT_URL)
    assert (head.mode, tail.mode) == (util.MODE_8BIT_BYTE, util.MODE_NUMBER)
    assert head.data.decode() + tail.data.decode() == DIGIT_URL
    # Numeric mode makes the symbol smaller than byte mode would.
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    q.add_data(DIGIT_URL.encode(), optimize=0)
    assert len(qr_rows(DIGIT_URL)) - 2 * BORDER < 17 + 4 * q.best_fit()
    # Short digit runs and text without digits stay one segment.
    assert len(segments("http://desa.test/v/12345")) == 1
    assert len(segments("AB12CD34")) == 1


def test_a_mixed_mode_url_decodes_to_exactly_the_url(tmp_path):
    pdf = tmp_path / "mixed.pdf"
    canvas = Canvas(str(pdf), pagesize=(200, 200))
    draw_qr(canvas, DIGIT_URL, 10, 10, 180)
    canvas.showPage()
    canvas.save()
    (png,) = render(pdf, 100, tmp_path)
    assert zbar_decode(png) == [DIGIT_URL]
