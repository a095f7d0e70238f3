"""The pending export: who is on it, its columns, the files, manifests and batches."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from desa.exports import pending
from desa.exports.models import ExportBatch, ExportBatchItem
from desa.extensions import db as _db

from .conftest import PENDING, TODAY


def _export(app, actor, fmt="csv", only_new=False, day=TODAY):
    with app.app_context():
        batch = pending.export_pending(
            actor(today=day),
            fmt,
            only_new=only_new,
            instance_path=app.instance_path,
            actor_name="Petugas Uji",
        )
        _db.session.commit()
        path = pending.stored_file(batch, app.instance_path)
        return batch.id, path


def _csv_rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def test_pending_rows_follow_the_rules_on_the_date(app, village, actor):
    with app.app_context():
        rows = list(pending.iter_rows(actor()))
    names = [cells[3] for _id, cells in rows]
    assert names == [
        "ANI WARGA",
        "BUDI WARGA",
        "CICI WARGA",
        "EKO WARGA",
        "FAJAR WARGA",
    ]
    assert {r.name.split()[0].lower() for r in village.values()} >= PENDING
    # Tomorrow DEDI turns 17 and joins the list.
    with app.app_context():
        tomorrow = actor(today=TODAY + dt.timedelta(days=1))
        later = [c[3] for _i, c in pending.iter_rows(tomorrow)]
    assert "DEDI WARGA" in later and len(later) == 6


def test_columns_and_values_of_one_row(app, village, actor):
    with app.app_context():
        rows = {cells[3]: cells for _id, cells in pending.iter_rows(actor())}
    budi = dict(zip(pending.COLUMNS, rows["BUDI WARGA"], strict=True))
    resident = village["budi"]
    assert budi["NO"] == 2
    assert budi["NIK"] == resident.nik and budi["NO_KK"] == resident.kk
    assert budi["JENIS_KLMIN"] == "LAKI-LAKI"
    assert budi["TGL_LHR"] == "23-11-2009"
    assert budi["UMUR"] == 17  # birthday today
    assert (budi["NO_RT"], budi["NO_RW"], budi["DUSUN"]) == (
        "002",
        "001",
        "Sungai Bedung",
    )
    assert budi["KODE_DESA"] == "61.01.12.2002"
    assert budi["NAMA_DESA"] == "MERUBUNG" and budi["KECAMATAN"] == "TEKARANG"
    assert budi["STAT_RKM"] == 1 and budi["JADWAL_REKAM"] is None
    eko = dict(zip(pending.COLUMNS, rows["EKO WARGA"], strict=True))
    assert eko["UMUR"] == 16  # married at 16: wajib all the same
    fajar = dict(zip(pending.COLUMNS, rows["FAJAR WARGA"], strict=True))
    assert fajar["STAT_RKM"] is None
    assert rows["ANI WARGA"][4] == "PEREMPUAN"


def test_csv_file_bom_order_and_formula_escaping(app, make_resident, actor):
    make_resident(name="=HYPERLINK(EVIL)", address="+62 jalan", birth_place="-SAMBAS")
    make_resident(name="@SUM", address="\tTAB")
    _batch_id, path = _export(app, actor, "csv")
    rows = _csv_rows(path)
    assert rows[0] == list(pending.COLUMNS)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    names = {r["NAMA_LGKP"] for r in body}
    assert names == {"'=HYPERLINK(EVIL)", "'@SUM"}
    first = next(r for r in body if r["NAMA_LGKP"].startswith("'="))
    assert first["ALAMAT"] == "'+62 jalan" and first["TMPT_LHR"] == "'-SAMBAS"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t")), cell
    assert path.read_bytes().count(b"\r\n") == 3  # header + two rows, CRLF


def test_xlsx_read_back_with_a_second_reader(app, village, actor):
    _batch_id, path = _export(app, actor, "xlsx")
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == list(pending.COLUMNS)
    assert len(rows) == 1 + len(PENDING)
    ani = dict(zip(rows[0], rows[1], strict=True))
    # NIK and KK come back as text, digit for digit (not 6.10112E+15).
    assert isinstance(ani["NIK"], str) and ani["NIK"] == village["ani"].nik
    assert isinstance(ani["NO_KK"], str) and ani["NO_KK"] == village["ani"].kk
    assert ani["TGL_LHR"] == "17-05-1990" and ani["UMUR"] == 36
    assert ani["NO_RT"] == "002"
    assert ani["STAT_RKM"] == 2


def test_xlsx_cells_read_back_alike_by_two_independent_readers(
    app, make_resident, actor
):
    from openpyxl import load_workbook

    kept = make_resident(name="NOL DEPAN", kk="0610112200200003")
    make_resident(name="=cmd|' /C calc'!A0", address="@SUM(1)", birth_place="-2+3")
    make_resident(name="TANPA KK", kk=None)
    _batch_id, path = _export(app, actor, "xlsx")

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    sheet = load_workbook(path).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows()]
    assert len(rows) == len(cells) == 1 + 3  # header + every pending resident
    assert rows[0] == [c.value for c in cells[0]] == list(pending.COLUMNS)
    nik, kk = pending.COLUMNS.index("NIK"), pending.COLUMNS.index("NO_KK")
    by_name = {r[3]: r for r in rows[1:]}
    for row, xl in zip(rows[1:], cells[1:], strict=True):
        # NIK (and KK where there is one) are text cells with Excel's "@" format.
        assert isinstance(row[nik], str) and len(row[nik]) == 16
        assert xl[nik].data_type == "s" and xl[nik].number_format == "@"
        assert xl[nik].value == row[nik]
        # The numbers stay numbers: NO, UMUR, STAT_RKM.
        assert [xl[i].data_type for i in (0, 7, 15)] == ["n"] * 3
    assert by_name["NOL DEPAN"][kk] == "0610112200200003"  # the leading zero stays
    assert by_name["NOL DEPAN"][nik] == kept.nik
    assert by_name["TANPA KK"][kk] in ("", None)
    # Text a spreadsheet would run is quoted, in every reader's eyes.
    evil = by_name["'=cmd|' /C calc'!A0"]
    assert evil[8] == "'@SUM(1)" and evil[5] == "'-2+3"
    for row in rows[1:]:
        for cell in row:
            assert not (isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"))
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert sheet.freeze_panes == "A2"


def test_an_empty_xlsx_still_has_its_header(app, village, actor):
    _export(app, actor, "xlsx")
    _batch_id, path = _export(app, actor, "xlsx", only_new=True)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows == [list(pending.COLUMNS)]
    manifest = json.loads(pending.manifest_path(path).read_text())
    assert manifest["rows"] == 0


def test_xlsx_styles_frozen_header_widths_and_text_format(app, village, actor):
    _batch_id, path = _export(app, actor, "xlsx")
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        styles = zf.read("xl/styles.xml").decode()
    assert 'state="frozen"' in sheet and 'topLeftCell="A2"' in sheet
    # Every column has its width; a writer may give neighbours of one width a
    # single <col min max> (and adds Excel's padding to the width it stores).
    widths = {}
    for lo, hi, width in re.findall(
        r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', sheet
    ):
        widths.update(dict.fromkeys(range(int(lo), int(hi) + 1), float(width)))
    assert sorted(widths) == list(range(1, len(pending.COLUMNS) + 1))
    assert [int(widths[i]) for i in sorted(widths)] == list(pending.WIDTHS)
    # The NIK cell of the first data row uses a style whose number format is "@".
    style = int(re.search(r'<c r="B2" s="(\d+)"', sheet).group(1))
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    xf = re.findall(r"<xf [^>]*?/?>", xfs)[style]
    assert 'numFmtId="49"' in xf  # 49 is the built-in "@" (text)
    header_style = int(re.search(r'<c r="A1" s="(\d+)"', sheet).group(1))
    header_xf = re.findall(r"<xf [^>]*?/?>", xfs)[header_style]
    font_id = int(re.search(r'fontId="(\d+)"', header_xf).group(1))
    fonts = re.findall(
        r"<font>.*?</font>|<font/>",
        re.search(r"<fonts[^>]*>(.*?)</fonts>", styles, re.S).group(1),
        re.S,
    )
    assert "<b" in fonts[font_id]
    assert 'fillId="0"' not in header_xf


def test_manifest_beside_the_file_matches_it(app, village, actor):
    batch_id, path = _export(app, actor, "csv")
    manifest = json.loads(pending.manifest_path(path).read_text())
    assert manifest["batch_id"] == batch_id
    assert manifest["village_code"] == "61.01.12.2002"
    assert manifest["rows"] == len(PENDING)
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["created_at"].endswith("Z")
    assert manifest["temporary_niks"] == 0
    assert not list(path.parent.glob("*.part"))
    with app.app_context():
        batch = _db.session.get(ExportBatch, batch_id)
        assert (batch.rows, batch.sha256) == (manifest["rows"], manifest["sha256"])
        carried = _db.session.scalar(
            select(func.count()).where(ExportBatchItem.batch_id == batch_id)
        )
        assert carried == len(PENDING)


def test_only_new_leaves_out_everyone_already_sent(app, village, make_resident, actor):
    first_id, _path = _export(app, actor, "csv")
    _second_id, path = _export(app, actor, "csv", only_new=True)
    assert _csv_rows(path)[1:] == []
    newcomer = make_resident(name="BARU WARGA", birth_date=dt.date(1994, 4, 4))
    third_id, path = _export(app, actor, "xlsx", only_new=True)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [r[1] for r in rows[1:]] == [newcomer.nik]
    assert rows[1][0] == 1  # numbered within the batch
    # Without the option everyone still pending is there again.
    _all_id, path = _export(app, actor, "csv")
    assert len(_csv_rows(path)) == 1 + len(PENDING) + 1
    with app.app_context():
        assert pending.pending_count(actor(), only_new=True) == 0
        assert pending.pending_count(actor()) == len(PENDING) + 1


def test_recorded_residents_leave_the_list(app, village, actor):
    from desa.residents import registry
    from desa.residents.models import Resident

    with app.app_context():
        ani = _db.session.get(Resident, village["ani"].id)
        registry.update_resident(actor(), ani, {"ektp_status": 3})
        _db.session.commit()
        names = [c[3] for _i, c in pending.iter_rows(actor())]
    assert "ANI WARGA" not in names


def test_every_export_is_audited(app, village, actor):
    from desa.auth.models import AuditEvent

    batch_id, _path = _export(app, actor, "csv")
    with app.app_context():
        event = _db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "recording.export")
        )
    assert event.object_id == str(batch_id)
    assert f"{len(PENDING)} baris" in event.detail
    assert village["ani"].nik not in event.detail


def test_unknown_format_is_refused(app, village, actor):
    from desa.core.errors import ValidationError

    with app.app_context(), pytest.raises(ValidationError):
        pending.export_pending(
            actor(),
            "pdf",
            only_new=False,
            instance_path=app.instance_path,
            actor_name="x",
        )


def test_a_failed_write_leaves_no_file_and_no_batch(app, village, monkeypatch, actor):
    def broken(path, rows):
        path.with_name(path.name + ".part").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pending, "write_csv", broken)
    with app.app_context():
        with pytest.raises(OSError):
            pending.export_pending(
                actor(),
                "csv",
                only_new=False,
                instance_path=app.instance_path,
                actor_name="x",
            )
        _db.session.rollback()
        assert _db.session.scalar(select(func.count(ExportBatch.id))) == 0
    assert list(pending.export_dir(app.instance_path).iterdir()) == []


def test_jadwal_rekam_is_the_active_booking_date(app, village, actor):
    from desa.appointments.models import Booking, RecordingSession

    day = dt.date(2026, 12, 2)
    with app.app_context():
        session = RecordingSession(
            date=day,
            start_time=dt.time(8),
            end_time=dt.time(12),
            place="Kantor Desa",
            kind="office",
            capacity=10,
            minutes_per_person=10,
            created_by="uji",
        )
        _db.session.add(session)
        _db.session.flush()
        for queue, (key, status) in enumerate(
            (("ani", "active"), ("cici", "cancelled"))
        ):
            _db.session.add(
                Booking(
                    session_id=session.id,
                    resident_id=village[key].id,
                    queue_number=queue + 1,
                    code=f"KODE{key}",
                    status=status,
                    booked_by_kind="user",
                    booked_by_role="clerk",
                    booked_by_name="uji",
                )
            )
        _db.session.commit()
        rows = {
            c[3]: dict(zip(pending.COLUMNS, c, strict=True))
            for _i, c in pending.iter_rows(actor())
        }
    assert rows["ANI WARGA"]["JADWAL_REKAM"] == "02-12-2026"
    assert rows["CICI WARGA"]["JADWAL_REKAM"] is None


def test_temporary_niks_are_flagged_in_the_manifest_not_in_the_columns(
    app, village, actor
):
    from desa.residents.models import Resident

    with app.app_context():
        _db.session.get(Resident, village["ani"].id).nik_temporary = True
        _db.session.commit()
    _, path = _export(app, actor, "csv")
    manifest = json.loads(pending.manifest_path(path).read_text())
    assert manifest["temporary_niks"] == 1
    assert manifest["columns"] == list(pending.COLUMNS)  # CONTRACT §7 unchanged
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",") == list(pending.COLUMNS)
