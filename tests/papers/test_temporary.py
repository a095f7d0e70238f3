"""The register of temporary residents: services (every rule), pages, scope, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, nik_for

TODAY = dt.date(2026, 11, 23)
BORN = dt.date(1990, 5, 17)
NIK = nik_for(BORN, "L", 7)


def _data(**overrides):
    data = {
        "name": "  budi   santoso ",
        "sex": "L",
        "citizenship": "WNI",
        "id_number": NIK,
        "birth_place": "sambas",
        "birth_date": BORN.isoformat(),
        "occupation": "buruh kebun",
        "came_from": "Jl. Pahlawan 3, Singkawang",
        "purpose": "Bekerja di kebun sawit",
        "host_name": "ahmad",
        "host_address": "Dusun Sungai Bening",
        "dusun": "Sungai Bening",
        "rw": "1",
        "rt": "2",
        "arrived_on": "2026-10-05",
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def clerk_actor(db, make_user, make_actor):
    from desa.auth.models import User

    user = make_user("clerk")
    return make_actor(db.session.get(User, user.id), today=TODAY)


def _row(actor, **overrides):
    from desa.papers import temporary

    return temporary.create(actor, _data(**overrides))


def _actions(db, action):
    from desa.auth.models import AuditEvent

    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    )


# --- services ------------------------------------------------------------------------


def test_create_cleans_the_fields_and_audits(db, clerk_actor):
    row = _row(clerk_actor)
    assert (row.name, row.sex, row.rw, row.rt) == ("BUDI SANTOSO", "L", "001", "002")
    assert row.id_number == NIK and row.birth_date == BORN
    assert row.arrived_on == dt.date(2026, 10, 5) and row.left_on is None
    assert row.host_name == "AHMAD" and row.birth_place == "SAMBAS"
    assert row.note is None and row.nationality is None
    assert row.created_by == clerk_actor.display_name
    (event,) = _actions(db, "temporary_residents.create")
    assert event.object_id == str(row.id)


def test_every_bad_field_is_named_in_indonesian(db, clerk_actor):
    from desa.core.errors import ValidationError
    from desa.papers import temporary

    with pytest.raises(ValidationError) as err:
        temporary.create(
            clerk_actor,
            _data(
                name="",
                sex="X",
                rt="abc",
                came_from=" ",
                birth_date="2027-01-01",
                arrived_on="2026-12-01",
            ),
        )
    fields = err.value.fields
    assert set(fields) == {"name", "sex", "rt", "came_from", "birth_date", "arrived_on"}
    assert "masa depan" in fields["arrived_on"][0]
    assert "wajib" in fields["came_from"][0]
    assert err.value.status == 422
    assert err.value.message.startswith("Data penduduk sementara belum benar")


@pytest.mark.parametrize(
    "id_number, citizenship, nationality, fragment",
    [
        ("12345", "WNI", "", "NIK"),  # digits but not a NIK
        ("A1234567", "WNI", "", "WNA"),  # a passport for a WNI
        ("", "WNI", "", "wajib"),
        ("A 12", "WNA", "MALAYSIA", "paspor"),
    ],
)
def test_id_numbers(db, clerk_actor, id_number, citizenship, nationality, fragment):
    from desa.core.errors import ValidationError
    from desa.papers import temporary

    with pytest.raises(ValidationError) as err:
        temporary.create(
            clerk_actor,
            _data(
                id_number=id_number, citizenship=citizenship, nationality=nationality
            ),
        )
    assert fragment in err.value.fields["id_number"][0]


def test_a_wna_with_a_passport_needs_a_nationality(db, clerk_actor):
    from desa.core.errors import ValidationError
    from desa.papers import temporary

    with pytest.raises(ValidationError) as err:
        temporary.create(clerk_actor, _data(citizenship="WNA", id_number="a1234567"))
    assert set(err.value.fields) == {"nationality"}
    row = _row(
        clerk_actor, citizenship="WNA", id_number="a 123-4567", nationality="malaysia"
    )
    assert (row.id_number, row.nationality) == ("A1234567", "MALAYSIA")


def test_a_nik_with_a_wrong_date_is_refused(db, clerk_actor):
    from desa.core.errors import ValidationError
    from desa.papers import temporary

    bad = NIK[:6] + "99" + NIK[8:]
    with pytest.raises(ValidationError) as err:
        temporary.create(clerk_actor, _data(id_number=bad))
    assert set(err.value.fields) == {"id_number"}


def test_mark_left_and_its_rules(db, clerk_actor):
    from desa.core.errors import ValidationError
    from desa.papers import temporary

    row = _row(clerk_actor)
    for day, fragment in (
        ("2026-10-04", "sebelum tanggal datang"),
        ("2026-11-24", "masa depan"),
        ("", "wajib"),
        ("31-02-2026", "kalender"),
    ):
        with pytest.raises(ValidationError) as err:
            temporary.mark_left(clerk_actor, row, day)
        assert fragment in err.value.fields["left_on"][0], day
    temporary.mark_left(clerk_actor, row, "20-11-2026")
    assert row.left_on == dt.date(2026, 11, 20)
    assert len(_actions(db, "temporary_residents.leave")) == 1


def test_update_names_the_changes_and_keeps_left_after_arrival(db, clerk_actor):
    from desa.core.errors import ValidationError
    from desa.papers import temporary

    row = _row(clerk_actor)
    assert temporary.update(clerk_actor, row, _data()) == []
    assert temporary.update(clerk_actor, row, _data(purpose="Mengajar")) == ["purpose"]
    temporary.mark_left(clerk_actor, row, "2026-10-10")
    with pytest.raises(ValidationError) as err:
        temporary.update(clerk_actor, row, _data(arrived_on="2026-10-20"))
    assert "arrived_on" in err.value.fields
    changed = temporary.update(
        clerk_actor, row, {**_data(purpose="Mengajar"), "left_on": ""}
    )
    assert changed == ["left_on"] and row.left_on is None
    assert len(_actions(db, "temporary_residents.update")) == 2


def test_staying_between_covers_overlaps_in_arrival_order(db, clerk_actor):
    from desa.papers import temporary

    early = _row(clerk_actor, name="awal", arrived_on="2026-01-10")
    temporary.mark_left(clerk_actor, early, "2026-03-31")
    gone = _row(clerk_actor, name="lama", arrived_on="2025-12-01")
    temporary.mark_left(clerk_actor, gone, "2026-01-31")
    staying = _row(clerk_actor, name="masih", arrived_on="2026-02-01")
    later = _row(clerk_actor, name="nanti", arrived_on="2026-04-01")
    db.session.flush()
    march = temporary.staying_between(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [r.name for r in march] == ["AWAL", "MASIH"]
    january = temporary.staying_between(dt.date(2026, 1, 31), dt.date(2026, 1, 31))
    assert [r.name for r in january] == ["LAMA", "AWAL"]
    year = temporary.staying_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert [r.id for r in year] == [gone.id, early.id, staying.id, later.id]


def test_the_database_refuses_leaving_before_arriving(db, clerk_actor):
    from sqlalchemy.exc import IntegrityError

    row = _row(clerk_actor)
    db.session.flush()
    row.left_on = dt.date(2026, 1, 1)
    with pytest.raises(IntegrityError):
        db.session.flush()


# --- pages ---------------------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def test_clerk_adds_lists_edits_and_marks_left(client, login, freeze, db):
    freeze(TODAY)
    login("clerk")
    assert client.get("/residents/temporary/new").status_code == 200
    resp = _post(client, "/residents/temporary/new", _data())
    assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    from desa.papers.models import TemporaryResident

    row = db.session.scalars(select(TemporaryResident)).one()
    page = client.get("/residents/temporary").get_data(as_text=True)
    assert "BUDI SANTOSO" in page and "masih tinggal" in page
    assert "Catat sudah pergi" in page and "5 Oktober 2026" in page
    assert client.get(f"/residents/temporary/{row.id}/edit").status_code == 200
    resp = _post(
        client, f"/residents/temporary/{row.id}/edit", _data(purpose="Mengajar di SD")
    )
    assert resp.status_code == 303
    assert client.get(f"/residents/temporary/{row.id}/left").status_code == 200
    resp = _post(
        client, f"/residents/temporary/{row.id}/left", {"left_on": "2026-11-20"}
    )
    assert resp.status_code == 303
    db.session.rollback()  # a fresh read: the pages committed in their own sessions
    row = db.session.get(TemporaryResident, row.id)
    assert row.left_on == dt.date(2026, 11, 20) and row.purpose == "Mengajar di SD"
    page = client.get("/residents/temporary").get_data(as_text=True)
    assert "20 November 2026" in page and "masih tinggal" not in page
    assert _actions(db, "temporary_residents.list")


def test_bad_input_gets_422_with_the_fields_marked(client, login, freeze, db):
    freeze(TODAY)
    login("clerk")
    resp = _post(client, "/residents/temporary/new", _data(arrived_on="besok", sex=""))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "tidak ada di kalender" in html and "Jenis kelamin wajib diisi" in html
    _post(client, "/residents/temporary/new", _data())
    from desa.papers.models import TemporaryResident

    row = db.session.scalars(select(TemporaryResident)).one()
    for value in ("2026-01-01", "x" * 30, "", "2026-13-45"):
        resp = _post(client, f"/residents/temporary/{row.id}/left", {"left_on": value})
        assert resp.status_code == 422, value
    resp = _post(client, f"/residents/temporary/{row.id}/edit", _data(rt="0"))
    assert resp.status_code == 422
    assert client.get("/residents/temporary?bulan=2026-13").status_code == 422
    assert client.get("/residents/temporary?bulan=zz&q=" + "a" * 300).status_code == 422
    assert client.get("/residents/temporary/99999/edit").status_code == 404
    assert _post(client, "/residents/temporary/99999/left", {}).status_code == 404


def test_month_filter_and_name_search(client, login, freeze, db, clerk_actor):
    from desa.papers import temporary

    temporary.mark_left(clerk_actor, _row(clerk_actor, name="siti"), "2026-10-31")
    _row(clerk_actor, name="rahmat", arrived_on="2026-11-02")
    db.session.commit()
    freeze(TODAY)
    login("clerk")
    page = client.get("/residents/temporary?bulan=2026-10").get_data(as_text=True)
    assert "SITI" in page and "RAHMAT" not in page
    page = client.get("/residents/temporary?q=ahm").get_data(as_text=True)
    assert "RAHMAT" in page and "SITI" not in page
    page = client.get("/residents/temporary").get_data(as_text=True)
    assert page.index("RAHMAT") < page.index("SITI")  # staying now first


def test_an_rt_head_sees_only_their_rt_and_cannot_write(
    client, login, freeze, db, clerk_actor
):
    mine = _row(clerk_actor, name="warga satu", rw="001", rt="002")
    other = _row(clerk_actor, name="warga dua", rw="001", rt="003")
    db.session.commit()
    freeze(TODAY)
    login("rt", rw="001", rt="002")
    page = client.get("/residents/temporary").get_data(as_text=True)
    assert "WARGA SATU" in page and "WARGA DUA" not in page
    assert "Catat sudah pergi" not in page
    assert client.get(f"/residents/temporary/{mine.id}/edit").status_code == 403
    assert client.get(f"/residents/temporary/{other.id}/edit").status_code == 403
    assert _post(client, f"/residents/temporary/{other.id}/left", {}).status_code == 403


def test_scope_of_an_rt_head_in_the_service(db, make_user, make_actor):
    from desa.auth.models import User
    from desa.core.errors import NotFound
    from desa.papers import temporary

    clerk, head = make_user("clerk"), make_user("rt", rw="001", rt="002")
    clerk_actor = make_actor(db.session.get(User, clerk.id), today=TODAY)
    actor = make_actor(db.session.get(User, head.id), today=TODAY)
    other = _row(clerk_actor, rw="002", rt="001")
    db.session.flush()
    with pytest.raises(NotFound):
        temporary.get(actor, other.id)
    assert db.session.scalars(temporary.search(actor)).all() == []
    # Writing a row into another RT is refused even if a head could write.
    with pytest.raises(Exception) as err:
        temporary.create(actor, _data(rw="002", rt="001"))
    assert "wilayah" in str(err.value)


@pytest.mark.parametrize("role, status", [("resident", 403), ("employer", 403)])
def test_other_roles_are_refused(client, login, role, status):
    login(role)
    assert client.get("/residents/temporary").status_code == status


def test_the_residents_list_links_to_the_register(client, login):
    login("clerk")
    page = client.get("/residents").get_data(as_text=True)
    assert 'href="/residents/temporary"' in page


def test_control_characters_never_make_a_500(client, login, freeze, db):
    freeze(TODAY)
    login("clerk")
    assert client.get("/residents/temporary?q=a%00b").status_code == 422
    resp = _post(
        client,
        "/residents/temporary/new",
        _data(came_from="Sing\x00kawang", note="\x00"),
    )
    assert resp.status_code in (303, 422)
    assert client.get("/residents/temporary?bulan=%00").status_code == 422
