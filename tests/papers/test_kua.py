"""The KUA forms N1…N6: issued as letters, read back from the printed PDF
(pdftotext) and its QR (zbarimg at 100 dpi); drafts; a field NIK from the registry
and one outside it; the clerk's pages and the API; migration 0023."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import _test_config, nik_for
from scanning import pdf_text, scan_pdf
from sqlalchemy import select, text

from desa.core.db import mark_write_intent
from desa.extensions import db

TODAY = dt.date(2026, 11, 23)
CODES = ("N1", "N2", "N3", "N4", "N5", "N6")
TITLES = {
    "N1": "SURAT KETERANGAN UNTUK NIKAH",
    "N2": "SURAT KETERANGAN ASAL-USUL",
    "N3": "SURAT PERSETUJUAN MEMPELAI",
    "N4": "SURAT KETERANGAN TENTANG ORANG TUA",
    "N5": "SURAT IZIN ORANG TUA",
    "N6": "SURAT KETERANGAN KEMATIAN SUAMI/ISTRI",
}
OUTSIDER = "3201015505900009"  # a NIK nobody in the registry has


@pytest.fixture(autouse=True)
def today(freeze):
    freeze(TODAY)
    return TODAY


@pytest.fixture
def people(make_resident):
    groom = make_resident(
        name="RIZKY RAMADHAN",
        sex="L",
        birth_place="SAMBAS",
        birth_date=dt.date(2001, 8, 1),
        nik=nik_for(dt.date(2001, 8, 1), "L", 71),
        religion="ISLAM",
        occupation="PETANI/PEKEBUN",
        marital_status="BELUM KAWIN",
        address="JL. PARIT BARU",
        father_name="AHMAD FAUZI",
    )
    father = make_resident(
        name="AHMAD FAUZI",
        sex="L",
        birth_place="PEMANGKAT",
        birth_date=dt.date(1975, 1, 30),
        nik=nik_for(dt.date(1975, 1, 30), "L", 72),
        religion="ISLAM",
        occupation="NELAYAN/PERIKANAN",
        address="JL. PARIT BARU",
        father_name="ABDUL GANI",
    )
    return {"groom": groom, "father": father}


FIELDS = {
    "N1": {"bin_binti": "AHMAD FAUZI", "nama_pasangan_terdahulu": ""},
    "N2": {"nama_ibu": "SITI AMINAH", "bin_binti_ibu": "MUHAMMAD YUSUF"},
    "N3": {
        "nama_calon": "NUR HALIZA",
        "bin_binti_calon": "HASAN BASRI",
        "tempat_lahir_calon": "SINGKAWANG",
        "tanggal_lahir_calon": "2003-03-09",
        "agama_calon": "ISLAM",
    },
    "N4": {"nama_ibu": "SITI AMINAH", "bin_binti_ibu": "MUHAMMAD YUSUF"},
    "N5": {"nama_ibu": "SITI AMINAH", "nama_calon": "NUR HALIZA"},
    "N6": {
        "nama_almarhum": "MARYAM",
        "bin_binti_almarhum": "ISMAIL",
        "tanggal_meninggal": "2025-02-14",
        "tempat_meninggal": "RSUD SAMBAS",
    },
}
# What each form prints from its fields.
EXPECT = {
    "N1": ["AHMAD FAUZI", "Jejaka", "Bin/Binti", "Status perkawinan"],
    "N2": ["SITI AMINAH", "MUHAMMAD YUSUF", "anak kandung", "PEMANGKAT", "ABDUL GANI"],
    "N3": ["NUR HALIZA", "HASAN BASRI", "SINGKAWANG", "9 Maret 2003", "CALON SUAMI"],
    "N4": ["SITI AMINAH", "ayah kandung dan ibu kandung", "NELAYAN/PERIKANAN"],
    "N5": ["SITI AMINAH", "NUR HALIZA", "memberikan izin", "NELAYAN/PERIKANAN"],
    "N6": ["MARYAM", "ISMAIL", "14 Februari 2025", "RSUD SAMBAS", "meninggal dunia"],
}


@pytest.fixture
def kua(app, make_user, make_actor):
    """draft(resident, code, fields) and issue(public_id) through the letter services."""
    from desa.letters import services
    from desa.letters.models import Letter
    from desa.residents.models import Resident

    clerk = make_user("clerk", full_name="Operator Uji")
    head = make_user("head", full_name="H. Abdul Rahman")

    class Helper:
        def draft(self, resident, code, fields) -> str:
            with app.app_context():
                mark_write_intent()
                letter = services.create_draft(
                    make_actor(clerk, today=TODAY),
                    code,
                    db.session.get(Resident, resident.id),
                    "Pemberitahuan kehendak nikah di KUA",
                    fields,
                )
                db.session.commit()
                return letter.public_id

        def get(self, public_id) -> Letter:
            return db.session.scalar(
                select(Letter).where(Letter.public_id == public_id)
            )

        def issue(self, public_id):
            with app.app_context():
                mark_write_intent()
                letter = self.get(public_id)
                services.issue(make_actor(head, today=TODAY), letter)
                db.session.commit()
                pdf = (Path(app.instance_path) / letter.pdf_path).read_bytes()
                return letter.number, letter.token, pdf

        def preview(self, public_id) -> bytes:
            with app.app_context():
                return services.preview_pdf(self.get(public_id), TODAY)

    return Helper()


@pytest.mark.parametrize("code", CODES)
def test_an_issued_form_prints_its_rows_and_verifies(
    code, people, kua, client, tmp_path
):
    groom, father = people["groom"], people["father"]
    fields = dict(FIELDS[code])
    if code in ("N2", "N4", "N5"):
        fields["nik_ayah"] = father.nik  # the rest of the father's rows: the registry
    number, token, pdf = kua.issue(kua.draft(groom, code, fields))
    assert number.startswith(f"{code}/001/")
    printed = pdf_text(pdf, tmp_path, keep=code)
    flat = " ".join(printed.split())
    assert TITLES[code] in printed
    assert f"Model {code}" in printed
    assert f"Nomor: {number}" in flat
    for heading in ("KANTOR DESA/KELURAHAN", "KECAMATAN", "KABUPATEN/KOTA"):
        assert heading in printed
    # The resident's own rows, from the registry.
    for value in ("RIZKY RAMADHAN", "SAMBAS, 1 Agustus 2001", "ISLAM", "Indonesia"):
        assert value in flat, value
    assert "JL. PARIT BARU" in flat
    for value in EXPECT[code]:
        assert value in flat, value
    assert "Nama lengkap dan alias" in printed and "Tempat tinggal" in printed
    assert "23 November 2026" in flat and "H. Abdul Rahman" in flat
    assert "Pindai untuk memeriksa keaslian" in flat
    assert "DRAF" not in printed
    # The QR, read as a phone would, is this letter's and the verify page says valid.
    (url,) = scan_pdf(pdf, 100, tmp_path / "scan", first_page_only=False)
    assert url == f"http://desa.test/v/{token}"
    page = client.get(urlsplit(url).path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "SAH" in html and "TIDAK SAH" not in html
    assert number in html


def test_n1_numbers_its_rows_in_the_forms_order(people, kua, tmp_path):
    _n, _t, pdf = kua.issue(kua.draft(people["groom"], "N1", FIELDS["N1"]))
    printed = pdf_text(pdf, tmp_path)
    labels = [
        "1.",
        "Nama lengkap dan alias",
        "Jenis kelamin",
        "Tempat dan tanggal lahir",
        "Warganegara",
        "Agama",
        "Pekerjaan",
        "Tempat tinggal",
        "Bin/Binti",
        "Status perkawinan",
        "a. Laki-laki",
        "b. Perempuan",
        "10.",
        "Nama istri/suami terdahulu",
        "Demikianlah",
    ]
    positions = [printed.find(label) for label in labels]
    assert -1 not in positions and positions == sorted(positions), positions


@pytest.mark.parametrize("code", CODES)
def test_a_draft_is_marked_and_has_no_qr(code, people, kua, tmp_path):
    pdf = kua.preview(kua.draft(people["groom"], code, FIELDS[code]))
    printed = pdf_text(pdf, tmp_path)
    assert "DRAF" in printed and "(DRAF)" in printed
    assert "RIZKY RAMADHAN" in printed
    assert scan_pdf(pdf, 100, tmp_path / "scan", first_page_only=False) == []
    assert "Pindai untuk memeriksa" not in printed


def test_the_same_letter_gives_the_same_bytes(people, kua):
    public_id = kua.draft(people["groom"], "N2", {"nik_ayah": people["father"].nik})
    assert kua.preview(public_id) == kua.preview(public_id)


def test_a_registry_nik_fills_the_blank_rows_and_is_audited(people, kua, tmp_path, app):
    from desa.auth.models import AuditEvent

    father = people["father"]
    fields = {"nik_ayah": father.nik, "pekerjaan_ayah": "WIRASWASTA"}
    _n, _t, pdf = kua.issue(kua.draft(people["groom"], "N4", fields))
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "PEMANGKAT, 30 Januari 1975" in flat and "ABDUL GANI" in flat
    assert "WIRASWASTA" in flat and "NELAYAN/PERIKANAN" not in flat  # typed wins
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "residents.read",
                AuditEvent.object_id == str(father.id),
            )
        ).all()
        assert reads and "N4" in reads[-1].detail


def test_a_nik_outside_the_registry_fills_nothing(people, kua, tmp_path, make_resident):
    # Someone who is not in this registry: only what the clerk typed is printed.
    fields = {"nik_ayah": OUTSIDER, "nama_ayah": "HAMDAN"}
    _n, _t, pdf = kua.issue(kua.draft(people["groom"], "N2", fields))
    printed = pdf_text(pdf, tmp_path)
    flat = " ".join(printed.split())
    assert "HAMDAN" in flat and OUTSIDER in flat
    assert "PEMANGKAT" not in flat and "NELAYAN" not in flat
    assert "ABDUL GANI" not in flat
    assert "....." in printed  # the rows are left to be written by hand


def test_the_clerks_pages_and_the_api_make_and_issue_them(
    people, login, client, make_token, tmp_path
):
    login("clerk")
    page = client.get(f"/letters/new?resident={people['groom'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for title in ("Surat Keterangan Untuk Nikah", "Surat Izin Orang Tua"):
        assert title in html
    page = client.get(f"/letters/new?resident={people['groom'].id}&type=N6")
    assert "Tanggal meninggal dunia" in page.get_data(as_text=True)

    def api(method, url, token, json=None):
        headers = {"Authorization": f"Bearer {token}"}
        return client.open(url, method=method, json=json, headers=headers)

    clerk, head = make_token("clerk"), make_token("head")
    body = {
        "type": "N6",
        "nik": people["groom"].nik,
        "purpose": "Pemberitahuan kehendak nikah di KUA",
        "fields": {"nama_almarhum": "MARYAM", "tempat_meninggal": "SAMBAS"},
    }
    # The date of death is required: a clear message, not a 500.
    resp = api("POST", "/api/v1/letters", clerk, body)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    resp = api("POST", "/api/v1/letters", clerk, {**body, "fields": FIELDS["N6"]})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    public_id = resp.get_json()["id"]
    resp = api("POST", f"/api/v1/letters/{public_id}/issue", head)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    number = resp.get_json()["number"]
    pdf = api("GET", f"/api/v1/letters/{public_id}/pdf", clerk)
    assert pdf.status_code == 200
    printed = pdf_text(pdf.data, tmp_path)
    assert "SURAT KETERANGAN KEMATIAN SUAMI/ISTRI" in printed and number in printed
    assert "MARYAM" in printed
    (url,) = scan_pdf(pdf.data, 100, tmp_path / "scan", first_page_only=False)
    assert client.get(urlsplit(url).path).status_code == 200


def test_the_web_preview_of_a_draft_audits_the_registry_read(
    people, kua, login, client, app
):
    from desa.auth.models import AuditEvent

    father = people["father"]
    public_id = kua.draft(people["groom"], "N2", {"nik_ayah": father.nik})
    login("clerk")
    resp = client.get(f"/letters/{public_id}/preview")
    assert resp.status_code == 200
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "residents.read",
                AuditEvent.object_id == str(father.id),
            )
        ).all()
        assert len(reads) == 1 and "N2" in reads[0].detail


def test_the_admin_page_says_the_body_is_not_used(login, client):
    login("admin")
    html = client.get("/letters/types/N1/edit").get_data(as_text=True)
    assert "dicetak dalam format formulir KUA; isi surat tidak dipakai" in html


# --- migration 0023 --------------------------------------------------------------


def test_0023_adds_the_types_and_downgrades(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    from desa import create_app

    migrations = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
    app = create_app(_test_config(tmp_path / "instance", empty_database))

    def codes():
        with db.engine.begin() as conn:
            found = set(conn.execute(text("SELECT code FROM letter_types")).scalars())
        return set(CODES) & found

    with app.app_context():
        upgrade(directory=migrations, revision="0023")
        assert codes() == set(CODES)
        with db.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT issuer, kind, life_statuses FROM letter_types "
                    "WHERE code IN ('N1','N6')"
                )
            ).all()
        for issuer, kind, statuses in rows:
            assert (issuer, kind) == ("head", "letter")
            assert "active" in str(statuses)
        downgrade(directory=migrations, revision="0022")
        assert codes() == set()
        upgrade(directory=migrations, revision="0023")
        assert codes() == set(CODES)
        db.engine.dispose()
