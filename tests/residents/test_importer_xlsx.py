"""XLSX import through python-calamine: exact NIKs, dates, formulas, the limits, and
the sheet-shape check that keeps calamine from loading what it cannot hold.

Files are written with openpyxl (as Excel users' files are read back by both
readers); a few are then edited at the XML level for what openpyxl cannot write
(cached formula values, exact numbers past 2**53, odd cell references).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib

import pytest
from conftest import nik_for
from sqlalchemy import select

from bench._bigxlsx import write_xlsx
from desa.residents.importer import ImportFileError, checking, read_table, reading
from desa.residents.models import Resident

from .test_importer import NIK_A, NIK_B, count, do_import, read_rejects

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["NIK", "NO_KK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "NO_RT", "NO_RW"]


def _xlsx(path, header, rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _edit_sheet(path, *replacements):
    """Rewrites the first sheet's XML, each (old, new) replaced exactly once."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    xml = parts[SHEET].decode()
    for old, new in replacements:
        assert xml.count(old) == 1, (old, xml)
        xml = xml.replace(old, new)
    parts[SHEET] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def fast_only(monkeypatch):
    """The file must be read by python-calamine, never streamed by openpyxl."""

    def streamed(path):
        raise AssertionError(f"{path} was streamed by openpyxl")

    monkeypatch.setattr(reading, "_read_xlsx_streaming", streamed)


@pytest.fixture
def streamed_only(monkeypatch):
    """The file must not reach python-calamine."""

    def loaded(path):
        raise AssertionError(f"{path} reached python-calamine")

    monkeypatch.setattr(reading, "_read_xlsx_calamine", loaded)


def _rows(path, reader):
    table = reader(path)
    with table:
        return table.header, list(table.rows)


# --- NIK and KK as text -------------------------------------------------------------


def test_a_numeric_16_digit_nik_cell_is_read_exactly(db, tmp_path, fast_only):
    assert int(NIK_A) < 2**53 and not NIK_A.endswith("0")
    path = _xlsx(
        tmp_path / "angka.xlsx",
        HEADER,
        [[int(NIK_A), "6101120101900001", "BUDI", "L", dt.date(1990, 5, 17), 2, 1]],
    )
    # calamine gives every number cell as a double; below 2**53 it is exact.
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as workbook:
        cell = list(workbook.get_sheet_by_index(0).iter_rows())[1][0]
    assert type(cell) is float and cell == int(NIK_A)
    _header, rows = _rows(path, reading._read_xlsx)
    assert rows[0][0] == int(NIK_A) and type(rows[0][0]) is int
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 0)
    resident = db.session.scalar(select(Resident))
    assert (resident.nik, resident.kk, resident.rt) == (
        NIK_A,
        "6101120101900001",
        "002",
    )


def test_a_number_past_2_53_cannot_be_exact_and_is_refused_by_both_readers(
    db, tmp_path
):
    # A Papua NIK (province 94) is above 2**53, where doubles skip odd integers:
    # calamine reads 9471020101900003 as 9471020101900004.0. A program can store
    # the exact digits, but the number cannot be trusted, so both readers refuse it
    # the same way (openpyxl would have returned the exact int).
    exact = "9471020101900003"
    path = _xlsx(tmp_path / "papua.xlsx", HEADER, [[1, "", "BUDI", "L", "", 2, 1]])
    _edit_sheet(path, ('<c r="A2" t="n"><v>1</v>', f'<c r="A2" t="n"><v>{exact}</v>'))
    fast = _rows(path, reading._read_xlsx_calamine)[1][0][0]
    streamed = _rows(path, reading._read_xlsx_streaming)[1][0][0]
    assert type(fast) is float and type(streamed) is float
    assert fast == streamed == float(exact) and fast != int(exact)
    result = do_import(path)
    assert (result.imported, result.rejected) == (0, 1)
    error = read_rejects(tmp_path / "papua.xlsx.rejects.csv")[1][-1]
    assert error.startswith("NIK: ") and "diubah Excel menjadi angka" in error


