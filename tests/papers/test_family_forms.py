"""The family forms F-1.09, F-1.01, F-1.02: issued as letters for the KK's head,
read back from the printed PDF (pdftotext) and its QR (zbarimg at 100 dpi); the
family page's buttons; the residents' new columns in the import; migration 0024."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import _test_config, csrf_from, nik_for
from scanning import pdf_text, scan_pdf
from sqlalchemy import inspect, select, text

from desa.core.db import mark_write_intent
from desa.extensions import db
from desa.papers.family import PURPOSES

TODAY = dt.date(2026, 11, 23)
KK = "6101120101260001"
FORMS = ("F-1.09", "F-1.01", "F-1.02")


@pytest.fixture(autouse=True)
def today(freeze):
    freeze(TODAY)
    return TODAY


@pytest.fixture
def family(make_resident):
    """A family of four on one KK (head, wife, two children), plus a grandfather who
    died (not printed) and a neighbour on another KK."""

    def person(name, relation, sex, born, serial, **extra):
        return make_resident(
            name=name,
            family_relation=relation,
            sex=sex,
            birth_date=born,
            nik=nik_for(born, sex, serial),
            kk=KK,
            address="JL. PARIT BARU",
            **extra,
        )

    # Made out of order: the forms sort them by SHDK, then age.
    younger = person(
        "NUR HALIZA",
        "ANAK",
        "P",
        dt.date(2016, 3, 9),
        41,
        father_name="AHMAD FAUZI",
        mother_name="SITI AMINAH",
    )
    wife = person(
        "SITI AMINAH",
        "ISTRI",
        "P",
        dt.date(1988, 4, 12),
        42,
        marital_status="KAWIN",
        marriage_date=dt.date(2010, 6, 20),
        father_name="MUHAMMAD YUSUF",
        mother_name="RAHMAWATI",
        blood_type="A",
    )
    head = person(
        "AHMAD FAUZI",
        "KEPALA KELUARGA",
        "L",
        dt.date(1985, 1, 30),
        43,
        marital_status="KAWIN",
        marriage_date=dt.date(2010, 6, 20),
        father_name="ABDUL GANI",
        mother_name="HALIMAH",
        blood_type="O+",
        occupation="PETANI/PEKEBUN",
        education="SLTA/SEDERAJAT",
    )
    older = person(
        "RIZKY RAMADHAN",
        "ANAK",
        "L",
        dt.date(2012, 8, 1),
        44,
        father_name="AHMAD FAUZI",
        mother_name="SITI AMINAH",
    )
    grandfather = person(
        "ABDUL GANI", "ORANG TUA", "L", dt.date(1940, 1, 1), 45, life_status="deceased"
    )
    neighbour = make_resident(name="BUDI TETANGGA", kk="6101120101269999")
    return {
        "head": head,
        "wife": wife,
        "older": older,
        "younger": younger,
        "grandfather": grandfather,
        "neighbour": neighbour,
        "order": [head, wife, older, younger],
    }


@pytest.fixture
def forms(app, make_user, make_actor):
    """draft(resident, code) and issue(public_id) through the letter services."""
    from desa.letters import services
    from desa.letters.models import Letter
    from desa.residents.models import Resident

    clerk = make_user("clerk", full_name="Operator Uji")
    head = make_user("head", full_name="H. Abdul Rahman")

    class Helper:
        def draft(self, resident, code) -> str:
            with app.app_context():
                mark_write_intent()
                letter = services.create_draft(
                    make_actor(clerk, today=TODAY),
                    code,
                    db.session.get(Resident, resident.id),
                    PURPOSES[code],
                    {},
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


def _in_order(text: str, words: list[str]) -> bool:
    positions = [text.find(w) for w in words]
    return -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("code", FORMS)
def test_an_issued_form_prints_the_family_and_verifies(
    code, family, forms, client, tmp_path
):
    public_id = forms.draft(family["head"], code)
    number, token, pdf = forms.issue(public_id)
    assert number.startswith(f"{code}/001/")
    printed = pdf_text(pdf, tmp_path)
    flat = " ".join(printed.split())
    members = family["order"]
    assert _in_order(printed, [m.name for m in members]), printed
    assert _in_order(printed, [m.nik for m in members]), printed
    shdk = printed[printed.rfind("Status Hubungan") :]
    assert _in_order(shdk, ["KEPALA KELUARGA", "ISTRI", "ANAK"]), printed
    assert printed.count(KK) >= 1 or code == "F-1.02"
    assert number in flat
    assert "Pindai untuk memeriksa keaslian" in flat
    assert "DRAF" not in printed
    # Only living members of this KK.
    assert family["grandfather"].nik not in printed
    assert family["neighbour"].name not in printed
    if code in ("F-1.09", "F-1.01"):
        for name in ("ABDUL GANI", "HALIMAH", "MUHAMMAD YUSUF", "RAHMAWATI"):
            assert name in printed, name
        assert "O+" in printed and "20 Juni 2010" in printed
    if code == "F-1.09":
        for heading in ("KARTU KELUARGA", "Status Hubungan", "Nama Orang Tua", "(19)"):
            assert heading in printed, heading
        assert "Dikeluarkan Tanggal" in flat and "23 November 2026" in flat
    if code == "F-1.01":
        assert "FORMULIR BIODATA KELUARGA" in printed and "4 orang" in printed
    if code == "F-1.02":
        assert "PENDAFTARAN PERISTIWA KEPENDUDUKAN" in printed
        assert "JENIS PERMOHONAN" in printed
    assert "H. Abdul Rahman" in flat
    # The QR, read as a phone would, is this letter's and verifies.
    (url,) = scan_pdf(pdf, 100, tmp_path / "scan")
    assert url == f"http://desa.test/v/{token}"
    page = client.get(urlsplit(url).path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "SAH" in html and "TIDAK SAH" not in html
    assert number in html


@pytest.mark.parametrize("code", FORMS)
def test_a_draft_is_marked_and_has_no_qr(code, family, forms, tmp_path):
    pdf = forms.preview(forms.draft(family["head"], code))
    printed = pdf_text(pdf, tmp_path)
    assert "DRAF" in printed and "(DRAF)" in printed
    assert family["head"].name in printed
    assert scan_pdf(pdf, 100, tmp_path / "scan") == []
    assert "Pindai untuk memeriksa" not in printed


def test_the_same_letter_gives_the_same_bytes(family, forms):
    public_id = forms.draft(family["head"], "F-1.09")
    assert forms.preview(public_id) == forms.preview(public_id)


def test_a_large_family_continues_on_more_pages(family, make_resident, forms, tmp_path):
    for n in range(9):
        born = dt.date(2000 + n, 1, 2)
        make_resident(
            name=f"ANAK KE {chr(65 + n)}",
            family_relation="ANAK",
            kk=KK,
            birth_date=born,
            nik=nik_for(born, "L", 60 + n),
        )
    for code in FORMS:
        _number, _token, pdf = forms.issue(forms.draft(family["head"], code))
        printed = pdf_text(pdf, tmp_path)
        assert "ANAK KE I" in printed and "AHMAD FAUZI" in printed, code
        assert "Halaman 1 dari" in printed, code
        codes = scan_pdf(pdf, 100, tmp_path / f"scan-{code}", first_page_only=False)
        assert len(codes) == 1, code


def test_the_family_page_buttons_draft_the_form_for_the_head(
    family, login, client, app
):
    from desa.letters.models import Letter

    login("clerk")
    page = client.get(f"/residents/{family['wife'].id}/family")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for label in ("Cetak F-1.09 (lembar KK)", "Cetak biodata F-1.01", "F-1.02"):
        assert label in html
    token = csrf_from(html)
    url = f"/residents/{family['wife'].id}/family/forms/F-1.09"
    assert client.post(url).status_code == 400  # no CSRF token
    resp = client.post(url, data={"csrf_token": token})
    assert resp.status_code == 303
    public_id = resp.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.public_id == public_id))
        assert letter.type.code == "F-1.09" and letter.status == "draft"
        assert letter.resident_id == family["head"].id
    detail = client.get(resp.headers["Location"])
    assert detail.status_code == 200
    unknown = client.post(
        f"/residents/{family['wife'].id}/family/forms/N-9", data={"csrf_token": token}
    )
    assert unknown.status_code == 404
    assert (
        client.post(
            "/residents/999999/family/forms/F-1.01", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_without_a_head_the_form_is_for_the_resident(make_resident, login, client, app):
    from desa.letters.models import Letter

    alone = make_resident(name="YANTI SENDIRI", family_relation="ANAK", kk=KK)
    login("clerk")
    token = csrf_from(
        client.get(f"/residents/{alone.id}/family").get_data(as_text=True)
    )
    resp = client.post(
        f"/residents/{alone.id}/family/forms/F-1.01", data={"csrf_token": token}
    )
    assert resp.status_code == 303
    with app.app_context():
        letter = db.session.scalars(select(Letter)).one()
        assert letter.resident_id == alone.id


@pytest.mark.parametrize("role", ["head", "rt"])
def test_only_who_may_draft_letters_sees_and_uses_the_buttons(
    role, family, login, client
):
    login(role, **({"rw": "001", "rt": "002"} if role == "rt" else {}))
    page = client.get(f"/residents/{family['head'].id}/family")
    if page.status_code == 200:
        assert "Cetak biodata F-1.01" not in page.get_data(as_text=True)
        token = csrf_from(page.get_data(as_text=True))
    else:
        token = csrf_from(client.get("/").get_data(as_text=True))
    resp = client.post(
        f"/residents/{family['head'].id}/family/forms/F-1.09",
        data={"csrf_token": token},
    )
    assert resp.status_code in (403, 404)


# --- the residents' new columns --------------------------------------------------


def test_the_import_reads_the_new_columns(app, tmp_path):
    from desa.auth.actor import command_actor
    from desa.residents.importer import run_import
    from desa.residents.models import Resident

    born = dt.date(1990, 5, 17)
    good, bad = nik_for(born, "L", 71), nik_for(born, "L", 72)
    path = tmp_path / "warga.csv"
    path.write_text(
        "NIK,NAMA_LGKP,JENIS_KLMIN,TGL_LHR,NAMA_LGKP_AYAH,NAMA_LGKP_IBU,GOL_DARAH,TGL_KWN\n"
        f"{good},BUDI SANTOSO,L,17-05-1990,abdul gani,Halimah,ab+,20-06-2010\n"
        f"{bad},BUDI KEDUA,L,17-05-1990,ABDUL 2,HALIMAH,Z,31-02-2010\n",
        encoding="utf-8",
    )
    with app.app_context():
        mark_write_intent()
        result = run_import(
            command_actor(),
            path,
            actor_name="Petugas Uji",
            rejects_path=tmp_path / "rejects.csv",
        )
        db.session.commit()
        assert (result.imported, result.rejected) == (1, 1)
        person = db.session.scalar(select(Resident).where(Resident.nik == good))
        assert person.father_name == "ABDUL GANI" and person.mother_name == "HALIMAH"
        assert person.blood_type == "AB+"
        assert person.marriage_date == dt.date(2010, 6, 20)
        assert db.session.scalar(select(Resident).where(Resident.nik == bad)) is None
    rejects = (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "NAMA_LGKP_AYAH: Nama ayah tidak boleh berisi angka" in rejects
    assert "GOL_DARAH: Golongan darah harus A, B, AB atau O" in rejects
    assert "TGL_KWN: Tanggal perkawinan 31-02-2010 tidak ada di kalender" in rejects


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("o", "O"),
        ("AB -", "AB-"),
        ("13", "TIDAK TAHU"),
        ("-", "TIDAK TAHU"),
        ("", None),
    ],
)
def test_blood_types_are_read_as_disdukcapil_writes_them(raw, stored):
    from desa.residents import fields

    assert fields.blood_type(raw) == stored


def test_the_staff_form_saves_and_the_page_shows_the_new_fields(family, login, client):
    login("clerk")
    wife = family["wife"]
    form = client.get(f"/residents/{wife.id}/edit").get_data(as_text=True)
    for label in ("Nama ayah", "Nama ibu", "Golongan darah", "Tanggal perkawinan"):
        assert label in form
    data = {
        "csrf_token": csrf_from(form),
        "name": wife.name,
        "sex": "P",
        "birth_date": "1988-04-12",
        "kk": KK,
        "family_relation": "ISTRI",
        "marital_status": "KAWIN",
        "religion": "ISLAM",
        "citizenship": "WNI",
        "rt": "002",
        "rw": "001",
        "father_name": "muhammad yusuf",
        "mother_name": "RAHMAWATI",
        "blood_type": "B-",
        "marriage_date": "2010-06-21",
    }
    resp = client.post(f"/residents/{wife.id}/edit", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = client.get(f"/residents/{wife.id}").get_data(as_text=True)
    assert "MUHAMMAD YUSUF" in page and "B-" in page and "21 Juni 2010" in page
    data["blood_type"] = "C"
    data["marriage_date"] = "2030-01-01"
    bad = client.post(f"/residents/{wife.id}/edit", data=data)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Tanggal perkawinan tidak boleh di masa depan" in html


# --- migration 0024 --------------------------------------------------------------


def test_0024_adds_the_columns_and_types_and_downgrades(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    from desa import create_app

    migrations = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
    app = create_app(_test_config(tmp_path / "instance", empty_database))
    new = {"father_name", "mother_name", "blood_type", "marriage_date"}

    def state():
        with db.engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("residents")}
            codes = set(conn.execute(text("SELECT code FROM letter_types")).scalars())
        return new & columns, set(FORMS) & codes

    with app.app_context():
        upgrade(directory=migrations, revision="0024")
        assert state() == (new, set(FORMS))
        with db.engine.begin() as conn:
            row = conn.execute(
                text("SELECT issuer, kind FROM letter_types WHERE code = 'F-1.09'")
            ).one()
            assert tuple(row) == ("clerk", "letter")
        downgrade(directory=migrations, revision="0023")
        assert state() == (set(), set())
        upgrade(directory=migrations, revision="0024")
        assert state() == (new, set(FORMS))
        db.engine.dispose()


def test_the_api_reads_and_writes_the_new_fields(family, login, client):
    from conftest import csrf_token

    login("clerk")
    headers = {"X-CSRFToken": csrf_token(client)}
    head = family["head"]
    body = client.get(f"/api/v1/residents/{head.nik}").get_json()
    assert body["father_name"] == "ABDUL GANI" and body["mother_name"] == "HALIMAH"
    assert body["blood_type"] == "O+" and body["marriage_date"] == "2010-06-20"
    resp = client.patch(
        f"/api/v1/residents/{head.nik}", json={"blood_type": "9"}, headers=headers
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["blood_type"] == "AB+"
    bad = client.patch(
        f"/api/v1/residents/{head.nik}",
        json={"marriage_date": "31-02-2010"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert "marriage_date" in bad.get_json()["error"]["fields"]
