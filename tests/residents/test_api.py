"""Residents API: search, scope, create (409, warnings), patch, events."""

import datetime as dt

import pytest
from conftest import csrf_token, nik_for

NEW = {
    "nik": nik_for(dt.date(1988, 4, 12), "P", 77),
    "kk": "6101120101880001",
    "name": "  siti   aminah ",
    "sex": "PEREMPUAN",
    "birth_place": "Sambas",
    "birth_date": "12-04-1988",
    "religion": "islam",
    "marital_status": "2",
    "address": "Jl. Parit Baru",
    "dusun": "Parit Baru",
    "rw": "2",
    "rt": 1,
    "phone": "0812 3456 7890",
    "ektp_status": "SUDAH REKAM",
}


# A fixed village date for the tests whose events must lie in the past while a
# resident born in 2010 is still 16.
EVENT_DAY = dt.date(2026, 11, 23)


@pytest.fixture
def on_event_day(freeze):
    """The app's clock stops on EVENT_DAY (before anyone signs in)."""
    freeze(EVENT_DAY)
    return EVENT_DAY


@pytest.fixture
def clerk_api(client, login):
    login("clerk")
    token = csrf_token(client)

    def call(method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"X-CSRFToken": token}
        )

    return call


def test_create_normalises_and_returns_the_contract_shape(clerk_api):
    resp = clerk_api("POST", "/api/v1/residents", NEW)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "SITI AMINAH" and body["sex"] == "P"
    assert (body["rw"], body["rt"]) == ("002", "001")
    assert body["birth_date"] == "1988-04-12" and body["marital_status"] == "KAWIN"
    assert body["ektp_status"] == {"code": 3, "label": "SUDAH REKAM"}
    assert body["phone"] == "+6281234567890"
    assert body["wajib_ktp"] is True and body["pending_recording"] is False
    assert body["warnings"] == []


def test_duplicate_nik_is_409(clerk_api):
    assert clerk_api("POST", "/api/v1/residents", NEW).status_code == 201
    resp = clerk_api("POST", "/api/v1/residents", NEW)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "duplicate"


def test_nik_warnings_need_confirmation(clerk_api):
    data = {**NEW, "birth_date": "13-04-1988"}  # the NIK says the 12th
    resp = clerk_api("POST", "/api/v1/residents", data)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["error"]["code"] == "needs_confirmation"
    assert body["warnings"][0]["code"] == "birth_date_mismatch"
    resp = clerk_api("POST", "/api/v1/residents", {**data, "confirm_warnings": True})
    assert resp.status_code == 201
    assert resp.get_json()["warnings"][0]["code"] == "birth_date_mismatch"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "6.10112E+15"),
        ("nik", "６１０１１２５２０４８８００７７"),
        ("birth_date", "31-02-1990"),
        ("sex", "X"),
        ("rt", "0"),
        ("religion", "JEDI"),
        ("name", ""),
    ],
)
def test_bad_fields_are_422_naming_the_field(clerk_api, field, value):
    resp = clerk_api("POST", "/api/v1/residents", {**NEW, field: value})
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_malformed_body_is_400(clerk_api):
    assert clerk_api("POST", "/api/v1/residents", None).status_code == 400


def test_search_by_name_prefix_and_nik(clerk_api, make_resident):
    a = make_resident(name="SITI AMINAH")
    make_resident(name="SITI HAJAR")
    make_resident(name="AHMAD")
    items = clerk_api("GET", "/api/v1/residents?q=siti").get_json()["items"]
    assert [r["name"] for r in items] == ["SITI AMINAH", "SITI HAJAR"]
    items = clerk_api("GET", f"/api/v1/residents?q={a.nik}").get_json()["items"]
    assert [r["nik"] for r in items] == [a.nik]
    assert clerk_api("GET", "/api/v1/residents?rt=abc").status_code == 422


def test_pending_filter(clerk_api, make_resident):
    make_resident(name="BELUM", ektp_status=2)
    make_resident(name="SUDAH", ektp_status=3)
    make_resident(name="ANAK", birth_date=dt.date(2015, 1, 1), ektp_status=1)
    names = [
        r["name"]
        for r in clerk_api("GET", "/api/v1/residents?pending=true").get_json()["items"]
    ]
    assert names == ["BELUM"]


