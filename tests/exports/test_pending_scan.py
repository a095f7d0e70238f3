"""The pending list read through its partial index: nobody dropped, the same order,
the same escaped cells, the batch carrying exactly the file's residents."""

from __future__ import annotations

import csv
import datetime as dt
from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert, select

from desa.core.spreadsheet import FORMULA_START, safe_cell
from desa.exports import pending
from desa.exports.models import ExportBatchItem
from desa.residents.models import LIFE_STATUSES, MARITAL_STATUSES, Resident
from desa.residents.rules import is_pending_recording

from .conftest import TODAY

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
DAYS = [TODAY, TODAY + dt.timedelta(days=1), dt.date(2027, 2, 28)]
# Around the 17th birthday on each of DAYS.
BIRTHDAYS = [
    dt.date(2009, 11, 23),
    dt.date(2009, 11, 24),
    dt.date(2009, 11, 25),
    dt.date(2010, 2, 28),
    dt.date(2010, 3, 1),
]
# Text that sorts apart, ties on the upper-cased key, or starts a formula.
NAMES = ["ANI", "ani", "BUDI", "Budi, S.Pd", "=SUM(A1)", "+62", "-X", "@A", "\tTAB"]
person = st.fixed_dictionaries(
    {
        "name": st.sampled_from(NAMES),
        "sex": st.sampled_from(["L", "P"]),
        "kk": st.sampled_from([None, "6101120101000001", "6101120101000002", "=KK"]),
        "birth_place": st.sampled_from([None, "SAMBAS", "PEMANGKAT", "-SAMBAS"]),
        "birth_date": st.one_of(
            st.none(),
            st.sampled_from(BIRTHDAYS),
            st.dates(dt.date(1940, 1, 1), dt.date(2026, 11, 23)),
        ),
        "marital_status": st.sampled_from([None, *MARITAL_STATUSES]),
        "citizenship": st.sampled_from(["WNI", "WNI", "WNI", "WNA"]),
        "life_status": st.sampled_from(["active"] * 4 + list(LIFE_STATUSES)),
        "ektp_status": st.sampled_from([None, 1, 2] * 3 + [3, 4, 5, 6, 7, 8]),
        "address": st.sampled_from([None, "JL. SAMBAS, NO. 1", "+62 jalan", '"A"']),
        "rw": st.sampled_from([None, "001", "002", "=1"]),
        "rt": st.sampled_from([None, "001", "002", "-2"]),
        "dusun": st.sampled_from([None, "Tanjung", "Sungai Bedung", "@Dusun"]),
    }
)


def _insert(people: list[dict]) -> None:
    from desa.extensions import db

    rows = [
        {**p, "nik": f"6101120101{n:06d}", "name_key": p["name"].upper()}
        for n, p in enumerate(people, start=1)
    ]
    if rows:
        db.session.execute(insert(Resident.__table__), rows)


def _expected_ids(day: dt.date) -> list[int]:
    """Who the rules put on the list (in Python), in the database's own order of
    RW, RT, name and id (its collation and NULL placement), read without the
    pending WHERE, so that no partial index can be used."""
    from desa.extensions import db

    everyone = db.session.scalars(
        select(Resident).order_by(
            Resident.rw, Resident.rt, Resident.name_key, Resident.id
        )
    )
    return [r.id for r in everyone if is_pending_recording(r, day)]


@SETTINGS
@given(
    people=st.lists(person, max_size=25),
    day=st.sampled_from(DAYS),
)
def test_the_list_is_the_rule_in_export_order(db, actor, people, day):
    _insert(people)
    try:
        rows = list(pending.iter_rows(actor(today=day)))
        assert [rid for rid, _cells in rows] == _expected_ids(day)
        # The files' cells are the same cells, escaped as safe_cell escapes them.
        ids = array("q")
        escaped = list(pending.file_rows(actor(today=day), ids))
        assert list(ids) == [rid for rid, _cells in rows]
        assert escaped == [[safe_cell(v) for v in cells] for _rid, cells in rows]
    finally:
        db.session.rollback()