def test_a_nik_with_a_leading_zero_stored_as_text_is_kept(db, tmp_path, fast_only):
    temporary = "0610112200200007"
    # Written both ways Excel users' files come: inline text and shared strings.
    for shared in (False, True):
        path = write_xlsx(
            tmp_path / f"nol-{shared}.xlsx",
            ["nik", "kk", "name", "sex", "birth_date"],
            [[temporary, "0101120101900001", "TANPA NIK", "L", "01-01-2000"]],
            row_count=1,
            shared_strings=shared,
        )
        _header, rows = _rows(path, reading._read_xlsx)
        assert rows[0][:2] == [temporary, "0101120101900001"]
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 0)
    resident = db.session.scalar(select(Resident))
    assert resident.nik == temporary and resident.nik_temporary is True
    assert resident.kk == "0101120101900001"


def test_a_nul_in_a_text_cell_rejects_its_row(db, tmp_path, fast_only):
    # A cell can carry a NUL (written `_x0000_`); python-calamine decodes it, and no
    # database text column can hold it (PostgreSQL refuses it outright).
    header = ["nik", "name", "sex", "birth_date", "address"]
    rows = [
        [NIK_A, "BUDI", "L", "17-05-1990", "Jl. Baru"],
        [NIK_B, "SITI", "P", "03-02-1985", "Jl._x0000_Baru"],
        [nik_for(dt.date(1991, 1, 1), "L", 5), "ANI_x0000_", "L", "01-01-1991", ""],
    ]
    path = write_xlsx(
        tmp_path / "nul.xlsx", header, rows, row_count=len(rows), shared_strings=True
    )
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 2)
    errors = [error for _line, error in result.first_errors]
    assert errors[0].startswith("address: Berisi karakter NUL"), errors
    assert errors[1].startswith("name: Berisi karakter NUL"), errors
    assert count(db, Resident) == 1


def test_a_kk_typed_as_a_number_is_refused_as_before(db, tmp_path, fast_only):
    path = _xlsx(
        tmp_path / "kk.xlsx",
        HEADER,
        [[NIK_A, 6101120101900001, "BUDI", "L", "17-05-1990", 2, 1]],
    )
    result = do_import(path)
    assert result.rejected == 1
    error = read_rejects(tmp_path / "kk.xlsx.rejects.csv")[1][-1]
    assert "NO_KK: Nomor KK rusak karena diformat sebagai angka di Excel" in error


# --- dates, formulas, booleans, empty cells ------------------------------------------


def test_date_cells_become_dates(db, tmp_path, fast_only):
    births = [
        dt.datetime(1990, 5, 17),  # Excel's usual date cell
        dt.date(1985, 2, 3),
        dt.datetime(1979, 8, 17, 13, 5),  # a time of day is dropped
    ]
    niks = [NIK_A, NIK_B, nik_for(dt.date(1979, 8, 17), "L", 13)]
    rows = [
        [nik, "", "WARGA", sex, birth, 1, 1]
        for nik, sex, birth in zip(niks, "LPL", births, strict=True)
    ]
    path = _xlsx(tmp_path / "tanggal.xlsx", HEADER, rows)
    _header, read = _rows(path, reading._read_xlsx)
    assert [type(r[4]) for r in read] == [dt.date, dt.date, dt.datetime]
    assert do_import(path).imported == 3
    stored = dict(db.session.execute(select(Resident.nik, Resident.birth_date)).all())
    assert stored == {
        NIK_A: dt.date(1990, 5, 17),
        NIK_B: dt.date(1985, 2, 3),
        niks[2]: dt.date(1979, 8, 17),
    }


