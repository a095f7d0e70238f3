"""The clerk's pages: batches, downloads, quality list, results upload, figures."""

from __future__ import annotations

import io
import re
from pathlib import Path

from conftest import csrf_token
from pypdf import PdfReader
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from desa.auth.models import AuditEvent
from desa.extensions import db as _db

from .conftest import PENDING


def test_export_page_creates_and_lists_batches(app, client, login, village):
    login("clerk")
    page = client.get("/recording").get_data(as_text=True)
    assert "Ekspor untuk Disdukcapil" in page and ">5<" in page
    token = csrf_token(client)
    resp = client.post(
        "/recording/export",
        data={"csrf_token": token, "format": "xlsx", "only_new": "y"},
    )
    assert resp.status_code == 302
    page = client.get("/recording").get_data(as_text=True)
    assert "Ekspor #1 selesai: 5 penduduk." in page
    assert "/recording/batches/1/file" in page and "hanya yang baru" in page
    download = client.get("/recording/batches/1/file")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(download.data))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert len(rows) == 1 + len(PENDING)
    manifest = client.get("/recording/batches/1/manifest").get_json()
    import hashlib

    assert manifest["sha256"] == hashlib.sha256(download.data).hexdigest()
    with app.app_context():
        downloads = _db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "recording.export_download"
            )
        )
    assert downloads == 1


def test_export_needs_csrf_and_a_known_format(client, login, village):
    login("clerk")
    assert client.post("/recording/export", data={"format": "csv"}).status_code == 400
    resp = client.post(
        "/recording/export", data={"csrf_token": csrf_token(client), "format": "pdf"}
    )
    assert resp.status_code == 422
    assert client.get("/recording/batches/99/file").status_code == 404


def test_head_may_read_batches_but_not_export(client, login, village):
    login("head")
    page = client.get("/recording").get_data(as_text=True)
    assert "Buat ekspor baru" not in page
    resp = client.post(
        "/recording/export", data={"csrf_token": csrf_token(client), "format": "csv"}
    )
    assert resp.status_code == 403


def test_quality_list_links_each_resident(client, login, make_resident, village):
    import datetime as dt

    old = make_resident(name="NENEK TUA", birth_date=dt.date(1920, 1, 1))
    temp = make_resident(name="TANPA NIK", nik="0610112200200001", nik_temporary=True)
    warned = make_resident(name="PERINGATAN", nik_warnings='["sex_mismatch"]')
    twin_a = make_resident(name="SITI AMINAH", birth_date=dt.date(1988, 2, 2))
    twin_b = make_resident(name="SITI AMINAH", birth_date=dt.date(1988, 2, 2), rt="003")
    make_resident(name="SITI AMINAH", birth_date=dt.date(1988, 2, 3))
    nobirth = make_resident(
        name="KAWIN TANPA TGL", birth_date=None, marital_status="KAWIN"
    )
    login("clerk")
    page = client.get("/recording/quality").get_data(as_text=True)
    sections = {
        code: page.split(f'id="{code}"')[1].split("</section>")[0]
        for code in ("warnings", "temporary", "no_birth_date", "old", "duplicates")
    }
    assert f'/residents/{warned.id}"' in sections["warnings"]
    assert f'/residents/{temp.id}"' in sections["temporary"]
    assert f'/residents/{nobirth.id}"' in sections["no_birth_date"]
    assert f'/residents/{old.id}"' in sections["old"]
    assert "perlu dicek" in page
    dupes = sections["duplicates"]
    assert f'/residents/{twin_a.id}"' in dupes and f'/residents/{twin_b.id}"' in dupes
    assert dupes.count("SITI AMINAH") == 2
    assert "(2)" in dupes


