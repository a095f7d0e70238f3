"""Resident import service: reading, mapping, validation, upsert, transactions."""

import csv
import datetime as dt
import json

import pytest
from conftest import nik_for
from sqlalchemy import delete, func, select

from desa.auth.actor import command_actor
from desa.auth.models import AuditEvent
from desa.core.db import mark_write_intent
from desa.residents import importer
from desa.residents.importer import ImportFileError, export_residents, run_import
from desa.residents.models import Area, Resident, ResidentChange

HEADER = ["nik", "kk", "name", "sex", "birth_date", "rt", "rw", "dusun", "phone"]
BIRTH = dt.date(1990, 5, 17)
NIK_A = nik_for(BIRTH, "L", 11)
NIK_B = nik_for(dt.date(1985, 2, 3), "P", 12)
ROW_A = [
    NIK_A,
    "6101120101900001",
    "budi  santoso",
    "L",
    "17-05-1990",
    "2",
    "1",
    "Sungai Bedung",
    "0812 3456 7890",
]
ROW_B = [
    NIK_B,
    "6101120101900001",
    "SITI AMINAH",
    "P",
    "1985-02-03",
    "002",
    "001",
    "Sungai Bedung",
    "",
]


def write_csv(path, header, rows, *, delimiter=",", bom=True):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rejects(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "rejects file must carry a BOM"
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def do_import(path, **kwargs):
    """Runs the import as the CLI does: write intent, then commit when asked to."""
    from desa.extensions import db

    mark_write_intent()
    kwargs.setdefault("rejects_path", path.with_name(path.name + ".rejects.csv"))
    result = run_import(command_actor(), path, actor_name="Petugas Uji", **kwargs)
    if result.committed:
        db.session.commit()
    return result


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def import_audits(db):
    return db.session.scalar(
        select(func.count()).where(AuditEvent.action == "residents.import")
    )


def test_comma_with_bom_imports_and_normalises(db, tmp_path):
    path = write_csv(tmp_path / "warga.csv", HEADER, [ROW_A, ROW_B])
    result = do_import(path)
    assert (result.imported, result.updated, result.rejected) == (2, 0, 0)
    assert result.summary == "imported 2, updated 0, rejected 0"
    assert result.rejects_path is None
    assert not (tmp_path / "warga.csv.rejects.csv").exists()
    budi = db.session.scalar(select(Resident).where(Resident.nik == NIK_A))
    assert budi.name == budi.name_key == "BUDI SANTOSO"
    assert (budi.rt, budi.rw, budi.birth_date) == ("002", "001", BIRTH)
    assert budi.phone == "+6281234567890" and budi.life_status == "active"
    assert budi.citizenship == "WNI" and budi.nik_warnings == "[]"
    siti = db.session.scalar(select(Resident).where(Resident.nik == NIK_B))
    assert siti.birth_date == dt.date(1985, 2, 3) and siti.phone is None
    area = db.session.scalar(select(Area).where(Area.rw == "001", Area.rt == "002"))
    assert area is not None and area.dusun == "Sungai Bedung"
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "residents.import")
    ).all()
    assert len(audit) == 1
    assert audit[0].detail == "imported 2, updated 0, rejected 0, file warga.csv"


def test_semicolon_without_bom_and_siak_headers(db, tmp_path):
    header = [
        "NIK",
        "NO_KK",
        "nama_lgkp",
        "Jenis_Klmin",
        "TGL_LHR",
        "NO_RT",
        "NO_RW",
        "DUSUN",
        "STAT_RKM",
        "STAT_KWN",
        "AGAMA",
        "SHDK",
        "KODE_POS",
    ]
    row = [
        NIK_B,
        "6101120101900001",
        "Siti Aminah",
        "PEREMPUAN",
        "03/02/1985",
        "3",
        "2",
        "Parit Baru",
        "SUDAH REKAM",
        "2",
        "islam",
        "istri",
        "79466",
    ]
    path = write_csv(tmp_path / "siak.csv", header, [row], delimiter=";", bom=False)
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 0), result.first_errors
    assert result.unknown_columns == ["KODE_POS"]
    assert dict(result.columns)["nama_lgkp"] == "name"
    siti = db.session.scalar(select(Resident).where(Resident.nik == NIK_B))
    assert (siti.sex, siti.ektp_status, siti.marital_status) == ("P", 3, "KAWIN")
    assert (siti.religion, siti.family_relation, siti.rt) == ("ISLAM", "ISTRI", "003")


