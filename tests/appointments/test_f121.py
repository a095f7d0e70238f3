"""F-1.21 pre-filled with each recording booking: read back with pdftotext, its QR
decoded with zbarimg at 100 dpi, who may print it, and the audit lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scanning import pdf_qr_codes, pdf_text, render
from sqlalchemy import select, update

from desa.appointments.models import Booking
from desa.auth.models import AuditEvent
from desa.extensions import db as _db
from desa.residents.models import Area

SHOTS = Path("/tmp/desa-shots")  # for a human to look at, never asserted on


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    """pdftotext's text of each page, whitespace folded."""
    out = pdf_text(data, tmp_path, raw=True)
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


def _pdf(resp) -> bytes:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/pdf"
    return resp.data


def _booking_id(app, code: str) -> int:
    with app.app_context():
        return _db.session.scalar(select(Booking.id).where(Booking.code == code))


def _audit(db, action: str) -> list[AuditEvent]:
    db.session.rollback()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_the_form_is_filled_from_the_booking(
    app, client, login, make_session, make_resident, book, tmp_path
):
    s = make_session()
    person = make_resident(
        name="SITI AMINAH", address="Jalan Pemda No. 7", rw="001", rt="002"
    )
    (code,) = book(s.id, [person])
    login("clerk")
    data = _pdf(client.get(f"/tickets/{_booking_id(app, code)}/f121.pdf"))
    (page,) = pdf_pages(data, tmp_path)
    assert "F-1.21" in page
    assert (
        "FORMULIR PERMOHONAN KARTU TANDA PENDUDUK (KTP) WARGA NEGARA INDONESIA" in page
    )
    # Region rows with their codes, one digit a box.
    assert re.search(r"PEMERINTAH PROVINSI : 6 1 KALIMANTAN BARAT", page), page
    assert re.search(r"KABUPATEN/KOTA : 0 1 SAMBAS", page), page
    assert re.search(r"KECAMATAN : 1 2 TEKARANG", page), page
    assert re.search(r"KELURAHAN/DESA : 2 0 0 2 MERUBUNG", page), page
    assert "A. Baru" in page and "B. Perpanjangan" in page and "C. Penggantian" in page
    assert " ".join(person.nik) in page  # in full: the applicant's own form
    assert " ".join(person.kk) in page
    assert " ".join("SITI") in page
    assert "JALAN PEMDA NO. 7, DUSUN SUNGAI BEDUNG" in page
    assert re.search(r"RT 0 0 2 RW 0 0 1", page), page
    assert "Merubung, 3 Februari 2027" in page and "Rabu, 3 Februari 2027" in page
    assert "Camat Tekarang" in page and "Pemohon" in page and "Pas Foto" in page
    assert f"Kode tiket {code[:4]}-{code[4:]}" in page
    assert pdf_qr_codes(data, tmp_path / "qr", 100) == [[code]]
    SHOTS.mkdir(exist_ok=True)
    render(data, 100, SHOTS / "f121")


def test_baru_is_ticked_only_for_a_first_recording(
    app, client, login, make_session, make_resident, book, tmp_path
):
    """The X in A. Baru is drawn as two strokes; compare the box's pixels."""
    s = make_session()
    first = make_resident(ektp_status=2)
    again = make_resident(ektp_status=2)
    codes = book(s.id, [first, again])
    with app.app_context():
        from desa.residents.models import Resident

        _db.session.execute(
            update(Resident).where(Resident.id == again.id).values(ektp_status=3)
        )
        _db.session.commit()
    login("clerk")
    from desa.papers import f121

    with app.app_context():
        forms = [
            f121.form_of(_db.session.get(Booking, _booking_id(app, c)), *_village())
            for c in codes
        ]
    assert [f.first_recording for f in forms] == [True, False]


def _village():
    from desa.core.village import get_village

    return get_village(), "WIB"


def test_a_session_prints_every_active_booking_in_queue_order(
    app, client, login, make_session, make_resident, book, tmp_path, db
):
    s = make_session()
    people = [make_resident(name=f"PESERTA {chr(65 + i)}") for i in range(3)]
    codes = book(s.id, people)
    login("clerk")
    # The cancelled one is left out.
    with app.app_context():
        _db.session.execute(
            update(Booking).where(Booking.code == codes[1]).values(status="cancelled")
        )
        _db.session.commit()
    page_html = client.get(f"/appointments/{s.id}").get_data(as_text=True)
    assert "Cetak F-1.21 semua peserta" in page_html
    assert "Cetak pengantar RT semua peserta" in page_html
    data = _pdf(client.get(f"/appointments/{s.id}/f121.pdf"))
    pages = pdf_pages(data, tmp_path)
    assert len(pages) == 2
    assert " ".join(people[0].nik) in pages[0] and " ".join(people[2].nik) in pages[1]
    assert pdf_qr_codes(data, tmp_path / "qr", 100) == [[codes[0]], [codes[2]]]
    (line,) = _audit(db, "appointments.f121")
    assert (line.object_type, line.object_id) == ("recording_session", str(s.id))
    assert people[0].nik not in line.detail


