"""Cards after recording: the print queue against the blank cards, printing at
the hub, the handover in the village, and recorded → printed → collected."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import PASSWORD, nik_for, post_login_as, system
from sqlalchemy import select

from desa.extensions import db as _db

from .conftest import resident_line

BORN = dt.date(1990, 1, 1)


def _stock(hub_app, code: str, blanks: int) -> None:
    from desa.campaign import services

    with hub_app.app_context():
        services.set_card_stock(system(), {"kecamatan": code, "blanks": blanks})
        _db.session.commit()


@pytest.fixture
def villages(hub_app, other_village):
    at = "2026-11-0{}T08:00:00"
    other_village(
        "61.01.12.2001",
        [
            resident_line(
                1, nik_for(BORN, "L", 1), ektp_status=3, ektp_status_at=at.format(3)
            ),
            resident_line(
                2, nik_for(BORN, "L", 2), ektp_status=3, ektp_status_at=at.format(1)
            ),
            resident_line(
                3, nik_for(BORN, "L", 3), ektp_status=7, ektp_status_at=at.format(2)
            ),
            resident_line(4, nik_for(BORN, "L", 4), ektp_status=4),
            resident_line(5, nik_for(BORN, "L", 5), ektp_status=8),
            resident_line(6, nik_for(BORN, "L", 6), ektp_status=2),
            resident_line(
                7, nik_for(BORN, "L", 7), ektp_status=3, life_status="deceased"
            ),
        ],
    )
    other_village(
        "61.01.01.2001", [resident_line(9, nik_for(BORN, "P", 9), ektp_status=3)]
    )


def test_figures_count_recorded_printed_collected_and_the_blanks_short(
    hub_app, villages
):
    from desa.campaign import cards

    _stock(hub_app, "61.01.12", 1)
    with hub_app.app_context():
        found = cards.figures(system())
        rows = {r["code"]: r for r in found["rows"]}
        tekarang = rows["61.01.12"]
        assert (tekarang["recorded"], tekarang["printed"], tekarang["collected"]) == (
            5,
            2,
            1,
        )
        assert (tekarang["waiting"], tekarang["blanks"], tekarang["short"]) == (3, 1, 2)
        assert rows["61.01.01"]["blanks"] is None and rows["61.01.01"]["short"] == 1
        assert found["total"]["waiting"] == 4
        per_desa = cards.figures(system(), "61.01.12")
        assert [r["code"] for r in per_desa["rows"]] == ["61.01.12.2001"]


def test_printing_takes_the_longest_waiting_first_and_never_more_than_the_blanks(
    hub_app, villages
):
    from desa.campaign import cards
    from desa.campaign.models import CardStock
    from desa.core.errors import Conflict, ValidationError
    from desa.hub.models import HubResident

    _stock(hub_app, "61.01.12", 2)
    with hub_app.app_context():
        rows, waiting = cards.print_queue(system(), "61.01.12")
        assert waiting == 3
        # By recording date: local 2 (1 Nov), 3 (2 Nov), 1 (3 Nov); two blanks.
        assert [r.name for r in rows] == ["WARGA 2", "WARGA 3", "WARGA 1"]
        assert [r.printable for r in rows] == [True, True, False]
        with pytest.raises(Conflict):
            cards.mark_printed(system(), "61.01.12", 3)
        with pytest.raises(ValidationError):
            cards.mark_printed(system(), "61.01.12", "dua")
        assert cards.mark_printed(system(), "61.01.12", 2) == 2
        _db.session.commit()
        printed = {
            r.local_id: (r.ektp_status, r.ektp_source)
            for r in _db.session.scalars(
                select(HubResident).where(HubResident.local_id.in_((1, 2, 3)))
            )
        }
        assert printed == {1: (3, "village"), 2: (4, "district"), 3: (4, "district")}
        assert _db.session.get(CardStock, "61.01.12").blanks == 0
        with pytest.raises(Conflict):
            cards.mark_printed(system(), "61.01.12", 1)


def test_a_printed_card_reaches_the_village_is_handed_over_and_counted_collected(
    app, hub_app, sync, make_resident
):
    from desa.campaign import cards
    from desa.core.errors import Conflict
    from desa.residents import services
    from desa.residents.models import Resident

    recorded = make_resident(name="SUDAH REKAM", ektp_status=3)
    pending = make_resident(name="BELUM REKAM")
    sync.apply(sync.export())
    _stock(hub_app, "61.01.12", 10)
    with hub_app.app_context():
        assert cards.mark_printed(system(), "61.01.12", 1) == 1
        _db.session.commit()
    sync.give_back()
    with app.app_context():
        here = _db.session.get(Resident, recorded.id)
        assert here.ektp_status == 4
        with pytest.raises(Conflict):
            services.record_card_received(
                system(), _db.session.get(Resident, pending.id)
            )
        services.record_card_received(system(), here)
        _db.session.commit()
        assert _db.session.get(Resident, recorded.id).ektp_status == 8
    sync.apply(sync.export())
    with hub_app.app_context():
        row = cards.figures(system())["rows"][0]
        assert (row["recorded"], row["printed"], row["collected"], row["waiting"]) == (
            1,
            1,
            1,
            0,
        )


def test_the_card_pages_for_disdukcapil_and_the_kecamatan_officer(hub_app, villages):
    from desa.auth.services import create_user

    _stock(hub_app, "61.01.12", 2)
    with hub_app.app_context():
        create_user(system(), "dinas", PASSWORD, "clerk", full_name="Operator Dinas")
        create_user(
            system(), "camat", PASSWORD, "kecamatan", full_name="Camat", area="61.01.12"
        )
        _db.session.commit()
    dinas = hub_app.test_client()
    assert post_login_as(dinas, "dinas", PASSWORD).status_code == 302
    page = dinas.get("/hub/campaign/cards").get_data(as_text=True)
    assert "Tekarang" in page and "Kurang blangko" in page
    queue = dinas.get("/hub/campaign/cards/61.01.12").get_data(as_text=True)
    assert "WARGA 2" in queue and "menunggu blangko" in queue
    assert nik_for(BORN, "L", 2) not in queue  # NIKs masked
    from conftest import csrf_from

    token = csrf_from(queue)
    too_many = dinas.post(
        "/hub/campaign/cards/61.01.12", data={"csrf_token": token, "count": "5"}
    )
    assert (
        too_many.status_code == 409
        and "tidak cukup untuk 5 kartu" in too_many.get_data(as_text=True)
    )
    ok = dinas.post(
        "/hub/campaign/cards/61.01.12", data={"csrf_token": token, "count": "2"}
    )
    assert ok.status_code == 303
    assert dinas.get("/hub/campaign/cards/61.01.99").status_code == 404
    camat = hub_app.test_client()
    assert post_login_as(camat, "camat", PASSWORD).status_code == 302
    seen = camat.get("/hub/campaign/cards").get_data(as_text=True)
    assert (
        "Tekarang" in seen
        and "Sambas" not in seen.split("<table")[1].split("</table>")[0]
    )
    assert camat.get("/hub/campaign/cards/61.01.12").status_code == 403


def test_a_card_waits_until_its_holder_is_17(hub_app, other_village):
    from desa.campaign import cards

    sixteen = (dt.date.today().replace(year=dt.date.today().year - 16)).isoformat()
    other_village(
        "61.01.12.2001",
        [
            resident_line(1, nik_for(BORN, "L", 1), ektp_status=3),
            resident_line(
                2,
                nik_for(dt.date(2010, 1, 1), "P", 2),
                ektp_status=3,
                birth_date=sixteen,
                marital_status="BELUM KAWIN",
            ),
        ],
    )
    _stock(hub_app, "61.01.12", 5)
    with hub_app.app_context():
        rows, waiting = cards.print_queue(system(), "61.01.12")
        assert waiting == 1 and [r.name for r in rows] == ["WARGA 1"]
        (row,) = cards.figures(system())["rows"]
        assert (row["recorded"], row["waiting"]) == (2, 1)