# A pending_select row: id, nik, kk, name, sex, birth_place, birth_date, address,
# rt, rw, dusun, ektp_status, booked session date.
ROW = (
    7,
    "6101120101000001",
    "6101120101000002",
    "ANI",
    "P",
    "SAMBAS",
    dt.date(1990, 5, 17),
    "JL. SAMBAS",
    "002",
    "001",
    "Tanjung",
    2,
    dt.date(2026, 12, 2),
)
PLACE = pending.Place("61.01.12.2002", "MERUBUNG", "TEKARANG")
# Where each row field lands in the section 7 columns.
TEXT_FIELDS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 7: 8, 8: 9, 9: 10, 10: 11}


def test_a_file_row_as_the_section_7_columns():
    cells = pending.cell_maker(TODAY, PLACE, escaped=True)(ROW, 1)
    assert cells == [
        1,
        "6101120101000001",
        "6101120101000002",
        "ANI",
        "PEREMPUAN",
        "SAMBAS",
        "17-05-1990",
        36,
        "JL. SAMBAS",
        "002",
        "001",
        "Tanjung",
        "61.01.12.2002",
        "MERUBUNG",
        "TEKARANG",
        2,
        "02-12-2026",
    ]
    empty = (7, "6101120101000001", None, "ANI", "L", *[None] * 8)
    cells = pending.cell_maker(TODAY, PLACE, escaped=True)(empty, 2)
    assert cells[:5] == [2, "6101120101000001", None, "ANI", "LAKI-LAKI"]
    assert cells[5:12] == [None] * 7 and cells[15:] == [None, None]


def test_each_text_cell_of_a_file_is_escaped_alone():
    escaped = pending.cell_maker(TODAY, PLACE, escaped=True)
    plain = pending.cell_maker(TODAY, PLACE)
    for field, column in TEXT_FIELDS.items():
        for start in FORMULA_START:
            row = list(ROW)
            row[field] = start + "X"
            expected = plain(tuple(row), 1)
            # The JSON pages (not a spreadsheet) keep the text as it is.
            assert expected[column] == start + "X"
            expected[column] = "'" + start + "X"
            assert escaped(tuple(row), 1) == expected, (pending.COLUMNS[column], start)


def test_the_village_columns_are_escaped_too():
    place = pending.Place("=61", "+MERUBUNG", "-TEKARANG")
    cells = pending.cell_maker(TODAY, place, escaped=True)(ROW, 1)
    assert cells[12:15] == ["'=61", "'+MERUBUNG", "'-TEKARANG"]
    assert cells[1:12] == pending.cell_maker(TODAY, place)(ROW, 1)[1:12]


def test_the_batch_carries_exactly_the_residents_in_the_file(app, village, actor):
    from desa.extensions import db

    with app.app_context():
        batch = pending.export_pending(
            actor(), "csv", only_new=False, instance_path=app.instance_path
        )
        db.session.commit()
        path = pending.stored_file(batch, app.instance_path)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            niks = [row["NIK"] for row in csv.DictReader(fh)]
        carried = db.session.scalars(
            select(Resident.nik)
            .join(ExportBatchItem, ExportBatchItem.resident_id == Resident.id)
            .where(ExportBatchItem.batch_id == batch.id)
        ).all()
    assert len(niks) == batch.rows == 5
    assert sorted(carried) == sorted(niks)


def _sent(db, stmt) -> tuple[str, object]:
    """The SQL and parameters the driver receives for `stmt`."""
    seen = []

    def capture(_conn, _cursor, sql, params, _context, _many):
        seen.append((sql, params))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        db.session.execute(stmt).all()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen[-1]


@pytest.mark.parametrize("only_new", [False, True])
def test_the_list_is_one_ordered_scan_of_the_pending_index(
    db, village, actor, only_new
):
    stmt = pending.pending_select(actor(), only_new=only_new)
    sql, params = _sent(db, stmt)
    # The constants of the index's WHERE are in the text, never parameters.
    assert "life_status = 'active'" in sql and "IN (1, 2)" in sql
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        plan = [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
        assert any("COVERING INDEX ix_residents_pending" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan
    else:
        # A table this small is cheaper to read whole; what matters is that the
        # index can serve the query, in its order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
        assert "using ix_residents_pending" in plan, plan
        assert "Sort" not in plan, plan
