"""The RT's surat pengantar for recording: read back with pdftotext, the QR with
zbarimg at 100 dpi, the RT head's name or a dotted line, scope and audit."""

from __future__ import annotations

from scanning import pdf_qr_codes, render

from desa.extensions import db as _db
from desa.residents.models import Area

from .test_f121 import SHOTS, _audit, _booking_id, _pdf, pdf_pages


def test_the_pengantar_carries_the_resident_and_the_rt_head(
    app, client, login, make_session, make_resident, book, tmp_path
):
    s = make_session()
    head = make_resident(name="PAK KETUA RT", rw="001", rt="002")
    person = make_resident(
        name="BUDI SANTOSO", address="Jalan Pemda No. 9", rw="001", rt="002"
    )
    with app.app_context():
        _db.session.add(Area(rw="001", rt="002", head_resident_id=head.id))
        _db.session.commit()
    (code,) = book(s.id, [person])
    login("clerk")
    data = _pdf(client.get(f"/tickets/{_booking_id(app, code)}/pengantar.pdf"))
    (page,) = pdf_pages(data, tmp_path)
    assert "RUKUN TETANGGA (RT) 002 RUKUN WARGA (RW) 001" in page
    assert "Desa Merubung" in page and "Kecamatan Tekarang" in page
    assert "SURAT PENGANTAR" in page and "Nomor: ......" in page
    assert "Kepala Desa Merubung" in page and "menerangkan bahwa" in page
    assert "BUDI SANTOSO" in page and person.nik in page and person.kk in page
    assert "17 Mei 1990" in page and "Laki-laki" in page
    assert "Jalan Pemda No. 9, Dusun Sungai Bedung" in page
    assert "perekaman KTP-el" in page and "Rabu, 3 Februari 2027" in page
    assert "Merubung, 1 Februari 2027" in page  # the day it is printed
    assert "PAK KETUA RT" in page
    assert pdf_qr_codes(data, tmp_path / "qr", 100) == [[code]]
    SHOTS.mkdir(exist_ok=True)
    render(data, 100, SHOTS / "pengantar")


def test_without_a_recorded_head_a_dotted_line(
    app, client, login, make_session, make_resident, book, tmp_path, db
):
    s = make_session()
    (code,) = book(s.id, [make_resident(rw="005", rt="006")])
    login("clerk")
    data = _pdf(client.get(f"/tickets/{_booking_id(app, code)}/pengantar.pdf"))
    (page,) = pdf_pages(data, tmp_path)
    assert "Ketua RT 006 / RW 005" in page and "(......" in page
    (line,) = _audit(db, "appointments.pengantar_rt")
    assert line.object_type == "booking"


def test_rt_head_prints_their_rts_pengantar_only(
    app, client, login, make_session, make_resident, book, tmp_path, db
):
    s = make_session()
    mine = make_resident(rw="001", rt="002", name="WARGA SATU")
    other = make_resident(rw="003", rt="004", name="WARGA LAIN")
    code_mine, code_other = book(s.id, [mine, other])
    login("rt", rw="001", rt="002")
    assert (
        client.get(f"/tickets/{_booking_id(app, code_other)}/pengantar.pdf").status_code
        == 404
    )
    data = _pdf(client.get(f"/group/sessions/{s.id}/pengantar.pdf"))
    (page,) = pdf_pages(data, tmp_path)
    assert "WARGA SATU" in page and "WARGA LAIN" not in page
    assert pdf_qr_codes(data, tmp_path / "qr", 100) == [[code_mine]]
    lines = _audit(db, "appointments.pengantar_rt")
    assert [(x.object_type, x.object_id) for x in lines] == [
        ("recording_session", str(s.id))
    ]
    assert mine.nik not in lines[0].detail


def test_an_empty_session_prints_nothing(app, client, login, make_session, db):
    s = make_session()
    login("rt", rw="001", rt="002")
    resp = client.get(f"/group/sessions/{s.id}/pengantar.pdf")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/group")
    page = client.get("/group").get_data(as_text=True)
    assert "Belum ada peserta aktif pada sesi ini" in page
    db.session.rollback()
    assert _audit(db, "appointments.pengantar_rt") == []