def test_rt_head_sees_only_their_rt(client, login, make_resident):
    mine = make_resident(rw="001", rt="002")
    other = make_resident(rw="001", rt="003")
    login("rt", rw="001", rt="002")
    niks = [r["nik"] for r in client.get("/api/v1/residents").get_json()["items"]]
    assert niks == [mine.nik]
    assert client.get(f"/api/v1/residents/{other.nik}").status_code == 404
    assert client.get(f"/api/v1/residents/{mine.nik}").status_code == 200


def test_patch_keeps_history_and_refuses_life_status(clerk_api, make_resident, db):
    from desa.residents.models import Resident, ResidentChange

    r = make_resident(name="USMAN")
    resp = clerk_api(
        "PATCH", f"/api/v1/residents/{r.nik}", {"occupation": "nelayan", "rt": "3"}
    )
    assert resp.status_code == 200 and resp.get_json()["rt"] == "003"
    changes = db.session.query(ResidentChange).filter_by(resident_id=r.id).all()
    assert {(c.field, c.before, c.after) for c in changes} >= {
        ("occupation", None, "NELAYAN"),
        ("rt", "002", "003"),
    }
    resp = clerk_api("PATCH", f"/api/v1/residents/{r.nik}", {"life_status": "deceased"})
    assert resp.status_code == 422
    assert db.session.get(Resident, r.id).life_status == "active"


def test_death_event_drops_the_resident_from_pending(
    on_event_day, clerk_api, make_resident
):
    r = make_resident(name="MARZUKI", ektp_status=2)
    assert clerk_api("GET", f"/api/v1/residents/{r.nik}").get_json()[
        "pending_recording"
    ]
    resp = clerk_api(
        "POST",
        f"/api/v1/residents/{r.nik}/events",
        {"type": "death", "date": "2026-11-01", "note": "Surat RT"},
    )
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["life_status"] == "deceased" and body["pending_recording"] is False
    again = clerk_api(
        "POST",
        f"/api/v1/residents/{r.nik}/events",
        {"type": "death", "date": "2026-11-01"},
    )
    assert again.status_code == 409
    future = clerk_api(
        "POST",
        f"/api/v1/residents/{r.nik}/events",
        {"type": "move_in", "date": "2099-01-01"},
    )
    assert future.status_code == 422 and "date" in future.get_json()["error"]["fields"]


def test_marriage_makes_a_minor_wajib(on_event_day, clerk_api, make_resident):
    r = make_resident(birth_date=dt.date(2010, 6, 1), ektp_status=1)
    assert not clerk_api("GET", f"/api/v1/residents/{r.nik}").get_json()["wajib_ktp"]
    resp = clerk_api(
        "POST",
        f"/api/v1/residents/{r.nik}/events",
        {"type": "marriage", "date": "2026-10-01"},
    )
    body = resp.get_json()
    assert (
        body["marital_status"] == "KAWIN"
        and body["wajib_ktp"]
        and body["pending_recording"]
    )


def test_head_reads_but_cannot_write(client, login, make_resident):
    r = make_resident()
    login("head")
    assert client.get(f"/api/v1/residents/{r.nik}").status_code == 200
    resp = client.patch(
        f"/api/v1/residents/{r.nik}",
        json={"name": "X"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert resp.status_code == 403


def test_temporary_nik_is_issued_and_replaced_with_history(clerk_api, db):
    data = {**NEW, "nik": "", "nik_temporary": True}
    body = clerk_api("POST", "/api/v1/residents", data).get_json()
    assert body["nik_temporary"] and body["nik"] == "0610112200200001"
    real = NEW["nik"]
    resp = clerk_api("PATCH", f"/api/v1/residents/{body['nik']}", {"nik": real})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["nik"] == real and not resp.get_json()["nik_temporary"]
    resp = clerk_api("PATCH", f"/api/v1/residents/{real}", {"nik": "6101124503090001"})
    assert resp.status_code == 409