def test_missing_required_columns_refuse_the_whole_file(db, tmp_path):
    path = write_csv(tmp_path / "kurang.csv", ["NIK", "NAMA"], [[NIK_A, "BUDI"]])
    with pytest.raises(ImportFileError) as err:
        do_import(path)
    assert "TGL_LHR" in err.value.message and "wajib" in err.value.message
    assert count(db, Resident) == 0


def test_non_utf8_csv_is_refused_with_advice(db, tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes("nik,name,birth_date\n1,JOS\xc9,01-01-1990\n".encode("cp1252"))
    with pytest.raises(ImportFileError, match="UTF-8"):
        do_import(path)


def test_every_kind_of_bad_row_lands_in_rejects_with_its_column(db, tmp_path):
    good = [NIK_A, "", "BUDI", "L", "17-05-1990", "1", "1", "", ""]
    rows = [
        good,
        ["6.10112E+15", "", "ANI", "P", "17-05-1990", "1", "1", "", ""],
        ["61011217059", "", "ANI", "P", "17-05-1990", "1", "1", "", ""],
        [NIK_B, "", "SITI", "P", "31-02-1985", "1", "1", "", ""],
        [
            nik_for(dt.date(1991, 1, 1), "L", 5),
            "",
            "ANDI 2",
            "L",
            "01-01-1991",
            "1",
            "1",
            "",
            "",
        ],
        [
            nik_for(dt.date(1992, 1, 1), "L", 6),
            "",
            "",
            "L",
            "01-01-1992",
            "1",
            "1",
            "",
            "",
        ],
        [
            nik_for(dt.date(1993, 1, 1), "L", 7),
            "",
            "JOKO",
            "X",
            "01-01-1993",
            "1",
            "1",
            "",
            "",
        ],
        [
            nik_for(dt.date(1994, 1, 1), "L", 8),
            "123",
            "EKO",
            "L",
            "01-01-1994",
            "0",
            "1",
            "",
            "",
        ],
        [
            nik_for(dt.date(1995, 1, 1), "L", 9),
            "",
            "DONI",
            "L",
            "01-01-2099",
            "1",
            "1",
            "",
            "",
        ],
        [NIK_A, "", "BUDI LAGI", "L", "17-05-1990", "1", "1", "", ""],
    ]
    path = write_csv(tmp_path / "campur.csv", HEADER, rows)
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 9)
    rejects = read_rejects(tmp_path / "campur.csv.rejects.csv")
    assert rejects[0] == [*HEADER, "error"]
    errors = {row[0]: row[-1] for row in rejects[1:]}
    assert len(rejects) == 10
    assert "nik:" in errors["6.10112E+15"] and "Excel" in errors["6.10112E+15"]
    assert "nik: NIK harus 16 angka" in errors["61011217059"]
    assert "birth_date: Tanggal lahir 31-02-1985 tidak ada" in errors[NIK_B]
    assert "name: Nama tidak boleh berisi angka" in errors[rows[4][0]]
    assert "name: Nama wajib diisi" in errors[rows[5][0]]
    assert "sex: Jenis kelamin harus" in errors[rows[6][0]]
    kk_and_rt = errors[rows[7][0]]
    assert "kk: Nomor KK harus 16 angka" in kk_and_rt and "rt: RT harus" in kk_and_rt
    assert "masa depan" in errors[rows[8][0]]
    duplicate = [r for r in rejects[1:] if r[2] == "BUDI LAGI"][0]
    assert duplicate[-1].startswith("NIK ganda di berkas, baris 2")
    # The rejected rows keep their original cells.
    assert [r for r in rejects[1:] if r[0] == NIK_B][0][:9] == rows[3]
    assert count(db, Resident) == 1
    assert result.first_errors[0][0] == 3  # spreadsheet row numbers, header = 1


def test_nik_warnings_do_not_reject_and_are_stored(db, tmp_path):
    nik = nik_for(dt.date(1990, 5, 18), "L", 21)  # the NIK says the 18th
    path = write_csv(
        tmp_path / "w.csv",
        HEADER,
        [[nik, "", "ANDI", "L", "17-05-1990", "1", "1", "", ""]],
    )
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 0)
    andi = db.session.scalar(select(Resident).where(Resident.nik == nik))
    assert json.loads(andi.nik_warnings) == ["birth_date_mismatch"]


