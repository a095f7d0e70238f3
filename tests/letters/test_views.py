"""The office's letter screens, the admin's, and the resident's."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from conftest import csrf_from, csrf_token
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from desa.core.models import Village
from desa.extensions import db
from desa.letters.models import Letter, LetterType

SKD_PURPOSE = "Melamar pekerjaan di PT Sawit"


def _post(client, url, data=None, **kwargs):
    return client.post(
        url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs
    )


def _letter(app, **where):
    with app.app_context():
        stmt = select(Letter).order_by(Letter.id.desc())
        for name, value in where.items():
            stmt = stmt.where(getattr(Letter, name) == value)
        letter = db.session.scalar(stmt)
        db.session.expunge(letter)
        return letter


def test_clerk_drafts_by_finding_the_resident(client, login, holder, app):
    login("clerk")
    page = client.get("/letters/new?q=siti").get_data(as_text=True)
    assert "SITI AMINAH" in page and f"resident={holder.id}" in page
    page = client.get(f"/letters/new?q={holder.nik[:10]}").get_data(as_text=True)
    assert "SITI AMINAH" in page
    page = client.get(f"/letters/new?resident={holder.id}").get_data(as_text=True)
    assert "Surat Keterangan Usaha" in page
    form_url = f"/letters/new?resident={holder.id}&type=SKU"
    page = client.get(form_url).get_data(as_text=True)
    assert 'name="f_nama_usaha"' in page and "Tahun mulai usaha" in page
    resp = _post(client, form_url, {"purpose": SKD_PURPOSE, "f_nama_usaha": "Warung"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Jenis usaha wajib diisi." in html and 'value="Warung"' in html
    resp = _post(
        client,
        form_url,
        {
            "purpose": SKD_PURPOSE,
            "f_nama_usaha": "Warung Berkah",
            "f_jenis_usaha": "warung",
            "f_alamat_usaha": "Parit Baru",
            "f_tahun_mulai": "2019",
        },
    )
    assert resp.status_code == 302
    letter = _letter(app)
    assert resp.headers["Location"].endswith(f"/letters/{letter.public_id}")
    assert letter.status == "draft" and letter.fields["nama_usaha"] == "Warung Berkah"


def test_letter_page_preview_and_issue_by_head(client, login, holder, letters, app):
    public_id = letters.draft(holder)
    login("head")
    listing = client.get("/letters").get_data(as_text=True)
    assert re.search(r'Menunggu tanda tangan <span class="count">1</span>', listing)
    page = client.get(f"/letters/{public_id}").get_data(as_text=True)
    assert "Terbitkan dan tandatangani" in page and "Pratinjau DRAF" in page
    preview = client.get(f"/letters/{public_id}/preview")
    assert preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF")
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    resp = _post(client, f"/letters/{public_id}/issue")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Surat terbit dengan nomor SKD/001/2002/XI/2026." in page
    assert "Cabut surat" in page and "Unduh PDF" in page
    again = _post(client, f"/letters/{public_id}/issue", follow_redirects=True)
    assert "tidak dapat diterbitkan" in again.get_data(as_text=True)
    assert _letter(app, public_id=public_id).seq == 1
    first = client.get(f"/letters/{public_id}/pdf")
    assert first.data == client.get(f"/letters/{public_id}/pdf").data
    assert first.headers["Content-Disposition"].startswith("attachment")


def test_clerk_sees_no_issue_button_unless_allowed(client, login, holder, letters, app):
    public_id = letters.draft(holder)
    login("clerk")
    page = client.get(f"/letters/{public_id}").get_data(as_text=True)
    assert "Terbitkan dan tandatangani" not in page and "Menunggu diterbitkan" in page
    assert _post(client, f"/letters/{public_id}/issue").status_code == 403
    with app.app_context():
        db.session.get(Village, 1).clerk_may_issue = True
        db.session.commit()
    assert _post(client, f"/letters/{public_id}/issue").status_code == 302
    letter = _letter(app, public_id=public_id)
    assert letter.status == "issued" and letter.signer_title.startswith(
        "a.n. Kepala Desa"
    )


def test_head_revokes_with_a_reason(client, login, holder, letters, app):
    letter = letters.issue(letters.draft(holder))
    login("head")
    resp = _post(
        client,
        f"/letters/{letter.public_id}/revoke",
        {"reason": ""},
        follow_redirects=True,
    )
    assert "Alasan pencabutan wajib diisi." in resp.get_data(as_text=True)
    assert _letter(app, public_id=letter.public_id).status == "issued"
    _post(client, f"/letters/{letter.public_id}/revoke", {"reason": "Data salah"})
    assert _letter(app, public_id=letter.public_id).status == "revoked"
    html = client.get(f"/v/{letter.token}").get_data(as_text=True)
    assert "DICABUT" in html


def test_archive_search_filters_and_states(
    client, login, holder, letters, make_resident
):
    other = make_resident(name="BUDI SANTOSO")
    issued = letters.issue(letters.draft(holder, "SKD"))
    letters.draft(other, "SPSKCK", purpose="Melamar kerja")
    login("clerk")
    page = client.get("/letters").get_data(as_text=True)
    assert issued.number in page and "BUDI SANTOSO" in page
    page = client.get("/letters?q=budi").get_data(as_text=True)
    assert "BUDI SANTOSO" in page and issued.number not in page
    page = client.get(f"/letters?q={holder.nik}").get_data(as_text=True)
    assert issued.number in page and "BUDI SANTOSO" not in page
    page = client.get("/letters?q=SKD/001").get_data(as_text=True)
    assert issued.number in page and "BUDI SANTOSO" not in page
    page = client.get("/letters?status=draft").get_data(as_text=True)
    assert "BUDI SANTOSO" in page and issued.number not in page
    page = client.get("/letters?type=SKD&date_from=2026-11-23&date_to=2026-11-23")
    assert issued.number in page.get_data(as_text=True)
    page = client.get("/letters?date_from=2026-11-24").get_data(as_text=True)
    assert issued.number not in page
    assert client.get("/letters?date_from=bukan-tanggal&page=x").status_code == 200


def test_register_month_and_year_as_pdf_and_xlsx(client, login, holder, letters):
    first = letters.issue(letters.draft(holder, "SKD", purpose='=HYPERLINK("x")'))
    letters.issue(letters.draft(holder, "SPSKCK"))
    login("head")
    page = client.get("/letters/register?year=2026&month=11").get_data(as_text=True)
    assert first.number in page and "November 2026" in page
    pdf = client.get("/letters/register?year=2026&month=11&format=pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert first.number in text and "SITI AMINAH" in text and "November 2026" in text
    xlsx = client.get("/letters/register?year=2026&month=&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == [first.number, "SPSKCK/001/2002/XI/2026"]
    assert rows[0][5] == holder.nik and isinstance(rows[0][5], str)
    assert sheet.cell(4, 6).number_format == "@"
    assert rows[0][6].startswith("'=")  # formula injection escaped
    assert "Tahun 2026" in sheet.cell(1, 1).value
    empty = client.get("/letters/register?year=2026&month=1").get_data(as_text=True)
    assert "Belum ada surat terbit" in empty
    assert client.get("/letters/register?year=abc&month=99").status_code == 200


def test_many_letters_merge_into_one_pdf(client, login, holder, letters):
    a = letters.issue(letters.draft(holder, "SKD"))
    b = letters.issue(letters.draft(holder, "SPSKCK"))
    draft = letters.draft(holder, "SKD")
    login("clerk")
    resp = client.post(
        "/letters/merge",
        data={
            "csrf_token": csrf_token(client),
            "ids": [a.public_id, b.public_id, draft],
        },
    )
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert a.number in text and b.number in text
    resp = _post(client, "/letters/merge", follow_redirects=True)
    assert "Pilih sedikitnya satu surat" in resp.get_data(as_text=True)


def test_resident_detail_lists_their_letters(client, login, holder, letters):
    letter = letters.issue(letters.draft(holder))
    login("clerk")
    page = client.get(f"/residents/{holder.id}").get_data(as_text=True)
    assert letter.number in page and f"/letters/{letter.public_id}" in page


def test_requests_are_taken_up_rejected_and_collected(
    client, login, holder, letters, app
):
    from desa.letters import services
    from desa.residents.models import Resident

    with app.app_context():
        resident = db.session.get(Resident, holder.id)
        as_resident = letters.actor(resident)
        one = services.request_letter(as_resident, "SKD", "Sekolah", {}).public_id
        two = services.request_letter(as_resident, "SKD", "Bantuan", {}).public_id
        db.session.commit()
    login("clerk")
    page = client.get("/letters").get_data(as_text=True)
    assert re.search(r'Permintaan warga <span class="count">2</span>', page)
    _post(client, f"/letters/{one}/take-up")
    assert _letter(app, public_id=one).status == "draft"
    _post(client, f"/letters/{two}/reject", {"reason": "Data belum lengkap"})
    assert _letter(app, public_id=two).rejected_reason == "Data belum lengkap"
    letters.issue(one)
    _post(client, f"/letters/{one}/collected")
    assert _letter(app, public_id=one).collected_at is not None


# --- admin ------------------------------------------------------------------------


def test_admin_adds_and_edits_a_type_with_preview(client, login, app):
    login("admin")
    assert "Surat Keterangan Domisili" in client.get("/letters/types").get_data(
        as_text=True
    )
    page = client.get("/letters/types/new").get_data(as_text=True)
    assert "letter-type-preview.js" in page and "<script>" not in page
    data = {
        "code": "SKBB",
        "title": "Surat Keterangan Berkelakuan Baik",
        "kind": "letter",
        "body": "Menerangkan bahwa:\n\n[data]\n\nberkelakuan baik di Desa {desa}.",
        "fields": "alasan | Alasan | teks | wajib",
        "validity_days": "30",
        "number_pattern": "{code}/{seq:03}/{village}/{month_roman}/{year}",
        "issuer": "head",
        "life_statuses": ["active"],
        "active": "y",
    }
    preview = _post(client, "/letters/types/preview", data)
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(preview.data)).pages[0].extract_text().split())
    assert "BERKELAKUAN BAIK" in text and "Desa Merubung" in text and "DRAF" in text
    bad = _post(client, "/letters/types/preview", {**data, "number_pattern": "{seq}"})
    assert bad.status_code == 422 and "Pola nomor" in bad.get_data(as_text=True)
    assert bad.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert _post(client, "/letters/types/new", data).status_code == 302
    with app.app_context():
        created = db.session.scalar(select(LetterType).where(LetterType.code == "SKBB"))
        assert created.fields[0]["required"] is True and created.validity_days == 30
    dup = _post(client, "/letters/types/new", data)
    assert dup.status_code == 409 and "sudah dipakai" in dup.get_data(as_text=True)
    resp = _post(
        client,
        "/letters/types/SKBB/edit",
        {**data, "title": "Surat Kelakuan Baik", "active": ""},
    )
    assert resp.status_code == 302
    with app.app_context():
        edited = db.session.scalar(select(LetterType).where(LetterType.code == "SKBB"))
        assert edited.title == "Surat Kelakuan Baik" and edited.active is False
    assert client.get("/letters/types/NOPE/edit").status_code == 404


def test_settings_change_who_may_issue(client, login, app):
    login("admin")
    page = client.get("/letters/settings").get_data(as_text=True)
    assert "Operator boleh menerbitkan" in page
    _post(client, "/letters/settings", {"clerk_may_issue": "y"})
    with app.app_context():
        village = db.session.get(Village, 1)
        assert (
            village.clerk_may_issue is True and village.shared_letter_sequence is False
        )


def test_offline_verifier_is_an_inert_download_with_the_public_key(client, login, app):
    from desa.trust.keys import active_key

    login("admin")
    resp = client.get("/letters/offline-verifier")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="pemeriksa-surat-merubung.html"'
    )
    csp = resp.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    with app.app_context():
        key = active_key()
    html = resp.get_data(as_text=True)
    assert key.public_key in html and f'"kid": "{key.kid}"' in html
    assert '"SKD": "Surat Keterangan Domisili"' in html  # the type titles
    _post(client, "/logout")
    login("clerk")
    assert client.get("/letters/offline-verifier").status_code == 403


# --- residents --------------------------------------------------------------------


def test_resident_asks_for_a_letter_and_follows_it(client, login, letters, app):
    me = login("resident", name="BUDI SANTOSO")
    page = client.get("/me/letters/new").get_data(as_text=True)
    assert "Surat Keterangan Tidak Mampu" in page
    url = "/me/letters/new?type=SKTM"
    resp = _post(client, url, {"purpose": "Beasiswa anak", "f_penghasilan": "sejuta"})
    assert resp.status_code == 422
    assert "harus berupa angka" in resp.get_data(as_text=True)
    resp = _post(
        client,
        url,
        {
            "purpose": "Beasiswa anak",
            "f_penghasilan": "900.000",
            "f_jumlah_tanggungan": "4",
        },
    )
    assert resp.status_code == 302
    assert "Diajukan" in client.get("/me/letters").get_data(as_text=True)
    letter = _letter(app, resident_id=me.id)
    assert letter.requested_by_resident and letter.fields["penghasilan"] == 900000
    with app.app_context():
        from desa.letters import services

        services.take_up(letters.as_clerk, letters.get(letter.public_id))
        db.session.commit()
    assert "Diproses" in client.get("/me/letters").get_data(as_text=True)
    letters.issue(letter.public_id)
    page = client.get("/me/letters").get_data(as_text=True)
    assert "Siap Diambil" in page and f"/me/letters/{letter.public_id}/pdf" in page
    pdf = client.get(f"/me/letters/{letter.public_id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_resident_never_gets_someone_elses_letter(client, login, holder, letters):
    theirs = letters.issue(letters.draft(holder))
    login("resident", name="BUDI SANTOSO")
    assert client.get(f"/me/letters/{theirs.public_id}/pdf").status_code == 404
    assert "SITI" not in client.get("/me/letters").get_data(as_text=True)
    assert client.get(f"/letters/{theirs.public_id}").status_code == 403


@pytest.mark.parametrize("path", ["/letters", "/letters/new", "/letters/register"])
def test_resident_and_rt_cannot_open_office_screens(client, login, path):
    login("rt")
    assert client.get(path).status_code == 403


def test_verify_page_is_public_and_mobile_friendly(client, holder, letters):
    letter = letters.issue(letters.draft(holder))
    resp = client.get(f"/v/{letter.token}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'name="viewport"' in html
    assert "<script>" not in html and f"/letters/{letter.public_id}" not in html
    assert csrf_from(html)
    assert str(letter.id) not in re.findall(r"/v/[^\"]*", html)


def test_archive_walks_by_berikutnya_newest_first_with_ties(app, client, login, holder):
    from html import unescape

    from sqlalchemy import insert

    # 70 drafts made in the same instant: the id orders them.
    with app.app_context():
        type_id = db.session.scalar(select(LetterType.id).order_by(LetterType.id))
        db.session.execute(
            insert(Letter),
            [
                {
                    "public_id": f"arsip{i:03d}",
                    "type_id": type_id,
                    "resident_id": holder.id,
                    "purpose": f"Keperluan {i:03d}",
                    "fields": {},
                    "status": "draft",
                    "requested_by_resident": False,
                    "created_at": dt.datetime(2026, 11, 20, 8, 0),
                }
                for i in range(70)
            ],
        )
        db.session.commit()
    login("clerk")
    url, seen = "/letters", []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"Keperluan (\d{3})", html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = unescape(found.group(1)) if found else None
    assert seen == [f"{i:03d}" for i in reversed(range(70))]
    second = client.get("/letters?page=2").get_data(as_text=True)
    assert re.findall(r"Keperluan (\d{3})", second) == [
        f"{i:03d}" for i in reversed(range(20))
    ]