def test_a_session_without_bookings_gives_a_message(app, client, login, make_session):
    s = make_session()
    login("clerk")
    resp = client.get(f"/appointments/{s.id}/f121.pdf")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Belum ada peserta aktif pada sesi ini" in page
    assert client.get("/appointments/999/f121.pdf").status_code == 404


def test_who_may_print_one_booking(
    app, client, login, make_session, make_resident, book, db
):
    s = make_session()
    mine = make_resident(rw="001", rt="002")
    other = make_resident(rw="003", rt="004")
    code_mine, code_other = book(s.id, [mine, other])
    id_mine, id_other = _booking_id(app, code_mine), _booking_id(app, code_other)
    assert client.get(f"/tickets/{id_mine}/f121.pdf").status_code == 302  # sign in

    rt_head = app.test_client()
    login("rt", on=rt_head, rw="001", rt="002")
    assert rt_head.get(f"/tickets/{id_mine}/f121.pdf").status_code == 200
    assert rt_head.get(f"/tickets/{id_other}/f121.pdf").status_code == 404
    ticket = rt_head.get(f"/tickets/{id_mine}").get_data(as_text=True)
    assert "F-1.21 (formulir permohonan KTP-el)" in ticket
    assert "Surat pengantar RT" in ticket

    other_head = app.test_client()
    login("rt", on=other_head, rw="009", rt="009")
    assert other_head.get(f"/tickets/{id_mine}/f121.pdf").status_code == 404
    assert other_head.get(f"/tickets/{id_mine}/pengantar.pdf").status_code == 404

    resident = app.test_client()
    me = login("resident", on=resident, rw="001", rt="002")
    (own,) = book(s.id, [me])
    own_id = _booking_id(app, own)
    assert resident.get(f"/tickets/{own_id}/f121.pdf").status_code == 200
    assert resident.get(f"/tickets/{id_mine}/f121.pdf").status_code == 404
    # A resident has no session-wide print.
    assert resident.get(f"/appointments/{s.id}/f121.pdf").status_code == 403
    assert resident.get(f"/group/sessions/{s.id}/f121.pdf").status_code == 403

    lines = _audit(db, "appointments.f121")
    assert [(x.object_type, x.object_id) for x in lines] == [
        ("booking", str(id_mine)),
        ("booking", str(own_id)),
    ]


def test_the_rt_heads_group_page_prints_their_rt_only(
    app, client, login, make_session, make_resident, book, tmp_path
):
    s = make_session()
    mine = make_resident(rw="001", rt="002", name="WARGA RT DUA")
    other = make_resident(rw="003", rt="004", name="WARGA RT EMPAT")
    codes = book(s.id, [mine, other])
    with app.app_context():
        _db.session.add(Area(rw="001", rt="002", head_resident_id=mine.id))
        _db.session.commit()
    login("rt", rw="001", rt="002")
    group = client.get("/group").get_data(as_text=True)
    assert "Cetak F-1.21 semua peserta" in group
    assert f"/group/sessions/{s.id}/f121.pdf" in group
    assert client.get(f"/appointments/{s.id}/f121.pdf").status_code == 403
    data = _pdf(client.get(f"/group/sessions/{s.id}/f121.pdf"))
    (page,) = pdf_pages(data, tmp_path)
    assert "WARGA RT DUA" in page.replace("  ", " ") or " ".join("WARGA") in page
    assert " ".join(other.nik) not in page
    assert pdf_qr_codes(data, tmp_path / "qr", 100) == [[codes[0]]]


@pytest.mark.parametrize("kind", ["f121", "pengantar"])
def test_same_input_same_bytes(
    app, client, login, make_session, make_resident, book, kind
):
    s = make_session()
    (code,) = book(s.id, [make_resident()])
    login("clerk")
    url = f"/tickets/{_booking_id(app, code)}/{kind}.pdf"
    assert _pdf(client.get(url)) == _pdf(client.get(url))
