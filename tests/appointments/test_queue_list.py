"""The printed queue list of a session: read back with pypdf, rasterised with
poppler as the recording point sees it, audited like the attendance list."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pytest
from conftest import csrf_token
from pypdf import PdfReader
from scanning import render
from sqlalchemy import select, update

from desa.appointments.models import Booking, BookingStatus, RecordingSession
from desa.auth.models import AuditEvent
from desa.extensions import db as _db

SHOTS = Path("/tmp/desa-shots")  # for a human to look at, never asserted on


def _set_session(app, session_id: int, **values) -> None:
    with app.app_context():
        _db.session.execute(
            update(RecordingSession)
            .where(RecordingSession.id == session_id)
            .values(**values)
        )
        _db.session.commit()


def _set_booking(app, code: str, **values) -> None:
    with app.app_context():
        _db.session.execute(
            update(Booking).where(Booking.code == code).values(**values)
        )
        _db.session.commit()


def _pages(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def _row(queue: int, when: str, name: str) -> re.Pattern:
    return re.compile(rf"(^| ){queue} {re.escape(when)} {re.escape(name)} ")


@pytest.mark.parametrize(
    ("stations", "times"),
    [(2, ["08.00", "08.00", "08.10", "08.10", "08.20"]), (1, None)],
)
def test_the_list_gives_each_queue_number_its_time(
    app, client, login, make_session, make_resident, book, stations, times
):
    times = times or ["08.00", "08.10", "08.20", "08.30", "08.40"]
    s = make_session(minutes_per_person=10)
    _set_session(app, s.id, stations=stations)
    people = [make_resident(name=f"ANTRE {chr(65 + i)}") for i in range(5)]
    book(s.id, people)
    login("clerk")
    (page,) = _pages(client.get(f"/appointments/{s.id}/queue.pdf"))
    for queue, (person, when) in enumerate(zip(people, times, strict=True), start=1):
        assert _row(queue, when, person.name).search(page), (queue, when, page)
    assert "Rabu, 3 Februari 2027" in page and "08.00–12.00 WIB" in page
    assert "Kantor Desa Merubung" in page and "Di kantor desa" in page
    assert ("2 alat rekam sekaligus" in page) == (stations == 2)
    assert "Halaman 1 dari 1" in page and "Jumlah: 5 orang" in page
    assert "Berkas yang dibawa: Kartu Keluarga (KK) asli/fotokopi." in page
    assert "PEMERINTAH KABUPATEN SAMBAS" in page and "KANTOR DESA MERUBUNG" in page


def test_nik_is_masked_and_no_code_is_printed(
    app, client, login, make_session, make_resident, book
):
    s = make_session()
    people = [make_resident(name="SITI AMINAH"), make_resident(name="BUDI")]
    codes = book(s.id, people)
    login("clerk")
    (page,) = _pages(client.get(f"/appointments/{s.id}/queue.pdf"))
    for person, code in zip(people, codes, strict=True):
        assert f"{person.nik[:4]}********{person.nik[-4:]}" in page
        assert person.nik not in page.replace(" ", "")
        assert code not in page.replace(" ", "")
    assert f"{people[0].rt}/{people[0].rw}" in page


def test_recorded_people_stay_on_it_cancelled_ones_do_not(
    app, client, login, make_session, make_resident, book, db
):
    s = make_session()
    people = [make_resident(name=n) for n in ("HADIR SAJA", "BATAL", "SUDAH DIREKAM")]
    kept, cancelled, recorded = book(s.id, people)
    _set_booking(app, cancelled, status=BookingStatus.CANCELLED)
    _set_booking(app, recorded, status=BookingStatus.RECORDED)
    login("clerk")
    (page,) = _pages(client.get(f"/appointments/{s.id}/queue.pdf"))
    assert "HADIR SAJA" in page and "SUDAH DIREKAM" in page
    assert "BATAL" not in page and "Jumlah: 2 orang" in page


def test_a_long_list_runs_over_pages_with_the_header_on_each(
    app, client, login, make_session, make_resident, book
):
    s = make_session(capacity=60, minutes_per_person=5, end="16:00")
    people = [make_resident(name=f"PESERTA {i:02d}") for i in range(1, 56)]
    book(s.id, people)
    login("clerk")
    pages = _pages(client.get(f"/appointments/{s.id}/queue.pdf"))
    assert len(pages) >= 2
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {total}" in page
        assert "No. antrean" in page and "Perkiraan jam" in page and "Terekam" in page
    later = pages[1]
    assert "Daftar antrean Rabu, 3 Februari 2027, Kantor Desa Merubung (lanjutan)" in (
        later
    )
    assert "PEMERINTAH KABUPATEN" not in later  # the kop only on the first page
    everything = " ".join(pages)
    found = [int(n) for n in re.findall(r"PESERTA (\d\d)", everything)]
    assert found == list(range(1, 56))  # every one, once, in queue order
    assert "Jumlah: 55 orang" in pages[-1] and "Kartu Keluarga" in pages[-1]
    assert _row(55, "12.30", "PESERTA 55").search(everything)


def test_a_home_visit_lists_each_address_instead_of_a_time(
    app, client, login, make_session, make_resident, book, tmp_path
):
    s = make_session(kind="mobile", address="Dusun Sungai Bedung", capacity=3)
    old = dt.date(1940, 3, 1)
    people = [
        make_resident(name="NENEK SALMAH", birth_date=old, address="Jl. Parit Baru 7"),
        make_resident(name="KAKEK USMAN", birth_date=old, address=None),
    ]
    book(s.id, people)
    login("clerk")
    resp = client.get(f"/appointments/{s.id}/queue.pdf")
    (page,) = _pages(resp)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(render(resp.data, 100, tmp_path)[0], SHOTS / "queue-home.png")
    assert "Alamat" in page and "Perkiraan jam" not in page
    assert "Jl. Parit Baru 7, Dusun Sungai Bedung" in page
    assert "Kunjungan rumah (jemput bola)" in page
    assert not re.search(r"\b08\.\d\d\b", page.replace("08.00–12.00", ""))


def test_printing_it_is_audited_and_needs_bookings_read(
    app, client, login, make_session, make_resident, book, db
):
    s = make_session()
    person = make_resident()
    book(s.id, [person])
    assert client.get(f"/appointments/{s.id}/queue.pdf").status_code == 302
    rt_head = app.test_client()
    login("rt", on=rt_head)
    assert rt_head.get(f"/appointments/{s.id}/queue.pdf").status_code == 403
    login("clerk")
    assert client.get(f"/appointments/{s.id}/queue.pdf").status_code == 200
    assert client.get("/appointments/999/queue.pdf").status_code == 404
    db.session.rollback()
    (line,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "appointments.bookings_read")
    ).all()
    assert (line.object_type, line.object_id) == ("recording_session", str(s.id))
    assert line.detail == f"1 pemesanan sesi {s.id}" and person.nik not in line.detail


def test_the_attendance_list_is_audited_too(
    app, client, login, make_session, make_resident, book, db
):
    s = make_session()
    book(s.id, [make_resident(), make_resident()])
    login("clerk")
    sheet = client.get(f"/appointments/{s.id}/attendance")
    assert sheet.status_code == 200
    assert "Berkas yang dibawa: Kartu Keluarga (KK) asli/fotokopi." in (
        sheet.get_data(as_text=True)
    )
    db.session.rollback()
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "appointments.bookings_read"
        )
    ).all()
    assert details == [f"2 pemesanan sesi {s.id}"]


def test_the_session_page_links_the_list_and_the_offline_check_in(
    client, login, make_session
):
    s = make_session()
    login("clerk")
    page = client.get(f"/appointments/{s.id}").get_data(as_text=True)
    assert f'href="/appointments/{s.id}/queue.pdf">Daftar antrean (PDF)</a>' in page
    assert f'href="/appointments/{s.id}/check-in-offline"' in page
    token = csrf_token(client)
    assert token  # the page is a signed-in page like the others


def test_the_printed_page_is_a4_portrait_with_ink_in_the_table(
    app, client, login, make_session, make_resident, book, tmp_path
):
    from PIL import Image

    s = make_session(capacity=40, rt="001/002", minutes_per_person=7)
    _set_session(app, s.id, stations=2)
    book(s.id, [make_resident(name=f"CETAK NAMA WARGA {i}") for i in range(36)])
    login("clerk")
    resp = client.get(f"/appointments/{s.id}/queue.pdf")
    first, second = render(resp.data, 100, tmp_path, first_page_only=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(first, SHOTS / "queue-1.png")
    shutil.copyfile(second, SHOTS / "queue-2.png")
    png = first
    with Image.open(png) as image:
        assert image.size == (827, 1170)  # A4 at 100 dpi, portrait
        grey = image.convert("L")
        width, height = grey.size
        # The table's band (below the kop and the session facts) carries ink;
        # the bottom margin under the page number stays blank.
        band = grey.crop((0, height // 3, width, height // 2))
        assert band.getextrema()[0] < 100
        margin = grey.crop((0, height - 20, width, height))
        assert margin.getextrema()[0] > 200