@pytest.mark.parametrize("reader", ["fast", "streamed"])
def test_cached_number_and_date_cells_keep_their_type(
    db, tmp_path, monkeypatch, reader
):
    # The checker caches each column's parsed cells; a number cell 1 (JK: L) must
    # not answer for a TRUE cell (True == 1 in Python), nor a date for a datetime.
    if reader == "streamed":
        monkeypatch.setattr(reading, "MAX_XLSX_FAST_CELLS", 1)
    niks = [nik_for(dt.date(1990, 5, 17), "L", i) for i in range(1, 6)]
    rows = [
        [niks[0], "", "SATU", 1, dt.datetime(1990, 5, 17), 1, 1],
        [niks[1], "", "DUA", True, dt.datetime(1990, 5, 17), 1, 1],
        [niks[2], "", "TIGA", 1, dt.datetime(1990, 5, 17), 1, True],
        [niks[3], "", "EMPAT", 1, dt.datetime(1990, 5, 17), 1.5, 1],
        [niks[4], "", "LIMA", 1, dt.datetime(1990, 5, 17, 8, 30), 1, 1],
    ]
    path = _xlsx(tmp_path / "jenis.xlsx", HEADER, rows)
    result = do_import(path)
    assert (result.imported, result.rejected) == (2, 3), result.first_errors
    errors = dict(result.first_errors)
    assert errors[3].startswith("JENIS_KLMIN: Jenis kelamin harus L/P")
    assert errors[4].startswith("NO_RW: ") and errors[5].startswith("NO_RT: ")
    stored = db.session.execute(
        select(Resident.nik, Resident.sex, Resident.birth_date, Resident.rt)
    ).all()
    assert sorted(stored) == sorted(
        (nik, "L", dt.date(1990, 5, 17), "001") for nik in (niks[0], niks[4])
    )


def test_a_rejected_rows_date_and_number_cells_are_written_as_typed(
    db, tmp_path, fast_only
):
    path = _xlsx(
        tmp_path / "tolak.xlsx",
        HEADER,
        [[NIK_A, "", "BUDI 2", "L", dt.datetime(1990, 5, 17), 2, 1]],
    )
    assert do_import(path).rejected == 1
    rejects = read_rejects(tmp_path / "tolak.xlsx.rejects.csv")
    assert rejects[0] == [*HEADER, "error"]
    assert rejects[1][:7] == [NIK_A, "", "BUDI 2", "L", "17-05-1990", "2", "1"]
    assert "Nama tidak boleh berisi angka" in rejects[1][-1]


def test_formula_cells_give_their_cached_values(db, tmp_path, fast_only):
    path = _xlsx(
        tmp_path / "rumus.xlsx",
        HEADER,
        [
            [NIK_A, "", '=UPPER("budi")', "L", "=DATE(1990,5,17)", "=1+1", 1],
            [NIK_B, "", '=UPPER("siti")', "P", "03-02-1985", 1, 1],
        ],
    )
    # openpyxl writes formulas without results; Excel stores the last result
    # beside each. The second name is left without one, as an unsaved sheet has.
    _edit_sheet(
        path,
        (
            '<c r="C2"><f>UPPER("budi")</f><v></v></c>',
            '<c r="C2" t="str"><f>UPPER("budi")</f><v>BUDI</v></c>',
        ),
        ("<f>DATE(1990,5,17)</f><v></v>", "<f>DATE(1990,5,17)</f><v>33010</v>"),
        ("<f>1+1</f><v></v>", "<f>1+1</f><v>2</v>"),
    )
    # The date formula's cell has no date format, so its result is the serial.
    _header, rows = _rows(path, reading._read_xlsx)
    assert rows[0][2:6] == ["BUDI", "L", 33010, 2]
    assert rows[1][2] == ""
    result = do_import(path)
    assert (result.imported, result.rejected) == (0, 2)
    errors = [r[-1] for r in read_rejects(tmp_path / "rumus.xlsx.rejects.csv")[1:]]
    # A serial number is not a date: refused, as it always was.
    assert errors[0].startswith("TGL_LHR: Tanggal lahir 33010 ")
    assert "NAMA_LGKP: Nama wajib diisi" in errors[1]