def test_results_upload_applies_and_lists_unmatched_masked(app, client, login, village):
    login("clerk")
    content = (
        f"NIK,STAT_RKM\n{village['ani'].nik},SUDAH REKAM\n6101125505990001,3\n"
    ).encode()
    resp = client.post(
        "/recording/results",
        data={
            "csrf_token": csrf_token(client),
            "file": (io.BytesIO(content), "hasil.csv"),
        },
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "1 status diperbarui, 0 sudah sama, 1 NIK tidak ditemukan." in page
    assert "matched" not in page  # the CLI's English line stays in the CLI
    assert "6101********0001" in page and "6101125505990001" not in page
    resp = client.post(
        "/recording/results",
        data={
            "csrf_token": csrf_token(client),
            "file": (io.BytesIO(content), "hasil.csv"),
        },
        content_type="multipart/form-data",
    )
    again = resp.get_data(as_text=True)
    assert "0 status diperbarui, 1 sudah sama, 1 NIK tidak ditemukan." in again
    assert not list(
        (
            app.instance_path and __import__("pathlib").Path(app.instance_path) / "tmp"
        ).iterdir()
    )


def test_results_upload_with_a_bad_row_changes_nothing(client, login, village):
    login("clerk")
    content = f"NIK,STAT_RKM\n{village['ani'].nik},3\n{village['budi'].nik},99\n"
    resp = client.post(
        "/recording/results",
        data={
            "csrf_token": csrf_token(client),
            "file": (io.BytesIO(content.encode()), "hasil.csv"),
        },
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "tidak ada yang diubah" in page and "baris 3" in page
    # The refused file is not left in the instance folder.
    tmp = Path(client.application.instance_path) / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []
    resp = client.post(
        "/recording/results",
        data={"csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "Pilih berkas hasil." in resp.get_data(
        as_text=True
    )


def test_figures_page_table_and_chart_without_script(client, login, village):
    login("head")
    resp = client.get("/recording/figures?as_of=2026-11-23")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<svg" in page and "<script>" not in page and "https://" not in page
    assert page.count('class="chart"') == 2
    assert "66,67%" in page and "23 November 2026" in page
    rows = re.findall(r"<tr>\s*<td>\d+</td>", page)
    assert len(rows) == 3
    assert client.get("/recording/figures?as_of=kemarin").status_code == 422
    per_dusun = client.get("/recording/figures?by=dusun").get_data(as_text=True)
    assert len(re.findall(r"<tr>\s*<td>\d+</td>", per_dusun)) == 2


def test_rt_head_figures_page_shows_own_rt_only(client, login, village):
    login("rt", rw="002", rt="001")
    page = client.get("/recording/figures").get_data(as_text=True)
    assert "Tanjung" in page and "Sungai Bedung" not in page
    assert "RT 001 / RW 002" in page
    assert client.get("/recording").status_code == 403
    assert client.get("/recording/quality").status_code == 403


def test_figures_xlsx_and_pdf(client, login, village):
    login("clerk")
    resp = client.get("/recording/figures.xlsx?as_of=2026-11-23")
    assert resp.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(resp.data))
    rows = book.get_sheet_by_index(0).to_python()
    header_at = next(i for i, r in enumerate(rows) if r[0] == "No")
    assert rows[header_at][4] == "Wajib KTP"
    total = rows[header_at + 4]
    assert total[0] == "Jumlah" and total[4:11] == [10, 5, 50.0, 5, 50.0, 3, 60.0]
    assert rows[header_at + 2][6] == 66.67
    assert book.sheet_names[1] == "Per bulan"

    resp = client.get("/recording/figures.pdf?as_of=2026-11-23")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = page.extract_text()
    assert "PEMERINTAH KABUPATEN SAMBAS" in text and "KANTOR DESA MERUBUNG" in text
    assert "REKAPITULASI PEREKAMAN KTP-EL" in text and "66,67%" in text


def test_menu_entries_follow_permissions(client, login):
    login("rt")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/recording/figures"' in page and 'href="/recording"' not in page
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login("clerk")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/recording/figures"' in page and 'href="/recording"' in page
