"""The district sends its results to the hub; they reach the village in the
return bundle, and outrank the village's older status."""

from __future__ import annotations

import datetime as dt

from conftest import system
from sqlalchemy import select

from desa.extensions import db as _db
from desa.hub.models import HubResident
from desa.residents.models import Resident


def test_results_posted_to_the_hub_go_back_to_the_village(
    app, hub_app, sync, make_resident
):
    from desa.auth.services import create_token

    done = make_resident(ektp_status=2)
    moved = make_resident(ektp_status=2, life_status="moved")
    sync.apply(sync.export())
    with hub_app.app_context():
        _t, secret = create_token(system(), "SIAK Disdukcapil", "district")
        _db.session.commit()
    answer = hub_app.test_client().post(
        "/api/v1/recording/results",
        json={
            "results": [
                {"nik": done.nik, "status": 3},
                {"nik": moved.nik, "status": 3},  # moved away: not here any more
                {"nik": "6101120101900099", "status": 3},
            ]
        },
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert (body["matched"], body["unmatched"]) == (1, 2)
    assert body["summary"] == "matched 1, unchanged 0, unmatched 2"
    (held,) = sync.hub_rows(HubResident, HubResident.local_id == done.id)
    assert (held.ektp_status, held.ektp_source) == (3, "district")
    sync.give_back()
    with app.app_context():
        assert _db.session.get(Resident, done.id).ektp_status == 3
        assert _db.session.get(Resident, moved.id).ektp_status == 2


def test_a_results_file_at_the_hub(hub_app, sync, make_resident, tmp_path):
    person = make_resident(ektp_status=2)
    sync.apply(sync.export())
    path = tmp_path / "hasil.csv"
    path.write_text(f"NIK,STAT_RKM\n{person.nik},SUDAH REKAM\n", encoding="utf-8")
    out = hub_app.test_cli_runner().invoke(args=["hub", "results", "import", str(path)])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "matched 1, unchanged 0, unmatched 0"
    with hub_app.app_context():
        status = _db.session.scalar(
            select(HubResident.ektp_status).where(HubResident.local_id == person.id)
        )
    assert status == 3


def test_the_pending_list_from_the_hub(hub_app, other_village):
    from conftest import nik_for

    from .conftest import resident_line

    born = dt.date(1980, 1, 1)
    other_village(
        "61.01.12.2001",
        [
            resident_line(1, nik_for(born, "L", 1), ektp_status=2, name="BELUM A"),
            resident_line(2, nik_for(born, "L", 2), ektp_status=3),
            resident_line(
                3, nik_for(born, "L", 3), ektp_status=None, life_status="deceased"
            ),
        ],
    )
    other_village(
        "61.01.01.2001", [resident_line(4, nik_for(born, "L", 4), ektp_status=1)]
    )
    from desa.auth.services import create_token

    with hub_app.app_context():
        _t, whole = create_token(system(), "Disdukcapil", "district")
        _t, kec = create_token(system(), "Kec. Tekarang", "district", "61.01.12")
        _db.session.commit()
    client = hub_app.test_client()
    body = client.get(
        "/api/v1/recording/pending", headers={"Authorization": f"Bearer {whole}"}
    ).get_json()
    assert body["total"] == 2
    codes = [(i["KODE_DESA"], i["NAMA_DESA"], i["KECAMATAN"]) for i in body["items"]]
    assert codes == [
        ("61.01.01.2001", "DALAM KAUM", "SAMBAS"),
        ("61.01.12.2001", "TEKARANG", "TEKARANG"),
    ]
    assert body["items"][1]["NAMA_LGKP"] == "BELUM A" and body["items"][1]["NO"] == 2
    own = client.get(
        "/api/v1/recording/pending", headers={"Authorization": f"Bearer {kec}"}
    ).get_json()
    assert [i["KODE_DESA"] for i in own["items"]] == ["61.01.12.2001"]