def test_a_formula_with_a_cached_date_imports(db, tmp_path, fast_only):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([NIK_A, "", "BUDI", "L", "=DATE(1990,5,17)", 2, 1])
    sheet["E2"].number_format = "DD-MM-YYYY"
    workbook.save(tmp_path / "rumus-tanggal.xlsx")
    path = _edit_sheet(
        tmp_path / "rumus-tanggal.xlsx",
        ("<f>DATE(1990,5,17)</f><v></v>", "<f>DATE(1990,5,17)</f><v>33010</v>"),
    )
    assert do_import(path).imported == 1
    assert db.session.scalar(select(Resident.birth_date)) == dt.date(1990, 5, 17)


def test_empty_cells_never_clear_a_stored_value(db, tmp_path, fast_only):
    header = [*HEADER, "NO_HP"]
    full = [NIK_A, "6101120101900001", "BUDI", "L", "17-05-1990", 2, 1, "08123456789"]
    assert do_import(_xlsx(tmp_path / "a.xlsx", header, [full])).imported == 1
    blank = [NIK_A, None, "BUDI", None, "17-05-1990", None, None, ""]
    result = do_import(_xlsx(tmp_path / "b.xlsx", header, [blank]))
    assert (result.unchanged, result.rejected) == (1, 0)
    resident = db.session.scalar(select(Resident))
    assert (resident.kk, resident.rt, resident.phone) == (
        "6101120101900001",
        "002",
        "+628123456789",
    )


def test_both_readers_give_the_same_cells(tmp_path):
    """The fast reader and the streaming one it falls back to agree cell by cell:
    numbers (whole ones as int), text, dates, booleans, empty cells."""
    rows = [
        [
            NIK_A,
            int(NIK_A),
            6101124503090001.0,
            2,
            2.5,
            True,
            None,
            dt.date(1990, 5, 17),
        ],
        [
            "0610112200200007",
            "",
            "  spasi  ",
            -3,
            1e20,
            False,
            "x",
            dt.datetime(1990, 5, 17, 7),
        ],
        [None, None, None, None, None, None, None, None],
        ["akhir", None, None, None, None, None, None, None],
    ]
    path = _xlsx(tmp_path / "sama.xlsx", [f"K{i}" for i in range(8)], rows)

    def same(cell):
        if cell in (None, ""):
            return None
        if type(cell) is dt.datetime and cell.time() == dt.time():
            return cell.date()
        return cell

    fast = _rows(path, reading._read_xlsx_calamine)
    streamed = _rows(path, reading._read_xlsx_streaming)
    assert fast[0] == streamed[0]
    assert [[(type(same(c)), same(c)) for c in r] for r in fast[1]] == [
        [(type(same(c)), same(c)) for c in r] for r in streamed[1]
    ]
    assert fast[1][0][1:6] == [int(NIK_A), 6101124503090001, 2, 2.5, True]


# --- limits and damaged files ---------------------------------------------------------


def test_an_xlsx_over_the_row_cap_is_refused_before_a_row_is_checked(
    db, tmp_path, monkeypatch, fast_only
):
    def no_row(*_args):
        raise AssertionError("a row was checked")

    monkeypatch.setattr(reading, "MAX_IMPORT_ROWS", 5)
    monkeypatch.setattr(checking._Checker, "check", no_row)
    rows = [
        [
            nik_for(dt.date(1990, 1, 1 + i), "L", 20 + i),
            "",
            "WARGA",
            "L",
            "01-01-1990",
            1,
            1,
        ]
        for i in range(6)
    ]
    path = _xlsx(tmp_path / "enam.xlsx", HEADER, rows)
    with pytest.raises(ImportFileError, match="lebih dari 5 baris data"):
        do_import(path)
    # Without a dimension the loaded sheet's height says the same.
    hidden = write_xlsx(
        tmp_path / "tersembunyi.xlsx",
        HEADER,
        [[str(c) for c in r] for r in rows],
        dimension=False,
    )
    with pytest.raises(ImportFileError, match="lebih dari 5 baris data"):
        do_import(hidden)
    assert count(db, Resident) == 0
    assert not (tmp_path / "enam.xlsx.rejects.csv").exists()
    monkeypatch.setattr(reading, "MAX_IMPORT_ROWS", 6)
    with pytest.raises(AssertionError, match="a row was checked"):
        do_import(path)


