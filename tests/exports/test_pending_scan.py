"""The pending list read through its partial index: nobody dropped, the same order."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert, select

from desa.exports import pending
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
    finally:
        db.session.rollback()


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
