"""The population books: who is in them for a period (the history rules), the
recap's sums, and the printed PDF and XLSX read back."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from scanning import pdf_text
from sqlalchemy import func, select

from desa.auth.models import AuditEvent
from desa.extensions import db as _db
from desa.papers import book_tables, books, report
from desa.papers.books import Period
from desa.residents.models import Resident

TODAY = dt.date(2026, 5, 15)


@pytest.fixture
def village(app, freeze, make_resident, make_actor):
    """A small village: a family, one who dies in March, one who comes in March,
    a baby born in March, one who leaves in April; a WNA in another dusun."""
    from desa.residents.registry import record_event

    freeze(TODAY)
    head = make_resident(
        name="BUDI SANTOSO",
        kk="6101120101000001",
        family_relation="KEPALA KELUARGA",
        birth_date=dt.date(1980, 1, 2),
        marital_status="KAWIN",
    )
    wife = make_resident(
        name="SITI AMINAH",
        sex="P",
        kk="6101120101000001",
        family_relation="ISTRI",
        birth_date=dt.date(1983, 4, 5),
        marital_status="KAWIN",
    )
    dies = make_resident(
        name="AHMAD WAFAT",
        kk="6101120101000002",
        family_relation="KEPALA KELUARGA",
        birth_date=dt.date(1940, 1, 1),
    )
    comes = make_resident(
        name="RINA DATANG",
        sex="P",
        kk="6101120101000003",
        family_relation="KEPALA KELUARGA",
        life_status="moved",
        birth_date=dt.date(1995, 7, 7),
    )
    leaves = make_resident(
        name="JOKO PERGI",
        kk="6101120101000004",
        family_relation="KEPALA KELUARGA",
        dusun="Tanjung",
        birth_date=dt.date(1990, 3, 3),
    )
    foreign = make_resident(
        name="LEE WNA",
        kk="6101120101000005",
        citizenship="WNA",
        family_relation="KEPALA KELUARGA",
        dusun="Tanjung",
    )
    actor = make_actor(today=TODAY)
    with app.app_context():
        get = lambda r: _db.session.get(Resident, r.id)  # noqa: E731
        record_event(actor, get(dies), "death", "2026-03-10", "")
        record_event(actor, get(comes), "move_in", "2026-03-05", "Pontianak Barat")
        record_event(
            actor,
            get(wife),
            "birth",
            "2026-03-20",
            "",
            child={"name": "BAYI SANTOSO", "sex": "L"},
        )
        record_event(actor, get(leaves), "move_out", "2026-04-02", "Kota Singkawang")
        _db.session.commit()
    return {
        "head": head,
        "wife": wife,
        "dies": dies,
        "comes": comes,
        "leaves": leaves,
        "foreign": foreign,
    }


def _names(day: dt.date) -> set[str]:
    return {p.name for p in books.people_on(day)}


def test_history_decides_who_is_in_the_buku_induk(app, village):
    with app.app_context():
        feb, mar, apr = (_names(Period(2026, m).last_day) for m in (2, 3, 4))
    assert "AHMAD WAFAT" in feb and "AHMAD WAFAT" not in apr
    assert "AHMAD WAFAT" not in mar
    assert "RINA DATANG" not in feb and "RINA DATANG" in mar
    assert "BAYI SANTOSO" not in feb and "BAYI SANTOSO" in mar
    assert "JOKO PERGI" in mar and "JOKO PERGI" not in apr
    assert {"BUDI SANTOSO", "SITI AMINAH", "LEE WNA"} <= feb & apr


def test_buku_induk_orders_by_area_family_and_head_first(app, village):
    with app.app_context():
        people = books.people_on(dt.date(2026, 3, 31))
    names = [p.name for p in people]
    # Dusun Sungai Bedung before Tanjung; in KK ...01 the head, the wife, the child.
    assert (
        names.index("BUDI SANTOSO")
        < names.index("SITI AMINAH")
        < names.index("BAYI SANTOSO")
        < names.index("JOKO PERGI")
    )


def test_mutasi_lists_the_months_events_in_date_order(app, village):
    with app.app_context():
        _cols, rows = book_tables.mutasi(Period(2026, 3), TODAY)
    assert [r[1] for r in rows] == ["RINA DATANG", "AHMAD WAFAT", "BAYI SANTOSO"]
    came = rows[0]
    assert came[6] == "Pontianak Barat" and came[7] == dt.date(2026, 3, 5)
    assert rows[1][10] == dt.date(2026, 3, 10)
    assert rows[2][6] == "Lahir" and rows[2][7] == dt.date(2026, 3, 20)
    with app.app_context():
        _cols, april = book_tables.mutasi(Period(2026, 4), TODAY)
    assert april[0][8] == "Kota Singkawang" and april[0][9] == dt.date(2026, 4, 2)


def test_rekap_rows_add_up_and_match_the_induk_and_the_register(app, village):
    with app.app_context():
        for period in (
            Period(2026, 2),
            Period(2026, 3),
            Period(2026, 4),
            Period(2026, 5),
            Period(2026),
        ):
            data = books.recap(period, TODAY)
            for row in [*data.rows, data.total]:
                assert row.balanced(), (period, row)
            induk = books.people_on(period.end(TODAY))
            assert data.total.akhir_jiwa == len(induk)
        march = books.recap(Period(2026, 3), TODAY)
        assert march.total.moves["datang"]["WNI_P"] == 1
        assert march.total.moves["lahir"]["WNI_L"] == 1
        assert march.total.moves["meninggal"]["WNI_L"] == 1
        assert march.total.awal_jiwa == 5 and march.total.akhir_jiwa == 6
        tanjung = next(r for r in march.rows if r.dusun == "Tanjung")
        assert tanjung.akhir["WNA_L"] == 1
        # This month's end is today: the register's active residents.
        may = books.recap(Period(2026, 5), TODAY)
        active = _db.session.scalar(
            select(func.count())
            .select_from(Resident)
            .where(Resident.life_status == "active")
        )
        assert may.total.akhir_jiwa == active == 5


def test_field_values_are_taken_back_to_the_day(app, village, make_actor):
    from desa.residents.registry import record_event

    with app.app_context():
        actor = make_actor(today=TODAY)
        joko = _db.session.get(Resident, village["foreign"].id)
        record_event(actor, joko, "marriage", "2026-05-01", "")
        _db.session.commit()
        then = {p.name: p for p in books.people_on(dt.date(2026, 4, 30))}
        now = {p.name: p for p in books.people_on(TODAY)}
    assert then["LEE WNA"].marital_status == "BELUM KAWIN"
    assert now["LEE WNA"].marital_status == "KAWIN"


@pytest.mark.parametrize("key", ["induk", "mutasi", "rekap", "ktp_kk"])
def test_every_book_prints_its_columns_rows_and_closing_block(
    app, village, key, tmp_path
):
    from desa.core.village import require_village
    from desa.papers.books_pdf import render_book

    with app.app_context():
        book = book_tables.build(key, Period(2026, 3), TODAY, require_village())
        pdf = render_book(book)
        again = render_book(
            book_tables.build(key, Period(2026, 3), TODAY, require_village())
        )
    assert pdf == again
    Path(f"/tmp/a1/{key}.pdf").write_bytes(pdf) if Path("/tmp/a1").is_dir() else None
    text = pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    assert book.title in flat and "BULAN MARET TAHUN 2026" in flat
    assert "DESA MERUBUNG KECAMATAN TEKARANG" in flat
    assert "Halaman 1 dari 1" in flat and "Kepala Desa" in flat
    assert "15 Mei 2026" in flat
    numbering = " ".join(str(n) for n in range(1, len(book.columns) + 1))
    assert numbering in flat
    if key in ("induk", "ktp_kk"):
        for name in ("BUDI SANTOSO", "RINA DATANG", "BAYI SANTOSO", "LEE WNA"):
            assert name in flat
        assert "AHMAD WAFAT" not in flat
        assert village["head"].nik in flat  # the village's own book: NIK in full
    if key == "mutasi":
        assert "Pontianak Barat" in flat and "10 Maret 2026" in flat
    if key == "rekap":
        jumlah = next(ln for ln in text.splitlines() if ln.strip().startswith("JUMLAH"))
        numbers = [int(x) for x in jumlah.split() if x.isdigit()]
        # awal WNA L,P, WNI L,P, KK, anggota, jiwa … akhir … jiwa
        assert numbers[:7] == [1, 0, 3, 1, 4, 1, 5]
        assert numbers[-1] == 6


def test_a_long_book_fills_pages_and_numbers_them(app, village, tmp_path):
    from desa.papers.books_pdf import render_book
    from desa.papers.table import Book

    with app.app_context():
        columns, _rows = book_tables.induk(Period(2026, 3), TODAY)
        rows = [(n, f"WARGA {n:04d}", "L", *[""] * 12, "akhir") for n in range(1, 301)]
        book = Book(
            "induk",
            "B.1",
            "BUKU INDUK PENDUDUK",
            "TAHUN 2026",
            "DESA X",
            columns,
            rows,
            book_tables.sign_of(
                __import__("desa.core.village", fromlist=["x"]).require_village(), TODAY
            ),
        )
        pdf = render_book(book)
    text = pdf_text(pdf, tmp_path)
    pages = text.split("\f")
    assert "Halaman 1 dari" in pages[0]
    assert "WARGA 0001" in text and "WARGA 0300" in text
    total = int(pages[0].split("Halaman 1 dari ")[1].split()[0])
    assert total >= 6
    # Every page but the last is full.
    first = sum("WARGA" in line for line in pages[0].splitlines())
    assert first >= 45


def test_xlsx_has_the_headings_numbers_and_dates(app, village):
    from desa.core.village import require_village
    from desa.papers.books_xlsx import write_books

    with app.app_context():
        village_row = require_village()
        built = [
            book_tables.build(k, Period(2026, 3), TODAY, village_row)
            for k in ("induk", "mutasi", "rekap")
        ]
        body = write_books(built)
        assert body == write_books(built)
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames == ["B1", "B2", "B3"]
    induk = wb["B1"]
    assert induk["A1"].value.startswith("BUKU INDUK PENDUDUK")
    assert induk["A2"].value == "BULAN MARET TAHUN 2026"
    assert induk.freeze_panes == "A8"
    assert [c.value for c in induk[7]][:3] == [1, 2, 3]
    first = [c.value for c in induk[8]]
    assert first[0] == 1 and first[1] == "BUDI SANTOSO"
    assert isinstance(first[5], dt.datetime) and first[5].date() == dt.date(1980, 1, 2)
    rekap = wb["B3"]
    rows = [[c.value for c in r] for r in rekap.iter_rows(min_row=8)]
    jumlah = next(r for r in rows if r[1] == "JUMLAH")
    assert jumlah[8] == 5 and jumlah[31] == 6


def test_monthly_report_counts_by_sex(app, village, tmp_path):
    from desa.core.village import require_village

    with app.app_context():
        data = report.monthly(2026, 3, TODAY)
        d = data.to_dict()
        pdf = report.render_pdf(data, require_village(), TODAY)
        xlsx = report.render_xlsx(data, require_village(), TODAY)
    assert d["year"] == 2026 and d["month"] == 3
    assert d["births"] == {"L": 1, "P": 0, "total": 1}
    assert d["deaths"] == {"L": 1, "P": 0, "total": 1}
    assert d["moves_in"] == {"L": 0, "P": 1, "total": 1}
    assert d["moves_out"]["total"] == 0
    assert d["end_totals"] == {"L": 4, "P": 2, "kk": 4, "total": 6}
    assert d["total"]["akhir"]["jiwa"] == 6
    import json

    json.dumps(d)
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "LAPORAN BULANAN PENDUDUK DESA MERUBUNG BULAN MARET TAHUN 2026" in flat
    assert "Camat Tekarang" in flat and "Kepala Desa" in flat
    assert "JUMLAH" in flat
    load_workbook(io.BytesIO(xlsx))


@pytest.mark.parametrize(
    "query",
    [
        "year=2026&month=13",
        "year=0&month=1",
        "year=%C2%B2&month=1",
        "year=2026&month=x",
        "year=2027&month=1",
        "year=2026&month=6",
    ],
)
def test_bad_or_future_periods_are_refused(client, login, village, query):
    login("clerk")
    for url in (
        f"/papers/book.pdf?book=induk&{query}",
        f"/papers/report.xlsx?{query}",
        f"/papers/?book=induk&{query}",
    ):
        resp = client.get(url)
        assert resp.status_code == 422, (url, resp.status_code)
        body = resp.get_data(as_text=True)
        assert "Bulan" in body or "Tahun" in body or "Periode" in body


def test_unknown_book_is_refused(client, login, village):
    login("clerk")
    assert client.get("/papers/book.pdf?book=nope&year=2026").status_code == 422
    assert client.get("/papers/book.doc?book=induk&year=2026").status_code == 404


@pytest.mark.parametrize("role", ["rt", "resident", "employer"])
def test_only_village_staff_may_open_the_books(client, login, village, role):
    login(role)
    assert client.get("/papers/").status_code == 403
    assert client.get("/papers/book.pdf?book=induk&year=2026").status_code == 403


@pytest.mark.parametrize("role", ["admin", "clerk", "head"])
def test_downloads_are_audited(app, client, login, village, role):
    login(role)
    page = client.get("/papers/?year=2026&month=3")
    assert page.status_code == 200
    assert "Buku penduduk" in page.get_data(as_text=True)
    resp = client.get("/papers/book.pdf?book=induk&year=2026&month=3")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    resp = client.get("/papers/book.xlsx?book=ktp_kk&year=2026")
    assert resp.status_code == 200
    resp = client.get("/papers/report.pdf?year=2026&month=3")
    assert resp.status_code == 200
    with app.app_context():
        lines = _db.session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action.like("papers.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert lines[0].startswith("B.1 2026-03 pdf")
    assert lines[1].startswith("B.5 2026 xlsx")
    assert lines[2] == "2026-03 pdf"


def test_buku_penduduk_sementara_lists_who_stayed_in_the_period(app, village, tmp_path):
    from desa.core.village import require_village
    from desa.papers.books_pdf import render_book
    from desa.papers.models import TemporaryResident

    def guest(name, arrived, left, **extra):
        values = {
            "name": name,
            "sex": "L",
            "id_number": "6171010101900001",
            "citizenship": "WNI",
            "birth_place": "PONTIANAK",
            "birth_date": dt.date(1990, 1, 1),
            "occupation": "KARYAWAN SWASTA",
            "came_from": "Pontianak",
            "purpose": "Bekerja",
            "host_name": "BUDI SANTOSO",
            "host_address": "RT 002/RW 001",
            "arrived_on": arrived,
            "left_on": left,
            "note": "",
            "created_by": "uji",
        }
        values.update(extra)
        _db.session.add(TemporaryResident(**values))

    with app.app_context():
        guest("TAMU MARET", dt.date(2026, 3, 2), dt.date(2026, 3, 20))
        guest(
            "TAMU LAMA",
            dt.date(2026, 1, 2),
            None,
            citizenship="WNA",
            nationality="Malaysia",
            sex="P",
        )
        guest("TAMU MEI", dt.date(2026, 5, 2), None)
        _db.session.commit()
        book = book_tables.build("sementara", Period(2026, 3), TODAY, require_village())
        pdf = render_book(book)
    assert [r[1] for r in book.rows] == ["TAMU LAMA", "TAMU MARET"]
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "BUKU PENDUDUK SEMENTARA (B.4)" in flat
    assert "TAMU MARET" in flat and "TAMU MEI" not in flat
    assert "WNA / Malaysia" in flat and "20 Maret 2026" in flat
    assert "Halaman 1 dari 1" in flat and "Kepala Desa" in flat