def test_a_sheet_too_big_to_load_whole_is_streamed(db, tmp_path, monkeypatch):
    rows = [[NIK_A, "", "BUDI", "L", "17-05-1990", 2, 1]]
    path = _xlsx(tmp_path / "besar.xlsx", HEADER, rows)
    streamed = []
    real = reading._read_xlsx_streaming
    monkeypatch.setattr(
        reading, "_read_xlsx_streaming", lambda p: streamed.append(p) or real(p)
    )
    # 2 rows of 7 columns: 14 cells.
    monkeypatch.setattr(reading, "MAX_XLSX_FAST_CELLS", 13)
    assert do_import(path).imported == 1
    assert streamed == [path]
    monkeypatch.setattr(reading, "MAX_XLSX_FAST_CELLS", 14)
    assert do_import(path).unchanged == 1
    assert streamed == [path]


def test_a_preview_loads_only_a_small_sheet_whole(db, tmp_path, monkeypatch):
    from desa.residents.importer import preview

    path = _xlsx(
        tmp_path / "pratinjau.xlsx",
        HEADER,
        [[NIK_A, "", "BUDI", "L", "17-05-1990", 2, 1]],
    )
    loaded = []
    real = reading._read_xlsx_calamine
    monkeypatch.setattr(
        reading, "_read_xlsx_calamine", lambda p: loaded.append(p) or real(p)
    )
    assert preview(path, dt.date(2026, 11, 23)).valid == 1
    assert loaded == [path]
    monkeypatch.setattr(reading, "MAX_XLSX_PREVIEW_CELLS", 13)
    assert preview(path, dt.date(2026, 11, 23)).valid == 1
    assert loaded == [path]


def test_a_zip_bomb_is_refused_before_anything_inflates(db, tmp_path, monkeypatch):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(SHEET, b"<c>" + b"0" * (40 * 1024 * 1024))
    assert path.stat().st_size < 200_000

    def inflating(*_args, **_kwargs):
        raise AssertionError("a part was inflated")

    monkeypatch.setattr(zipfile.ZipFile, "open", inflating)
    monkeypatch.setattr(reading, "_read_xlsx_calamine", inflating)
    monkeypatch.setattr(reading, "_read_xlsx_streaming", inflating)
    with pytest.raises(ImportFileError, match="mengembang terlalu besar"):
        do_import(path)


