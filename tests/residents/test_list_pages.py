"""The resident list walked by cursors, in the HTML list and the JSON API.

"Berikutnya"/"Sebelumnya" and the API's `next` walk the whole list exactly once in
order (ties in the name included, rows added meanwhile too); page numbers and old
`?page=N` links still work; a cursor that was changed, or made for another list
or another person, is a 400 in the API and ignored by the HTML list; an RT head
never reaches another RT through one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html import unescape

import pytest
from sqlalchemy import insert

from desa.residents.models import Resident

_niks = itertools.count(1)
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
PREV = re.compile(r'<a rel="prev" href="([^"]+)"')


@pytest.fixture
def residents(app):
    """residents(names, rt="002"): inserts residents of RW 001 at once."""
    from desa.extensions import db

    def add(names, rt="002"):
        with app.app_context():
            db.session.execute(
                insert(Resident),
                [
                    {
                        "nik": f"6101120202{next(_niks):06d}",
                        "nik_temporary": False,
                        "name": name,
                        "name_key": name,
                        "sex": "P",
                        "citizenship": "WNI",
                        "life_status": "active",
                        "nik_warnings": "[]",
                        "disabled": False,
                        "pin_epoch": 0,
                        "rw": "001",
                        "rt": rt,
                        "created_at": dt.datetime(2026, 1, 1),
                        "updated_at": dt.datetime(2026, 1, 1),
                    }
                    for name in names
                ],
            )
            db.session.commit()

    return add


def ids_in(html: str) -> list[int]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(i) for i in re.findall(r'href="/residents/(\d+)"', body)]


def ordered_ids(app, **where) -> list[int]:
    from sqlalchemy import select

    from desa.extensions import db

    with app.app_context():
        stmt = select(Resident.id).filter_by(**where)
        return list(db.session.scalars(stmt.order_by(Resident.name_key, Resident.id)))


def walk(client, url, pattern=NEXT, between=None):
    """The ids of every page met following one pager link from `url`."""
    pages = []
    while url:
        resp = client.get(url)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        pages.append(ids_in(html))
        found = pattern.search(html)
        url = unescape(found.group(1)) if found else None
        if url and between:
            between()
    return pages


# Four names for 130 people: most of each page is a tie on the name.
NAMES = ["SITI AMINAH"] * 45 + ["BUDI"] * 40 + ["ANI"] * 30 + ["ZAINAL ABIDIN"] * 15


def test_berikutnya_walks_the_list_once_in_order(app, client, login, residents):
    residents(NAMES)
    login("clerk")
    pages = walk(client, "/residents")
    assert [len(p) for p in pages] == [50, 50, 30]
    assert sum(pages, []) == ordered_ids(app)
    html = client.get("/residents").get_data(as_text=True)
    assert "130 penduduk" in html and "Halaman 1 dari 3" in html
    # The page numbers stay, as ?page=N links that carry the total (t=) along:
    # a page opened from them does not count the list again.
    link = re.search(r'href="(/residents\?t=[\w-]+&amp;page=3)"', html)
    assert link
    residents(["AAAA"])  # not counted yet: the total is the one carried
    third = client.get(unescape(link.group(1))).get_data(as_text=True)
    assert "130 penduduk" in third and "Halaman 3 dari 3" in third
    assert "131 penduduk" in client.get("/residents?page=3").get_data(as_text=True)


def test_sebelumnya_walks_back_from_the_last_page(app, client, login, residents):
    residents(NAMES)
    login("clerk")
    pages = walk(client, "/residents?page=3", PREV)
    assert [len(p) for p in pages] == [30, 50, 50]
    assert sum(reversed(pages), []) == ordered_ids(app)


def test_rows_added_between_pages_are_not_repeated_nor_skipped(
    app, client, login, residents
):
    residents(NAMES)
    login("clerk")
    before = ordered_ids(app)
    added = itertools.count()

    def meanwhile():
        n = next(added)
        residents([f"AAA {n}", f"ZZZ {n}"])  # one before the cursor, one after

    seen = sum(walk(client, "/residents?q=", between=meanwhile), [])
    assert len(seen) == len(set(seen))
    assert set(before) <= set(seen)
    late = set(ordered_ids(app)) - set(before)
    assert set(seen) - set(before) <= late
    order = ordered_ids(app)
    assert seen == sorted(seen, key=order.index)


def test_old_page_links_and_page_numbers_still_work(app, client, login, residents):
    residents(NAMES)
    login("clerk")
    expected = ordered_ids(app)
    for number in (1, 2, 3):
        html = client.get(f"/residents?page={number}").get_data(as_text=True)
        assert ids_in(html) == expected[(number - 1) * 50 : number * 50]
        assert f"Halaman {number} dari 3" in html
    past = client.get("/residents?page=9").get_data(as_text=True)
    assert ids_in(past) == []


@pytest.mark.parametrize(
    "query", ["after=garbage", "before=%00%FF", "after=" + "A" * 3000, "after="]
)
def test_a_bad_cursor_in_the_html_list_opens_the_first_page(
    app, client, login, residents, query
):
    residents(NAMES)
    login("clerk")
    resp = client.get(f"/residents?{query}")
    assert resp.status_code == 200
    assert ids_in(resp.get_data(as_text=True)) == ordered_ids(app)[:50]


def test_a_cursor_works_only_with_the_filters_it_was_made_for(
    app, client, login, residents
):
    residents(NAMES + ["SITI AMINAH"] * 20)
    login("clerk")
    html = client.get("/residents?q=siti").get_data(as_text=True)
    link = unescape(NEXT.search(html).group(1))
    assert (
        ids_in(client.get(link).get_data(as_text=True))
        == ordered_ids(app, name_key="SITI AMINAH")[50:]
    )
    other = link.replace("q=siti", "q=budi")
    assert (
        ids_in(client.get(other).get_data(as_text=True))
        == ordered_ids(app, name_key="BUDI")[:50]
    )


# --- the JSON API --------------------------------------------------------------------


def api_walk(client, url, headers):
    items, body = [], client.get(url, headers=headers).get_json()
    items += body["items"]
    while body["next"]:
        assert body["total"] == len(NAMES)
        resp = client.get(
            f"/api/v1/residents?per_page=40&after={body['next']}", headers=headers
        )
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        items += body["items"]
    return items


def test_the_api_walks_by_next_and_still_takes_page(app, client, make_token, residents):
    residents(NAMES)
    auth = {"Authorization": f"Bearer {make_token('clerk')}"}
    items = api_walk(client, "/api/v1/residents?per_page=40", auth)
    niks = [i["nik"] for i in items]
    assert len(niks) == len(set(niks)) == len(NAMES)
    by_page = []
    for number in (1, 2, 3, 4):
        body = client.get(
            f"/api/v1/residents?per_page=40&page={number}", headers=auth
        ).get_json()
        assert body["page"] == number and body["per_page"] == 40
        assert body["total"] == len(NAMES)
        assert (body["next"] is None) == (number == 4)
        by_page += [i["nik"] for i in body["items"]]
    assert by_page == niks
    # The page a cursor lands on is told as a number too.
    second = client.get("/api/v1/residents?per_page=40", headers=auth).get_json()
    after = client.get(
        f"/api/v1/residents?per_page=40&after={second['next']}", headers=auth
    ).get_json()
    assert after["page"] == 2 and set(after) == {
        "items",
        "page",
        "per_page",
        "total",
        "next",
    }


@pytest.mark.parametrize("cursor", ["garbage", "x" * 1001, "%00", "AAAA", "é"])
def test_a_bad_cursor_is_a_400_in_indonesian(client, make_token, residents, cursor):
    residents(NAMES[:3])
    auth = {"Authorization": f"Bearer {make_token('clerk')}"}
    resp = client.get(f"/api/v1/residents?after={cursor}", headers=auth)
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "bad_cursor" and "after" in error["fields"]
    assert "Penanda halaman tidak valid" in error["message"]


def test_a_cursor_belongs_to_its_list_filters_and_client(client, make_token, residents):
    residents(NAMES)
    auth = {"Authorization": f"Bearer {make_token('clerk')}"}
    other = {"Authorization": f"Bearer {make_token('clerk', name='lain')}"}
    token = client.get("/api/v1/residents?q=siti&per_page=10", headers=auth).get_json()[
        "next"
    ]
    ok = client.get(f"/api/v1/residents?q=siti&after={token}", headers=auth)
    assert ok.status_code == 200 and len(ok.get_json()["items"]) == 35
    elsewhere = client.get(f"/api/v1/residents?q=budi&after={token}", headers=auth)
    assert elsewhere.status_code == 400  # other filters
    theirs = client.get(f"/api/v1/residents?q=siti&after={token}", headers=other)
    assert theirs.status_code == 400  # another client
    # Sent empty, as a form would, it is no cursor: the first page.
    empty = client.get("/api/v1/residents?q=siti&after=", headers=auth).get_json()
    assert len(empty["items"]) == 45 and empty["page"] == 1


def test_an_rt_head_walks_only_their_rt(app, client, login, residents, make_token):
    residents(NAMES[::2], rt="002")
    residents(NAMES[1::2], rt="003")
    mine = set(ordered_ids(app, rt="002"))
    clerk = {"Authorization": f"Bearer {make_token('clerk')}"}
    clerk_cursor = client.get("/api/v1/residents?per_page=5", headers=clerk).get_json()[
        "next"
    ]
    login("rt", rw="001", rt="002")
    pages = walk(client, "/residents")
    assert set(sum(pages, [])) == mine and len(sum(pages, [])) == len(mine)
    body = client.get("/api/v1/residents?per_page=7").get_json()
    seen = [i["nik"] for i in body["items"]]
    while body["next"]:
        body = client.get(
            f"/api/v1/residents?per_page=7&after={body['next']}"
        ).get_json()
        assert {i["rt"] for i in body["items"]} <= {"002"}
        seen += [i["nik"] for i in body["items"]]
    assert len(seen) == len(mine) == body["total"]
    # Someone else's cursor is not theirs to use, in the API or in the list.
    assert client.get(f"/api/v1/residents?after={clerk_cursor}").status_code == 400
    html = client.get(f"/residents?after={clerk_cursor}").get_data(as_text=True)
    assert set(ids_in(html)) <= mine
