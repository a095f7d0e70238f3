"""Keyset pages (desa/core/pages.py): every row once, in order, however one walks.

Driven straight through `keyset_page` over residents, on SQLite and PostgreSQL:
walking forwards and backwards by cursors, jumping by page number from either
end, ties in the first key column, NULLs in a nullable one, rows added and
removed between pages, and cursors that were changed or made for another list.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from desa.core import pages
from desa.core.pages import BadCursor, Key, keyset_page, make_cursor, read_cursor
from desa.residents.models import Resident

KEY = Key((Resident.name_key, Resident.id))
AREA_KEY = Key((Resident.rw, Resident.rt, Resident.name_key, Resident.id))
NEWEST = Key((Resident.id,), descending=True)
CONTEXT = "uji"
_niks = itertools.count(1)


def add(db, names, **columns):
    """Inserts residents named `names` (duplicates welcome); returns their ids."""
    if not names:
        return []
    rows = [
        {
            "nik": f"6101120101{next(_niks):06d}",
            "nik_temporary": False,
            "name": name,
            "name_key": name,
            "sex": "L",
            "citizenship": "WNI",
            "life_status": "active",
            "nik_warnings": "[]",
            "disabled": False,
            "pin_epoch": 0,
            "rw": "001",
            "rt": "001",
            "created_at": dt.datetime(2026, 1, 1),
            "updated_at": dt.datetime(2026, 1, 1),
        }
        | columns
        for name in names
    ]
    return list(db.session.scalars(insert(Resident).returning(Resident.id), rows).all())


def ordered(db, key=KEY):
    return list(db.session.scalars(select(Resident.id).order_by(*key.order_by())))


def ids(page):
    return [r.id for r in page.items]


def walk_forward(db, per_page, key=KEY, stmt=None, between=None):
    """Every id met following the next cursors from page 1."""
    stmt = stmt if stmt is not None else select(Resident)
    page = keyset_page(stmt, key, per_page=per_page, context=CONTEXT)
    seen = ids(page)
    while page.next_cursor:
        if between:
            between()
        cursor = read_cursor(page.next_cursor, key, CONTEXT)
        page = keyset_page(stmt, key, per_page=per_page, context=CONTEXT, cursor=cursor)
        seen += ids(page)
        assert len(page.items) <= per_page
    return seen


def test_next_cursors_walk_every_row_once_in_order_with_ties(db):
    # Three names for 23 people: the id breaks the ties.
    add(db, ["SITI"] * 9 + ["ANI"] * 7 + ["BUDI"] * 7)
    for per_page in (1, 2, 5, 7, 22, 23, 50):
        assert walk_forward(db, per_page) == ordered(db), per_page


def test_before_cursors_walk_back_to_the_first_page(db):
    add(db, [f"WARGA {i % 4}" for i in range(17)])
    expected = ordered(db)
    last = keyset_page(select(Resident), KEY, per_page=5, context=CONTEXT, page=4)
    assert ids(last) == expected[15:] and last.page == 4 and last.next_cursor is None
    seen, page = [ids(last)], last
    while page.prev_cursor:
        cursor = read_cursor(page.prev_cursor, KEY, CONTEXT)
        page = keyset_page(
            select(Resident), KEY, per_page=5, context=CONTEXT, cursor=cursor
        )
        seen.insert(0, ids(page))
        assert page.next_cursor is not None  # the way forward again
    assert page.page == 1 and seen[0] == expected[:5]
    assert sum(seen, []) == expected


@pytest.mark.parametrize("per_page", [1, 3, 10])
def test_a_page_by_number_is_the_same_rows_as_offset(db, per_page):
    add(db, ["ZAINAB", "ANI", "ANI", "BUDI", "ANI", "CITRA", "ZAINAB"] * 3)
    expected = ordered(db)
    pages_count = -(-len(expected) // per_page)
    for number in range(1, pages_count + 2):
        page = keyset_page(
            select(Resident), KEY, per_page=per_page, context=CONTEXT, page=number
        )
        start = (number - 1) * per_page
        assert ids(page) == expected[start : start + per_page], number
        assert page.total == len(expected) and page.pages == pages_count
        assert page.has_prev == (1 < number <= pages_count)
        assert page.has_next == (number < pages_count)


def test_descending_keys_and_the_filters_of_the_select(db):
    add(db, ["A", "B", "C", "D", "E"], rt="001")
    add(db, ["F", "G"], rt="009")
    stmt = select(Resident).where(Resident.rt == "001")
    in_rt = set(db.session.scalars(select(Resident.id).where(Resident.rt == "001")))
    in_rt = [i for i in ordered(db, NEWEST) if i in in_rt]
    assert walk_forward(db, 2, NEWEST, stmt) == in_rt
    page = keyset_page(stmt, NEWEST, per_page=2, context=CONTEXT, page=3)
    assert ids(page) == in_rt[4:] and page.total == 5


def test_nullable_key_columns_sort_as_the_engine_sorts_them(db):
    # rw/rt may be empty: NULL sorts first on SQLite and last on PostgreSQL, and
    # the cursor's predicate must agree with the ORDER BY either way.
    add(db, ["A", "B", "C"], rw=None, rt=None)
    add(db, ["D", "E"], rw="001", rt=None)
    add(db, ["F", "G", "H"], rw="001", rt="002")
    add(db, ["I"], rw="002", rt="001")
    expected = ordered(db, AREA_KEY)
    for per_page in (1, 2, 3, 4):
        assert walk_forward(db, per_page, AREA_KEY) == expected, per_page
        for number in range(1, 11 // per_page + 2):
            page = keyset_page(
                select(Resident),
                AREA_KEY,
                per_page=per_page,
                context=CONTEXT,
                page=number,
            )
            start = (number - 1) * per_page
            assert ids(page) == expected[start : start + per_page]


def test_rows_added_or_removed_between_pages_are_neither_repeated_nor_skipped(db):
    first = add(db, [f"WARGA {i:03d}" for i in range(0, 60, 2)])
    added = []
    turns = itertools.count()

    def meanwhile():
        n = next(turns)
        # One before the cursor (never shown now), one far after it (shown once).
        added.extend(add(db, [f"WARGA {n:03d}A", f"WARGA {59 - n:03d}B"]))
        if n == 2:
            db.session.execute(delete(Resident).where(Resident.id == first[-1]))

    seen = walk_forward(db, 4, between=meanwhile)
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen, key=lambda i: ordered(db).index(i))
    assert set(first[:-1]) <= set(seen) and first[-1] not in seen


def test_a_total_is_carried_by_the_cursor_and_counted_again_when_old(db):
    add(db, ["A", "B", "C", "D"])
    page = keyset_page(select(Resident), KEY, per_page=2, context=CONTEXT, now=1000)
    add(db, ["E", "F"])
    cursor = read_cursor(page.next_cursor, KEY, CONTEXT)
    fresh = keyset_page(
        select(Resident), KEY, per_page=2, context=CONTEXT, cursor=cursor, now=1100
    )
    assert fresh.total == 4 and fresh.has_next  # carried; the new rows still come
    later = 1000 + pages.TOTAL_TTL + 1
    stale = keyset_page(
        select(Resident), KEY, per_page=2, context=CONTEXT, cursor=cursor, now=later
    )
    assert stale.total == 6


def test_a_cursor_opens_only_for_its_own_list_and_unchanged(db):
    add(db, ["A", "B", "C"])
    token = keyset_page(select(Resident), KEY, per_page=1, context=CONTEXT).next_cursor
    assert read_cursor(token, KEY, CONTEXT).offset == 0
    changed = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (changed, token + "x", "garbage", "", "é" * 10, "A" * 5000, token[:20]):
        with pytest.raises(BadCursor):
            read_cursor(bad, KEY, CONTEXT)
    with pytest.raises(BadCursor):  # another list, filter or person
        read_cursor(token, KEY, "another list")
    with pytest.raises(BadCursor):  # a key of another shape
        read_cursor(token, NEWEST, CONTEXT)


def test_a_cursor_does_not_show_the_name_it_holds(db):
    add(db, ["RAHASIA NAMA", "RAHASIA LAIN"])
    token = keyset_page(select(Resident), KEY, per_page=1, context=CONTEXT).next_cursor
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"RAHASIA" not in raw and "RAHASIA" not in token


def test_dates_in_a_key_come_back_as_dates(db):
    key = Key((Resident.created_at, Resident.id), descending=True)
    for day in (1, 1, 2, 3, 3, 3):
        add(db, ["X"], created_at=dt.datetime(2026, 1, day, 8, 30, 15, 250))
    expected = ordered(db, key)
    assert walk_forward(db, 2, key) == expected
    token = make_cursor("a", [dt.datetime(2026, 1, 2, 8, 30), 5], 0, 1, CONTEXT)
    assert read_cursor(token, key, CONTEXT).values == [
        dt.datetime(2026, 1, 2, 8, 30),
        5,
    ]


name_lists = st.lists(
    st.sampled_from(["ANI", "BUDI", "BUDI S", "Z", "A B"]), max_size=30
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(names=name_lists, per_page=st.integers(1, 8))
def test_any_list_walks_whole_by_cursor_and_by_number(db, names, per_page):
    try:
        add(db, names)
        expected = ordered(db)
        assert walk_forward(db, per_page) == expected
        number = max(1, len(expected) // per_page)  # a deep page, from the far end
        page = keyset_page(
            select(Resident), KEY, per_page=per_page, context=CONTEXT, page=number
        )
        start = (number - 1) * per_page
        assert ids(page) == expected[start : start + per_page]
    finally:
        db.session.rollback()