def test_a_part_larger_than_it_declares_is_refused(db, tmp_path):
    """A far-away cell hidden past the size a sheet's ZIP entry declares (with the
    CRC of the declared part) is not seen by the shape check, which stops at the
    declared size; calamine's ZIP reader stops there too, with an error, so the
    cell is never loaded."""
    path = _xlsx(
        tmp_path / "bohong.xlsx", HEADER, [[NIK_A, "", "BUDI", "L", "x", 2, 1]]
    )
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    _edit_sheet(path, ("</sheetData>", far + "</sheetData>"))
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read(SHEET)
    declared = sheet.index(far.encode())
    crc = zlib.crc32(sheet[:declared])
    data = bytearray(path.read_bytes())
    # The entry's CRC and uncompressed size, in its local and its central header.
    for signature, crc_at, size_at, name_length_at, name_at in (
        (b"PK\x03\x04", 14, 22, 26, 30),
        (b"PK\x01\x02", 16, 24, 28, 46),
    ):
        at = data.find(signature)
        while at >= 0:
            length = int.from_bytes(
                data[at + name_length_at : at + name_length_at + 2], "little"
            )
            if data[at + name_at : at + name_at + length] == SHEET.encode():
                data[at + crc_at : at + crc_at + 4] = crc.to_bytes(4, "little")
                data[at + size_at : at + size_at + 4] = declared.to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    assert reading._fits_in_memory(path, reading.MAX_XLSX_FAST_CELLS)
    for reader in (reading._read_xlsx_calamine, reading._read_xlsx_streaming):
        with pytest.raises(ImportFileError) as err:
            _rows(path, reader)  # openpyxl finds the damage only as it reads
        assert err.value.message == "Berkas XLSX rusak atau tidak dapat dibaca."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # A CSV renamed to .xlsx, and bytes that are no file at all.
        (
            b"nik,name,birth_date\n6101125705900011,BUDI,17-05-1990\n",
            "Berkas XLSX rusak atau bukan berkas XLSX.",
        ),
        (bytes(range(256)) * 40, "Berkas XLSX rusak atau bukan berkas XLSX."),
        # A ZIP, but cut short, or not a spreadsheet.
        ("half", "Berkas XLSX rusak atau bukan berkas XLSX."),
        ("zip", "Berkas XLSX rusak atau tidak dapat dibaca."),
        ("ods", "Berkas XLSX rusak atau tidak dapat dibaca."),
    ],
)
def test_a_damaged_or_foreign_file_gets_one_indonesian_sentence(
    app, runner, tmp_path, content, message
):
    path = tmp_path / "warga.xlsx"
    if content == "half":
        good = _xlsx(tmp_path / "utuh.xlsx", HEADER, [[NIK_A, "", "B", "L", "x", 1, 1]])
        content = good.read_bytes()[: good.stat().st_size // 2]
    elif content in ("zip", "ods"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            if content == "ods":
                zf.writestr(
                    "mimetype", "application/vnd.oasis.opendocument.spreadsheet"
                )
                zf.writestr("content.xml", "<office:document-content/>")
            else:
                zf.writestr("catatan.txt", "bukan lembar kerja")
        content = buffer.getvalue()
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as err:
        read_table(path)
    assert err.value.message == message
    result = runner.invoke(args=["resident", "import", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr


def test_an_empty_workbook_gets_one_sentence(db, tmp_path, fast_only):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "kosong.xlsx")
    with pytest.raises(ImportFileError, match="Berkas kosong"):
        read_table(tmp_path / "kosong.xlsx")


def test_a_panic_in_python_calamine_is_a_damaged_file(db, tmp_path, monkeypatch):
    """pyo3 raises a Rust panic as PanicException, a BaseException."""
    from python_calamine import CalamineWorkbook

    class PanicException(BaseException):
        pass

    def panics(self, index):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    path = _xlsx(tmp_path / "panik.xlsx", HEADER, [[NIK_A, "", "B", "L", "x", 1, 1]])
    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_index", panics)
    with pytest.raises(ImportFileError) as err:
        read_table(path)
    assert err.value.message == "Berkas XLSX rusak atau tidak dapat dibaca."


def test_a_zip_named_otherwise_is_still_read_as_xlsx(db, tmp_path, fast_only):
    # Recognised by content whatever its name; python-calamine, which picks its
    # reader by the name, is handed the file under an .xlsx name.
    path = _xlsx(
        tmp_path / "x.xlsx", HEADER, [[NIK_A, "", "BUDI", "L", "17-05-1990", 2, 1]]
    )
    renamed = path.rename(tmp_path / "warga.dat")
    assert do_import(renamed).imported == 1


# --- the sheet-shape check -------------------------------------------------------------


def test_a_far_away_cell_never_reaches_python_calamine(db, tmp_path, streamed_only):
    """calamine would allocate rows × columns for cells at A1 and XFD1048576 (550 GB)
    and abort the process; the check sends such a sheet to openpyxl instead."""
    path = _xlsx(
        tmp_path / "jauh.xlsx", HEADER, [[NIK_A, "", "BUDI", "L", "17-05-1990", 2, 1]]
    )
    # The dimension still says A1:G2, as a hostile file would.
    _edit_sheet(
        path,
        (
            "</sheetData>",
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
            "</row></sheetData>",
        ),
    )
    assert not reading._fits_in_memory(path, reading.MAX_XLSX_FAST_CELLS)
    # openpyxl, trusting the dimension, reads the two rows.
    assert do_import(path).imported == 1


@pytest.mark.parametrize(
    "cell",
    [
        '<c t="inlineStr"><is><t>x</t></is></c>',  # no reference: placed in sequence
        '<c s="0" r="C2" t="inlineStr"><is><t>x</t></is></c>',  # `r` not first
        '<c r="c2" t="inlineStr"><is><t>x</t></is></c>',  # lower case
        '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="C2"'
        ' t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>',  # a prefixed element
        '<c\nr="C2" t="inlineStr"><is><t>x</t></is></c>',
        '<c r="H2" t="inlineStr"><is><t>x</t></is></c>',  # past the dimension's width
    ],
)
def test_a_cell_whose_place_is_not_plain_sends_the_sheet_to_openpyxl(tmp_path, cell):
    path = _xlsx(tmp_path / "aneh.xlsx", HEADER, [[NIK_A, "", "BUDI", "L", "x", 2, 1]])
    # The box is the dimension's width (7 columns) by as many rows as the budget
    # allows; a cell out of it, or one whose place the check cannot read, fails.
    assert reading._fits_in_memory(path, reading.MAX_XLSX_FAST_CELLS)
    _edit_sheet(path, ("</row></sheetData>", cell + "</row></sheetData>"))
    assert not reading._fits_in_memory(path, reading.MAX_XLSX_FAST_CELLS)


def test_a_cell_repeated_past_the_budget_sends_the_sheet_to_openpyxl(
    db, tmp_path, streamed_only
):
    """Every repeat of `<c r="A2">` stays in the box, but calamine would keep each
    one: more cells than the box holds is refused for it too."""
    path = _xlsx(
        tmp_path / "ulang.xlsx", HEADER, [[NIK_A, "", "BUDI", "L", "17-05-1990", 2, 1]]
    )
    budget = 7 * 40  # the dimension's 7 columns by 40 rows
    assert reading._fits_in_memory(path, budget)
    repeat = '<c r="A2" t="inlineStr"><is><t>x</t></is></c>' * budget
    _edit_sheet(path, ("</row></sheetData>", repeat + "</row></sheetData>"))
    assert not reading._fits_in_memory(path, budget)
    assert reading._fits_in_memory(path, budget * 2)


def test_the_check_sees_cells_cut_by_its_block_boundaries(tmp_path, monkeypatch):
    rows = [[f"{i:016d}", "NAMA", "L", "01-01-1990"] for i in range(300)]
    path = write_xlsx(
        tmp_path / "blok.xlsx",
        ["nik", "name", "sex", "birth_date"],
        rows,
        row_count=300,
    )
    far = '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(SHEET).decode()
    # The far cell halfway, and blocks small enough to cut through cells everywhere.
    middle = xml.index("<row", len(xml) // 2)
    _edit_sheet(path, (xml[middle : middle + 40], far + xml[middle : middle + 40]))
    for block in (37, 64, 101, 4096):
        monkeypatch.setattr(reading, "_SCAN_BLOCK", block)
        assert not reading._fits_in_memory(path, reading.MAX_XLSX_FAST_CELLS), block
    clean = write_xlsx(
        tmp_path / "bersih.xlsx",
        ["nik", "name", "sex", "birth_date"],
        rows,
        row_count=300,
    )
    for block in (37, 64, 101):
        monkeypatch.setattr(reading, "_SCAN_BLOCK", block)
        assert reading._fits_in_memory(clean, reading.MAX_XLSX_FAST_CELLS), block
