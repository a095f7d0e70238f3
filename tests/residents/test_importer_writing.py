"""How an import reaches the database: whole or not at all, on either engine.

On PostgreSQL the rows are streamed with COPY; these tests hold both writers to
the same outcome: every chunk or none, an existing NIK updated (also one another
session added meanwhile), any text stored as checked, a failure half-way through
leaving the register as it was and the job failed with one Indonesian sentence.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import PG_URL, nik_for
from sqlalchemy import create_engine, func, insert, select, text

from desa.residents import import_job
from desa.residents.importer import writing
from desa.residents.importer.columns import ImportWriteError
from desa.residents.models import (
    Area,
    ImportJob,
    ImportJobStatus,
    Resident,
    ResidentChange,
)

from .test_importer import count, do_import, import_audits, write_csv

HEADER = ["nik", "name", "sex", "birth_date", "rt", "rw", "dusun", "address"]
pg_only = pytest.mark.skipif(PG_URL is None, reason="PostgreSQL's COPY path")


def rows(n, *, start=1, name="WARGA"):
    """`n` valid rows in RT 001/00x; names without digits, as the parser wants."""
    out = []
    for i in range(start, start + n):
        birth = dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
        out.append(
            [
                nik_for(birth, "L", i),
                f"{name} {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}",
                "L",
                birth.strftime("%d-%m-%Y"),
                "1",
                str(1 + i % 3),
                "Sungai Bedung",
                f"Jl. Uji {i}",
            ]
        )
    return out


def test_an_import_of_several_chunks_applies_whole(db, tmp_path):
    data = rows(7)
    path = write_csv(tmp_path / "warga.csv", HEADER, data)
    result = do_import(path, chunk_size=3)
    assert (result.imported, result.updated, result.rejected) == (7, 0, 0)
    stored = db.session.execute(
        select(
            Resident.nik, Resident.name, Resident.name_key, Resident.created_at
        ).order_by(Resident.id)
    ).all()
    # In the file's order, each with the import's defaults filled in.
    assert [r.nik for r in stored] == [row[0] for row in data]
    assert all(r.name == r.name_key for r in stored)
    assert len({r.created_at for r in stored}) == 1
    first = db.session.scalar(select(Resident).order_by(Resident.id).limit(1))
    assert (first.citizenship, first.life_status, first.nik_warnings) == (
        "WNI",
        "active",
        "[]",
    )
    assert first.nik_temporary is False and first.disabled is False
    assert first.pin_epoch == 0 and first.pin_hash is None
    assert first.updated_at == first.created_at
    assert count(db, Area) == 3 and import_audits(db) == 1


def test_an_existing_nik_is_updated_not_duplicated(db, tmp_path, make_resident):
    data = rows(5)
    birth = dt.datetime.strptime(data[3][3], "%d-%m-%Y").date()
    old = make_resident(
        nik=data[3][0], birth_date=birth, name="NAMA LAMA", rt="009", address=None
    )
    data[3][1] = "NAMA BARU"
    path = write_csv(tmp_path / "warga.csv", HEADER, data)
    result = do_import(path, chunk_size=2)
    assert (result.imported, result.updated, result.rejected) == (4, 1, 0)
    assert count(db, Resident) == 5
    resident = db.session.get(Resident, old.id)
    assert (resident.name, resident.name_key, resident.rt, resident.rw) == (
        "NAMA BARU",
        "NAMA BARU",
        "001",
        "002",
    )
    assert resident.updated_at > resident.created_at
    changes = db.session.execute(
        select(ResidentChange.field, ResidentChange.before, ResidentChange.after)
        .where(ResidentChange.resident_id == old.id)
        .order_by(ResidentChange.field)
    ).all()
    assert [tuple(c) for c in changes] == [
        ("address", None, "Jl. Uji 4"),
        ("name", "NAMA LAMA", "NAMA BARU"),
        ("rt", "009", "001"),
        ("rw", "001", "002"),
    ]
    reason = db.session.scalars(select(ResidentChange.reason).distinct()).all()
    assert reason == ["impor warga.csv"]


@pg_only
def test_a_nik_another_session_adds_meanwhile_is_updated(
    app, db, tmp_path, monkeypatch
):
    data = rows(6)
    late = data[4]
    path = write_csv(tmp_path / "warga.csv", HEADER, data)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    copy_in = writing.PostgresWriter.insert

    def insert_after_a_clerk(self, new_rows, taken):
        # The register was looked up already: a clerk adds one of the file's NIKs
        # and commits before the import's rows arrive.
        if any(row[0] == late[0] for row in new_rows):
            with engine.begin() as other:
                other.execute(
                    insert(Resident.__table__),
                    {
                        "nik": late[0],
                        "nik_temporary": False,
                        "name": "DARI LOKET",
                        "name_key": "DARI LOKET",
                        "sex": "L",
                        "birth_date": dt.datetime.strptime(late[3], "%d-%m-%Y").date(),
                        "citizenship": "WNI",
                        "life_status": "active",
                        "pin_epoch": 0,
                        "created_at": dt.datetime(2026, 1, 1),
                        "updated_at": dt.datetime(2026, 1, 1),
                    },
                )
        return copy_in(self, new_rows, taken)

    monkeypatch.setattr(writing.PostgresWriter, "insert", insert_after_a_clerk)
    try:
        result = do_import(path, chunk_size=4)
    finally:
        engine.dispose()
    assert (result.imported, result.updated, result.rejected) == (5, 1, 0)
    matches = db.session.scalars(select(Resident).where(Resident.nik == late[0])).all()
    assert len(matches) == 1
    assert (matches[0].name, matches[0].rt, matches[0].address) == (
        late[1],
        "001",
        late[7],
    )
    history = db.session.scalars(
        select(ResidentChange.field).where(ResidentChange.resident_id == matches[0].id)
    ).all()
    assert sorted(history) == ["address", "dusun", "name", "rt", "rw"]
    assert count(db, Resident) == 6


def _job(db, path):
    job = ImportJob(
        filename=path.name,
        stored_path=str(path),
        created_by="Petugas Uji",
        status=ImportJobStatus.RUNNING,
    )
    db.session.add(job)
    db.session.commit()
    return job.id


def _assert_nothing_saved(db, job_id, before):
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert job.status == ImportJobStatus.FAILED
    assert job.error == ImportWriteError().message
    assert "tidak ada data penduduk yang diubah" in job.error
    assert job.imported == 0 and job.processed == 0
    assert count(db, Resident) == before
    assert count(db, ResidentChange) == 0 and count(db, Area) == 0
    assert import_audits(db) == 0


def test_a_failure_half_way_through_the_second_chunk_saves_nothing(
    app, db, tmp_path, monkeypatch
):
    path = write_csv(tmp_path / "warga.csv", HEADER, rows(10))
    job_id = _job(db, path)
    _run_job_with_chunks(monkeypatch, 4)
    cls = writing.PostgresWriter if PG_URL else writing.SqliteWriter
    write = cls.insert
    calls = []

    def fail_in_the_second_chunk(self, new_rows, taken):
        calls.append(len(new_rows))
        if len(calls) < 2:
            return write(self, new_rows, taken)
        write(self, new_rows[: len(new_rows) // 2], taken)
        self.flush()
        # What the database answers for a statement it cannot run.
        self.conn.exec_driver_sql("SELECT * FROM no_such_table_here")
        raise AssertionError("the failing statement did not fail")

    monkeypatch.setattr(cls, "insert", fail_in_the_second_chunk)
    assert import_job.run_job(app, job_id) == 1
    assert calls == [4, 4]
    _assert_nothing_saved(db, job_id, 0)
    directory = import_job.job_dir(app.instance_path, job_id)
    assert not (directory / import_job.REJECTS_FILE).exists()


def _run_job_with_chunks(monkeypatch, size):
    """run_job imports with the default chunk size; these tests want small ones."""
    from desa.residents.importer import running

    original = running.run_import

    def small_chunks(*args, **kwargs):
        kwargs.setdefault("chunk_size", size)
        return original(*args, **kwargs)

    monkeypatch.setattr("desa.residents.importer.run_import", small_chunks)


@pg_only
def test_a_copy_broken_off_mid_stream_saves_nothing(
    app, db, tmp_path, monkeypatch, make_resident
):
    import psycopg

    existing = make_resident(name="SUDAH ADA")
    data = rows(10)
    data.append([existing.nik, "NAMA BARU", "L", "17-05-1990", "2", "1", "", ""])
    path = write_csv(tmp_path / "warga.csv", HEADER, data)
    job_id = _job(db, path)
    _run_job_with_chunks(monkeypatch, 4)
    sent = []
    write_row = psycopg.Copy.write_row

    def cut_off(self, row):
        sent.append(row)
        if len(sent) == 6:  # the middle of the second chunk
            raise psycopg.errors.QueryCanceled("canceling statement due to timeout")
        return write_row(self, row)

    monkeypatch.setattr(psycopg.Copy, "write_row", cut_off)
    assert import_job.run_job(app, job_id) == 1
    assert len(sent) == 6
    _assert_nothing_saved(db, job_id, 1)
    assert db.session.get(Resident, existing.id).name == "SUDAH ADA"
    # The session's connection came back usable.
    assert db.session.scalar(text("SELECT 1")) == 1


@pg_only
def test_a_move_refused_in_the_writers_thread_saves_nothing(
    app, db, tmp_path, monkeypatch
):
    path = write_csv(tmp_path / "warga.csv", HEADER, rows(10))
    job_id = _job(db, path)
    _run_job_with_chunks(monkeypatch, 4)
    move = writing.PostgresWriter._move_new
    threads = []

    def refused_the_second_time(self):
        import threading

        threads.append(threading.current_thread().name)
        if len(threads) == 2:
            with self.driver.cursor() as cur:
                cur.execute("SET LOCAL statement_timeout = 1")
                cur.execute("SELECT pg_sleep(1)")
        return move(self)

    monkeypatch.setattr(writing.PostgresWriter, "_move_new", refused_the_second_time)
    assert import_job.run_job(app, job_id) == 1
    assert len(threads) == 2 and threads[0].startswith("desa-import")
    _assert_nothing_saved(db, job_id, 0)


def test_the_cli_reports_a_failed_write_in_one_sentence(
    app, runner, tmp_path, monkeypatch
):
    from desa.extensions import db

    path = write_csv(tmp_path / "warga.csv", HEADER, rows(3))

    def refused(self, new_rows, taken):
        self.conn.exec_driver_sql("SELECT * FROM no_such_table_here")

    for cls in (writing.SqliteWriter, writing.PostgresWriter):
        monkeypatch.setattr(cls, "insert", refused)
    result = runner.invoke(args=["resident", "import", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == ImportWriteError().message
    with app.app_context():
        assert count(db, Resident) == 0


SPECIAL = [
    'Jl. "Mawar" \\ No. 5',  # quotes and a backslash
    "\\N",  # COPY text's NULL marker, as text
    "C:\\data\\new",  # backslash sequences COPY text would read as escapes
    "Élodie Gang Ñandú 😀 东",  # non-ASCII, a 4-byte character
    "Kp.\tBaru\r\nRT 1",  # tab, CR, LF: one line, single spaces (fields.text)
    "'=1+1",  # our exports' quote before a formula comes off again
    "a,b;c|d",
]
EXPECTED = [
    'Jl. "Mawar" \\ No. 5',
    "\\N",
    "C:\\data\\new",
    "Élodie Gang Ñandú 😀 东",
    "Kp. Baru RT 1",
    "=1+1",
    "a,b;c|d",
]


def test_special_characters_are_stored_exactly_as_checked(db, tmp_path):
    data = rows(len(SPECIAL))
    for row, value in zip(data, SPECIAL, strict=True):
        row[7] = value  # address
        row[6] = value  # dusun
    path = write_csv(tmp_path / "aneh.csv", HEADER, data)
    result = do_import(path, chunk_size=3)
    assert (result.imported, result.rejected) == (len(SPECIAL), 0), result.first_errors
    stored = db.session.execute(
        select(Resident.address, Resident.dusun).order_by(Resident.id)
    ).all()
    assert [r.address for r in stored] == EXPECTED
    assert [r.dusun for r in stored] == EXPECTED
    # The same text through the update path (COPY into a staging table).
    for row, value in zip(data, SPECIAL, strict=True):
        row[7] = value + " \\"
    path = write_csv(tmp_path / "aneh2.csv", HEADER, data)
    result = do_import(path, chunk_size=3)
    assert result.updated == len(SPECIAL)
    stored = db.session.scalars(select(Resident.address).order_by(Resident.id)).all()
    assert stored == [e + " \\" for e in EXPECTED]
    history = db.session.scalars(
        select(ResidentChange.after).order_by(ResidentChange.id)
    ).all()
    assert history == [e + " \\" for e in EXPECTED]


def test_a_nik_stays_text_with_its_leading_digits(db, tmp_path):
    temporary = "0610112200200007"
    data = rows(2)
    data.append([temporary, "TANPA NIK", "P", "01-01-2000", "1", "1", "", ""])
    path = write_csv(tmp_path / "nol.csv", HEADER, data)
    result = do_import(path, chunk_size=2)
    assert (result.imported, result.rejected) == (3, 0), result.first_errors
    nik, temporary_flag = db.session.execute(
        select(Resident.nik, Resident.nik_temporary).where(Resident.name == "TANPA NIK")
    ).one()
    assert nik == temporary and temporary_flag is True
    assert db.session.scalar(select(func.count()).where(Resident.nik.like("0%"))) == 1


def test_the_figures_tallies_follow_an_import(db, tmp_path, make_resident):
    """New rows (COPY on PostgreSQL) and updated ones move the tallies the
    figures read, in the import's own transaction."""
    from exports.test_tallies import _recounted, _tallies

    data = rows(9)
    birth = dt.datetime.strptime(data[2][3], "%d-%m-%Y").date()
    make_resident(nik=data[2][0], birth_date=birth, rt="009", ektp_status=3)
    path = write_csv(tmp_path / "warga.csv", HEADER, data)
    result = do_import(path, chunk_size=4)
    assert (result.imported, result.updated) == (8, 1)
    assert _tallies() == _recounted()
    assert sum(_tallies().values()) == 9
