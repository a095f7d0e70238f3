"""Births and marriages through the registry, the API and the clerk's form."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import csrf_token, nik_for
from sqlalchemy import select

from desa.core.errors import Conflict, ServiceError, ValidationError
from desa.residents import registry
from desa.residents.models import EktpStatus, Resident, ResidentChange, ResidentEvent

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def clerk_actor(make_actor):
    return make_actor(today=DAY)


def _resident(db, made) -> Resident:
    return db.session.get(Resident, made.id)


def test_a_birth_adds_the_child_to_the_parents_family(db, make_resident, clerk_actor):
    mother = _resident(
        db,
        make_resident(
            name="SITI", sex="P", kk="6101120101990001", family_relation="ISTRI"
        ),
    )
    event = registry.record_event(
        clerk_actor,
        mother,
        "birth",
        "2026-11-20",
        "Surat keterangan lahir bidan",
        child={"name": " putri  ayu ", "sex": "P", "birth_place": "Sambas"},
    )
    child = event.resident
    assert (event.type, event.date) == ("birth", dt.date(2026, 11, 20))
    assert child.id != mother.id and child.kk == mother.kk
    assert (child.family_relation, child.name, child.sex) == ("ANAK", "PUTRI AYU", "P")
    assert child.birth_date == dt.date(2026, 11, 20)
    assert (child.rw, child.rt, child.dusun) == (mother.rw, mother.rt, mother.dusun)
    assert child.ektp_status == EktpStatus.BELUM_WAJIB
    assert child.marital_status == "BELUM KAWIN" and child.nik_temporary
    assert child.life_status == "active"
    note = db.session.scalar(
        select(ResidentChange).where(
            ResidentChange.resident_id == mother.id, ResidentChange.field == "family"
        )
    )
    assert "PUTRI AYU" in note.reason


def test_a_birth_with_the_childs_nik(db, make_resident, clerk_actor):
    father = _resident(db, make_resident(name="AHMAD"))
    nik = nik_for(dt.date(2026, 11, 1), "L", 5)
    event = registry.record_event(
        clerk_actor,
        father,
        "birth",
        "2026-11-01",
        "",
        child={"name": "A", "sex": "L", "nik": nik},
    )
    assert event.resident.nik == nik and not event.resident.nik_temporary


@pytest.mark.parametrize(
    ("date", "child", "field"),
    [
        ("2026-11-20", None, "child"),
        ("2026-11-20", {"name": "", "sex": "L"}, "child.name"),
        ("2026-11-20", {"name": "BAYI", "sex": "X"}, "child.sex"),
        ("2099-01-01", {"name": "BAYI", "sex": "L"}, "date"),
        ("1980-01-01", {"name": "BAYI", "sex": "L"}, "date"),
        ("2026-11-20", {"name": "BAYI", "sex": "L", "nik": "123"}, "child.nik"),
    ],
)
def test_a_birth_needs_the_childs_data(
    db, make_resident, clerk_actor, date, child, field
):
    parent = _resident(db, make_resident())
    with pytest.raises(ServiceError) as info:
        registry.record_event(clerk_actor, parent, "birth", date, "", child=child)
    assert info.value.status == 422 and field in info.value.fields
    assert db.session.scalar(select(ResidentEvent.id)) is None


def test_a_birth_needs_a_living_parent_with_a_family_card(
    db, make_resident, clerk_actor
):
    made = make_resident(life_status="moved"), make_resident(kk=None)
    gone, no_card = (_resident(db, r) for r in made)
    with pytest.raises(Conflict):
        registry.record_event(
            clerk_actor,
            gone,
            "birth",
            "2026-11-20",
            "",
            child={"name": "B", "sex": "L"},
        )
    with pytest.raises(Conflict) as info:
        registry.record_event(
            clerk_actor,
            no_card,
            "birth",
            "2026-11-20",
            "",
            child={"name": "B", "sex": "L"},
        )
    assert info.value.code == "no_family_card"


def test_marriage_makes_a_minor_belum_rekam(db, make_resident, clerk_actor):
    minor = _resident(db, make_resident(birth_date=dt.date(2010, 6, 1), ektp_status=1))
    registry.record_event(clerk_actor, minor, "marriage", "2026-10-01", "")
    assert minor.marital_status == "KAWIN"
    assert minor.ektp_status == EktpStatus.BELUM_REKAM
    change = db.session.scalar(
        select(ResidentChange).where(
            ResidentChange.resident_id == minor.id,
            ResidentChange.field == "ektp_status",
        )
    )
    assert (change.before, change.after) == ("1", "2")


def test_marriage_leaves_other_statuses_alone(db, make_resident, clerk_actor):
    recorded = _resident(
        db, make_resident(birth_date=dt.date(2010, 6, 1), ektp_status=3)
    )
    registry.record_event(clerk_actor, recorded, "marriage", "2026-10-01", "")
    assert recorded.ektp_status == EktpStatus.SUDAH_REKAM


def test_editing_the_marital_status_also_follows_wajib(db, make_resident, clerk_actor):
    made = [make_resident(birth_date=dt.date(2010, 6, 1), ektp_status=1) for _ in "ab"]
    minor, other = (_resident(db, r) for r in made)
    registry.update_resident(clerk_actor, minor, {"marital_status": "KAWIN"})
    assert minor.ektp_status == EktpStatus.BELUM_REKAM
    registry.update_resident(
        clerk_actor, other, {"marital_status": "KAWIN", "ektp_status": 1}
    )
    assert other.ektp_status == EktpStatus.BELUM_WAJIB  # the clerk said so


def test_an_event_type_of_the_wrong_kind_is_a_422(db, make_resident, clerk_actor):
    parent = _resident(db, make_resident())
    with pytest.raises(ValidationError):
        registry.record_event(clerk_actor, parent, ["death"], "2026-11-20", 5)


# --- through the API and the clerk's form ------------------------------------------


@pytest.fixture
def clerk_api(client, login, freeze):
    freeze(DAY)
    login("clerk")
    token = csrf_token(client)

    def call(method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"X-CSRFToken": token}
        )

    return call


def test_the_api_records_a_birth_on_a_parents_nik(clerk_api, make_resident):
    mother = make_resident(sex="P", kk="6101120101990002")
    resp = clerk_api(
        "POST",
        f"/api/v1/residents/{mother.nik}/events",
        {
            "type": "birth",
            "date": "2026-11-21",
            "child": {"name": "Bayi Laki", "sex": "L"},
        },
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "BAYI LAKI" and body["kk"] == "6101120101990002"
    assert body["family_relation"] == "ANAK" and body["birth_date"] == "2026-11-21"
    refused = clerk_api(
        "POST",
        f"/api/v1/residents/{mother.nik}/events",
        {"type": "birth", "date": "2026-11-21", "child": "Bayi"},
    )
    assert refused.status_code == 422
    assert "child" in refused.get_json()["error"]["fields"]
    # The other event types keep working (CONTRACT §4).
    death = clerk_api(
        "POST",
        f"/api/v1/residents/{mother.nik}/events",
        {"type": "move_out", "date": "2026-11-22"},
    )
    assert death.status_code == 201 and death.get_json()["life_status"] == "moved"


def test_the_clerks_form_records_a_birth(client, login, freeze, make_resident):
    freeze(DAY)
    login("clerk")
    father = make_resident(name="AYAH", kk="6101120101990003")
    page = client.get(f"/residents/{father.id}/events").get_data(as_text=True)
    assert "Kelahiran" in page and "Nama anak" in page
    data = {
        "csrf_token": csrf_token(client),
        "type": "birth",
        "date": "2026-11-22",
        "child_name": "",
        "child_sex": "L",
    }
    missing = client.post(f"/residents/{father.id}/events", data=data)
    assert missing.status_code == 422
    assert "Nama anak wajib diisi." in missing.get_data(as_text=True)
    resp = client.post(
        f"/residents/{father.id}/events", data={**data, "child_name": "ANAK BARU"}
    )
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "ANAK BARU" in html and "Peristiwa Kelahiran sudah dicatat." in html
