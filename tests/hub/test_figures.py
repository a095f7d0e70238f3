"""Table 1 at the hub: the village figures' definitions, summed per desa and per
kecamatan; a kecamatan's token sees its own villages only."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import nik_for, system

from desa.extensions import db as _db

from .conftest import resident_line

TODAY = dt.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def today(freeze):
    freeze(TODAY)


def _table(hub_app, **kwargs):
    from desa.hub import figures

    with hub_app.app_context():
        return figures.table(system(), TODAY, **kwargs)


def test_a_village_row_is_that_villages_own_total(
    app, sync, make_resident, client, make_token
):
    make_resident(ektp_status=3)  # recorded
    make_resident(ektp_status=4)  # recorded, card printed
    make_resident(ektp_status=2)  # not recorded
    make_resident(ektp_status=2, life_status="deceased")  # not counted
    make_resident(ektp_status=2, birth_date=dt.date(2015, 1, 1))  # too young
    sync.apply(sync.export())
    own = client.get(
        "/api/v1/recording/stats",
        headers={"Authorization": f"Bearer {make_token('district')}"},
    ).get_json()["total"]
    (row,) = _table(sync.hub, level="desa")["rows"]
    assert row["code"] == "61.01.12.2002" and row["name"] == "Desa Merubung"
    assert {k: row[k] for k in own} == own
    assert (row["wajib"], row["recorded"], row["printed"]) == (3, 2, 1)
    assert row["last_sync"] is not None


def test_kecamatan_rows_sum_their_villages_and_none_passes_100(hub_app, other_village):
    born = dt.date(1980, 1, 1)
    other_village(
        "61.01.12.2001",
        [
            resident_line(1, nik_for(born, "L", 1), ektp_status=3),
            resident_line(2, nik_for(born, "L", 2), ektp_status=8),
            resident_line(3, nik_for(born, "L", 3), life_status="moved"),
        ],
    )
    other_village(
        "61.01.12.2003",
        [resident_line(1, nik_for(born, "L", 4), ektp_status=2)],
    )
    other_village(
        "61.01.01.2001",
        [resident_line(1, nik_for(born, "L", 5), ektp_status=3, citizenship="WNA")],
    )
    table = _table(hub_app)
    rows = {r["code"]: r for r in table["rows"]}
    assert list(rows) == ["61.01.01", "61.01.12"]  # Kemendagri order
    assert rows["61.01.12"]["name"] == "Tekarang"
    assert (rows["61.01.12"]["wajib"], rows["61.01.12"]["recorded"]) == (3, 2)
    assert rows["61.01.12"]["recorded_pct"] == 66.67
    assert rows["61.01.01"]["wajib"] == 0  # a foreign citizen is not wajib KTP
    assert table["total"]["wajib"] == 3
    assert all(r["recorded_pct"] <= 100 for r in table["rows"])
    desa = _table(hub_app, level="desa", kecamatan="61.01.12")["rows"]
    assert [r["code"] for r in desa] == ["61.01.12.2001", "61.01.12.2003"]


def test_the_api_serves_table_1_within_the_tokens_area(hub_app, other_village):
    from desa.auth.services import create_token

    born = dt.date(1980, 1, 1)
    other_village("61.01.12.2001", [resident_line(1, nik_for(born, "L", 1))])
    other_village("61.01.01.2001", [resident_line(1, nik_for(born, "L", 2))])
    with hub_app.app_context():
        _t, whole = create_token(system(), "Disdukcapil", "district")
        _t, tekarang = create_token(system(), "Kec. Tekarang", "district", "61.01.12")
        _db.session.commit()
    client = hub_app.test_client()

    def get(url, secret):
        return client.get(url, headers={"Authorization": f"Bearer {secret}"})

    everyone = get("/api/v1/hub/figures?level=desa", whole).get_json()
    assert [r["code"] for r in everyone["rows"]] == ["61.01.01.2001", "61.01.12.2001"]
    own = get("/api/v1/hub/figures?level=desa", tekarang).get_json()
    assert [r["code"] for r in own["rows"]] == ["61.01.12.2001"]
    refused = get("/api/v1/hub/figures?level=rt", whole)
    assert refused.status_code == 422 and "kecamatan atau desa" in refused.get_data(
        as_text=True
    )
    assert get("/api/v1/hub/figures?kecamatan=61.1", whole).status_code == 422
    assert get("/api/v1/hub/figures?as_of=kemarin", whole).status_code == 422
    assert client.get("/api/v1/hub/figures").status_code == 401


def test_below_a_village_the_hub_gives_the_villages_own_table(
    app, sync, make_resident, make_token, client
):
    from sqlalchemy import select

    from desa.hub import figures
    from desa.hub.models import HubVillage

    make_resident(ektp_status=3, rw="001", rt="002")
    make_resident(ektp_status=2, rw="001", rt="002")
    make_resident(ektp_status=8, rw="002", rt="001", dusun="Parit Baru")
    make_resident(ektp_status=2, rw="002", rt="001", dusun="Parit Baru")
    sync.apply(sync.export())
    own = client.get(
        "/api/v1/recording/stats?by=rt",
        headers={"Authorization": f"Bearer {make_token('district')}"},
    ).get_json()
    with sync.hub.app_context():
        village = _db.session.scalar(select(HubVillage))
        at_hub = figures.village_table(system(), village, TODAY, "rt")
    assert at_hub["rows"] == own["rows"] and at_hub["total"] == own["total"]