def test_sex_comes_from_the_nik_when_the_column_is_absent(db, tmp_path):
    nik = nik_for(dt.date(1988, 4, 12), "P", 31)
    path = write_csv(
        tmp_path / "s.csv", ["NIK", "NAMA", "TGL_LHR"], [[nik, "RINA", "12-04-1988"]]
    )
    assert do_import(path).imported == 1
    assert db.session.scalar(select(Resident.sex).where(Resident.nik == nik)) == "P"


def test_temporary_village_nik_is_flagged(db, tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        HEADER,
        [["0610112200200007", "", "TANPA NIK", "L", "01-01-2000", "1", "1", "", ""]],
    )
    assert do_import(path).imported == 1
    resident = db.session.scalar(select(Resident))
    assert resident.nik == "0610112200200007" and resident.nik_temporary is True


def _xlsx(path, header, rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_text_nik_imports_and_numeric_nik_is_refused_as_excel_damage(db, tmp_path):
    numeric = int(nik_for(dt.date(1985, 2, 3), "P", 12)[:-3] + "000")
    path = _xlsx(
        tmp_path / "data.xlsx",
        ["NIK", "NO_KK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "NO_RT", "NO_RW"],
        [
            [NIK_A, "6101120101900001", "BUDI", "L", dt.datetime(1990, 5, 17), 2, 1],
            [numeric, "6101120101900001", "SITI", "P", "03-02-1985", 2, 1],
            [NIK_B, 6101120101900001, "SITI", "P", "03-02-1985", 2, 1],
        ],
    )
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 2)
    budi = db.session.scalar(select(Resident))
    assert (budi.nik, budi.birth_date, budi.rt) == (NIK_A, BIRTH, "002")
    rejects = read_rejects(tmp_path / "data.xlsx.rejects.csv")
    assert rejects[0][-1] == "error"
    assert "NIK:" in rejects[1][-1] and "diubah Excel menjadi angka" in rejects[1][-1]
    assert "NO_KK: Nomor KK rusak karena diformat sebagai angka" in rejects[2][-1]


def test_xlsx_nik_stored_as_an_exact_16_digit_number_imports(db, tmp_path):
    assert not NIK_A.endswith("0")
    path = _xlsx(
        tmp_path / "data.xlsx",
        ["NIK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "NO_RT", "NO_RW"],
        [[int(NIK_A), "BUDI", "L", dt.datetime(1990, 5, 17), 2, 1]],
    )
    result = do_import(path)
    assert (result.imported, result.rejected) == (1, 0)
    assert db.session.scalar(select(Resident.nik)) == NIK_A


def test_the_rejects_file_keeps_the_uploads_separator_and_speaks_indonesian(
    db, tmp_path
):
    bad = [NIK_B, "", "SITI", "P", "31-02-1985", "1", "1", "", ""]
    path = write_csv(tmp_path / "semi.csv", HEADER, [ROW_A, bad], delimiter=";")
    assert do_import(path).rejected == 1
    raw = (tmp_path / "semi.csv.rejects.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(raw.splitlines(), delimiter=";"))
    assert rows[0] == [*HEADER, "error"]
    assert rows[1][0] == NIK_B
    assert "tidak ada di kalender" in rows[1][-1]


def test_zip_bombs_and_oversized_files_are_refused(db, tmp_path, monkeypatch):
    path = _xlsx(tmp_path / "x.xlsx", ["NIK", "NAMA", "TGL_LHR"], [[NIK_A, "B", "x"]])
    monkeypatch.setattr(importer.reading, "MAX_XLSX_UNCOMPRESSED", 1000)
    with pytest.raises(ImportFileError, match="terlalu besar"):
        importer.read_table(path)
    monkeypatch.setattr(importer.reading, "MAX_FILE_BYTES", 10)
    with pytest.raises(ImportFileError, match="terlalu besar"):
        importer.read_table(write_csv(tmp_path / "b.csv", HEADER, [ROW_A]))


def test_a_zip_that_inflates_suspiciously_is_refused(db, tmp_path):
    import zipfile

    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (17 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportFileError, match="mengembang"):
        importer.read_table(path)


def test_formula_looking_cells_are_escaped_in_the_rejects_file(db, tmp_path):
    row = ['=HYPERLINK("http://x")', "", "+CMD", "L", "@SUM(1)", "-1", "1", "", ""]
    path = write_csv(tmp_path / "f.csv", HEADER, [row])
    result = do_import(path)
    assert result.rejected == 1
    cells = read_rejects(tmp_path / "f.csv.rejects.csv")[1]
    assert cells[0] == '\'=HYPERLINK("http://x")'
    assert (cells[2], cells[4], cells[5]) == ("'+CMD", "'@SUM(1)", "'-1")
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_strict_commits_nothing_when_a_row_is_rejected(db, tmp_path):
    bad = [NIK_B, "", "SITI", "P", "99-99-1985", "1", "1", "", ""]
    path = write_csv(tmp_path / "s.csv", HEADER, [ROW_A, bad])
    result = do_import(path, strict=True, chunk_size=1)
    assert (result.imported, result.rejected, result.committed) == (0, 1, False)
    assert count(db, Resident) == count(db, Area) == import_audits(db) == 0
    assert (tmp_path / "s.csv.rejects.csv").exists()


def test_dry_run_commits_nothing_but_counts(db, tmp_path, make_resident):
    make_resident(nik=NIK_A, name="BUDI SANTOSO", birth_date=BIRTH, kk=None)
    path = write_csv(tmp_path / "d.csv", HEADER, [ROW_A, ROW_B])
    result = do_import(path, dry_run=True)
    assert (result.imported, result.updated, result.committed) == (1, 1, False)
    assert count(db, Resident) == 1 and count(db, ResidentChange) == 0


def test_a_crash_after_the_first_chunk_leaves_the_database_as_it_was(
    db, tmp_path, make_resident, monkeypatch
):
    old = make_resident(nik=NIK_A, name="BUDI LAMA", birth_date=BIRTH)
    rows = [ROW_A, ROW_B] + [
        [
            nik_for(dt.date(2000, 1, 1), "L", n),
            "",
            f"WARGA {chr(65 + n)}",
            "L",
            "01-01-2000",
            "9",
            "9",
            "Baru",
            "",
        ]
        for n in range(1, 6)
    ]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    flushes = []
    original = importer.running._Job._flush

    def failing_flush(self, chunk):
        original(self, chunk)
        flushes.append(len(chunk))
        if len(flushes) == 2:
            raise RuntimeError("listrik padam")

    monkeypatch.setattr(importer.running._Job, "_flush", failing_flush)
    with pytest.raises(RuntimeError):
        do_import(path, chunk_size=2)
    assert flushes == [2, 2]  # rows were written before the crash
    db.session.rollback()
    assert db.session.scalars(select(Resident.nik)).all() == [old.nik]
    assert db.session.scalar(select(Resident.name)) == "BUDI LAMA"
    assert count(db, ResidentChange) == import_audits(db) == 0
    assert db.session.scalar(select(Area).where(Area.rw == "009")) is None
    assert not (tmp_path / "c.csv.rejects.csv").exists()


def test_reimporting_the_same_file_changes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "r.csv", HEADER, [ROW_A, ROW_B])
    do_import(path)
    before = db.session.execute(select(Resident.nik, Resident.updated_at)).all()
    again = do_import(path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    assert count(db, ResidentChange) == 0
    assert db.session.execute(select(Resident.nik, Resident.updated_at)).all() == before


def test_an_update_writes_one_history_row_per_changed_field(db, tmp_path):
    do_import(write_csv(tmp_path / "a.csv", HEADER, [ROW_A]))
    changed = [*ROW_A]
    changed[2], changed[5], changed[8] = "BUDI SANTOSO RAHMAN", "3", ""
    result = do_import(write_csv(tmp_path / "b.csv", HEADER, [changed]))
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 0)
    budi = db.session.scalar(select(Resident))
    assert budi.name == budi.name_key == "BUDI SANTOSO RAHMAN"
    assert budi.rt == "003"
    assert budi.phone == "+6281234567890", "an empty cell keeps the stored value"
    history = db.session.scalars(
        select(ResidentChange).order_by(ResidentChange.field)
    ).all()
    assert [(h.field, h.before, h.after) for h in history] == [
        ("name", "BUDI SANTOSO", "BUDI SANTOSO RAHMAN"),
        ("rt", "002", "003"),
    ]
    assert {(h.reason, h.changed_by) for h in history} == {
        ("impor b.csv", "Petugas Uji")
    }
    assert db.session.scalar(select(Area).where(Area.rt == "003")) is not None


def test_life_status_of_an_existing_resident_is_not_changed_by_an_import(
    db, tmp_path, make_resident
):
    make_resident(nik=NIK_A, name="BUDI", birth_date=BIRTH, life_status="deceased")
    header = ["nik", "name", "birth_date", "life_status"]
    result = do_import(
        write_csv(tmp_path / "l.csv", header, [[NIK_A, "BUDI", "17-05-1990", "active"]])
    )
    assert result.unchanged == 1
    assert db.session.scalar(select(Resident.life_status)) == "deceased"


def test_preview_maps_columns_and_checks_the_first_rows(db, tmp_path):
    bad = [NIK_B, "", "SITI", "P", "kemarin", "1", "1", "", ""]
    path = write_csv(tmp_path / "p.csv", [*HEADER, "CATATAN"], [ROW_A, bad], bom=False)
    result = importer.preview(path, command_actor().today)
    assert (result.kind, result.delimiter, result.total_estimate) == ("csv", ",", 2)
    assert (result.checked, result.valid) == (2, 1)
    assert result.unknown_columns == ["CATATAN"]
    assert result.errors[0][0] == 3 and "birth_date:" in result.errors[0][1]
    assert count(db, Resident) == 0


COMPARED = [
    c.name
    for c in Resident.__table__.columns
    if c.name not in ("id", "created_at", "updated_at", "pin_hash", "pin_epoch")
]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_register_gives_identical_rows(
    db, tmp_path, suffix
):
    header = [
        *HEADER,
        "religion",
        "marital_status",
        "family_relation",
        "occupation",
        "education",
        "address",
        "birth_place",
        "ektp_status",
        "citizenship",
        "life_status",
    ]
    extra = [
        "ISLAM",
        "KAWIN",
        "KEPALA KELUARGA",
        "PETANI/PEKEBUN",
        "SLTA/SEDERAJAT",
        "=Jl. Parit Baru",
        "SAMBAS",
        "8",
        "WNI",
        "active",
    ]
    mismatch = nik_for(dt.date(1970, 1, 2), "L", 41)
    rows = [
        ROW_A + extra,
        ROW_B + ["KRISTEN", "", "ISTRI", "", "", "", "", "", "", "deceased"],
        [
            mismatch,
            "",
            "ABDUL",
            "L",
            "01-01-1970",
            "",
            "",
            "",
            "+60123456789",
            "",
            "",
            "",
            "",
            "",
            "-",
            "",
            "2",
            "WNA",
            "moved",
        ],
        [
            "0610112200200003",
            "",
            "TANPA NIK",
            "P",
            "01-01-2001",
            "1",
            "1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    do_import(write_csv(tmp_path / "asal.csv", header, rows))
    stmt = select(*(Resident.__table__.c[n] for n in COMPARED)).order_by(Resident.nik)
    original = db.session.execute(stmt).all()
    assert len(original) == 4
    assert [r.nik_warnings for r in original if r.nik == mismatch] == [
        '["birth_date_mismatch"]'
    ]

    exported = tmp_path / f"ekspor.{suffix}"
    assert export_residents(exported) == 4
    db.session.execute(delete(ResidentChange))
    db.session.execute(delete(Resident))
    db.session.execute(delete(Area))
    db.session.commit()

    result = do_import(exported)
    assert (result.imported, result.rejected) == (4, 0), result.first_errors
    assert result.unknown_columns == []
    assert db.session.execute(stmt).all() == original


def test_xlsx_export_keeps_nik_and_kk_as_text_cells(db, tmp_path):
    from openpyxl import load_workbook

    do_import(write_csv(tmp_path / "a.csv", HEADER, [ROW_A]))
    export_residents(tmp_path / "e.xlsx")
    sheet = load_workbook(tmp_path / "e.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == list(importer.IMPORT_COLUMNS)
    nik, kk = sheet.cell(2, 1), sheet.cell(2, 2)
    assert (nik.value, nik.data_type, nik.number_format) == (NIK_A, "s", "@")
    assert (kk.value, kk.data_type) == ("6101120101900001", "s")


def test_progress_moves_through_a_file_of_rejected_rows(db, tmp_path):
    rows = [
        [f"61011201019000{i:02d}", f"WARGA {i}", "L", "01-01-1990"] for i in range(6)
    ]
    path = write_csv(tmp_path / "tolak.csv", ["nik", "name", "sex", "birth_date"], rows)
    calls = []
    result = do_import(
        path, chunk_size=2, progress=lambda done, total: calls.append(done)
    )
    assert result.rejected == 6 and result.imported == 0
    assert calls[:3] == [2, 4, 6]  # not only once at the end
