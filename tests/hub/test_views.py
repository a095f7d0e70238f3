"""The hub's pages as Disdukcapil's staff see them: Table 1 with its files, the
villages and their sync state, the NIKs in two villages (read audited)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import PASSWORD, nik_for, post_login_as, system
from pypdf import PdfReader
from sqlalchemy import select

from desa.extensions import db as _db

from .conftest import resident_line

BORN = dt.date(1980, 1, 1)


@pytest.fixture
def staff(hub_app, other_village):
    from desa.auth.services import create_user

    twice = nik_for(BORN, "L", 90)
    other_village(
        "61.01.12.2001",
        [
            resident_line(1, twice),
            resident_line(2, nik_for(BORN, "L", 91), ektp_status=3),
        ],
    )
    other_village("61.01.01.2001", [resident_line(5, twice)])
    with hub_app.app_context():
        create_user(system(), "dinas", PASSWORD, "clerk", full_name="Operator Dinas")
        _db.session.commit()
    client = hub_app.test_client()
    assert post_login_as(client, "dinas", PASSWORD).status_code == 302
    return client


def test_the_hub_opens_at_table_1_with_its_own_menu(staff):
    home = staff.get("/")
    assert home.status_code == 302 and home.location.endswith("/hub")
    page = staff.get("/hub").get_data(as_text=True)
    assert "Tabel 1. Rekapitulasi perekaman KTP-el Kabupaten Sambas" in page
    assert "Tekarang" in page and "Sambas" in page
    assert "Desa &amp; sinkron" in page and "Penduduk" not in page.split("</nav>")[0]
    one = staff.get("/hub?kecamatan=61.01.12").get_data(as_text=True)
    assert (
        "Desa Tekarang" in one and "61.01.12.2001" in one and "61.01.01.2001" not in one
    )
    assert staff.get("/hub?level=rt").status_code == 422


def test_the_hub_names_itself_in_the_header_and_footer(staff):
    page = staff.get("/hub").get_data(as_text=True)
    header = page.split("</header>")[0]
    assert "<strong>Hub Kabupaten Sambas</strong>" in header
    assert "Kode wilayah 61.01" in header
    footer = page.split('<footer class="footer">')[1]
    assert footer.lstrip().startswith("Hub Kabupaten Sambas · Kode wilayah 61.01")
    assert "<title>" in page and "· Hub Kabupaten Sambas</title>" in page


def test_table_1_downloads_as_xlsx_and_pdf(staff):
    from openpyxl import load_workbook

    xlsx = staff.get("/hub/figures.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in values if r[0] == "No")
    assert header[1:4] == ["Kecamatan", "Kode", "Sinkron terakhir"]
    body = [r for r in values if r[2] in ("61.01.01", "61.01.12")]
    assert [r[1] for r in body] == ["Sambas", "Tekarang"]
    assert body[1][4:6] == [2, 1]  # Tekarang: 2 wajib, 1 recorded
    pdf = staff.get("/hub/figures.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL" in text
    assert "Tekarang" in text and "50,00%" in text


def test_villages_and_duplicates(staff, hub_app):
    from desa.auth.models import AuditEvent

    villages = staff.get("/hub/villages").get_data(as_text=True)
    assert "61.01.12.2001" in villages and "Desa Tekarang" in villages
    one = staff.get("/hub/villages/61.01.12.2001").get_data(as_text=True)
    assert "Rekapitulasi perekaman KTP-el Desa Tekarang" in one and "Dusun A" in one
    page = staff.get("/hub/duplicates").get_data(as_text=True)
    assert "1 ganda, 0 pindah tercocokkan" in page
    assert nik_for(BORN, "L", 90) in page
    with hub_app.app_context():
        actions = list(_db.session.scalars(select(AuditEvent.action)))
    assert "hub.duplicates.read" in actions


def test_a_village_desk_has_no_hub_pages(login, client):
    login("admin")
    assert client.get("/hub").status_code == 409


def test_a_kecamatan_officer_sees_its_own_kecamatan_only(staff, hub_app):
    from desa.auth.services import create_user

    with hub_app.app_context():
        create_user(system(), "camat.tekarang", PASSWORD, "kecamatan", area="61.01.12")
        _db.session.commit()
    officer = hub_app.test_client()
    assert post_login_as(officer, "camat.tekarang", PASSWORD).status_code == 302
    table = officer.get("/hub").get_data(as_text=True)
    assert "61.01.12" in table and "61.01.01" not in table
    assert "Petugas kecamatan" in table
    villages = officer.get("/hub/villages").get_data(as_text=True)
    assert "61.01.12.2001" in villages and "61.01.01.2001" not in villages
    # Its resident is also in a village of Kecamatan Sambas: listed with that
    # village, not with the other village's details of the person.
    page = officer.get("/hub/duplicates").get_data(as_text=True)
    assert "1 ganda" in page and "61.01.01.2001" in page
    with hub_app.app_context():
        from desa.auth.actor import Actor
        from desa.auth.models import User
        from desa.hub import duplicates

        user = _db.session.scalar(select(User).where(User.username == "camat.tekarang"))
        (crossing,) = duplicates.crossings(Actor(principal=user, today=BORN))
    other = next(h for h in crossing.holders if h.village_code == "61.01.01.2001")
    assert (other.name, other.birth_date) == ("—", None)
    assert officer.get("/hub/villages/61.01.12.2001").status_code == 200
    assert officer.get("/hub/villages/61.01.01.2001").status_code == 404
    api = officer.get("/api/v1/hub/figures?level=desa").get_json()
    assert [r["code"] for r in api["rows"]] == ["61.01.12.2001"]
    assert officer.post("/api/v1/hub/bundles", data=b"").status_code in (400, 403)
