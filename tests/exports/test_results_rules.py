"""Results never silently lower a status, and a recorded person's future slot is freed."""

from __future__ import annotations

import datetime as dt
import io

from conftest import csrf_token
from sqlalchemy import select

from desa.appointments import booking, sessions
from desa.appointments.models import Booking, RecordingSession
from desa.exports import results
from desa.extensions import db as _db
from desa.residents.models import Resident

from .conftest import TODAY


def _parsed(*rows):
    return results.parse_entries(
        ((i, nik, status) for i, (nik, status) in enumerate(rows)), "results[%s]"
    )


def test_stages_follow_the_card_not_the_code_numbers():
    assert results.lowers(4, 2) and results.lowers(3, 1) and results.lowers(8, 7)
    assert not results.lowers(2, 3) and not results.lowers(5, 4)
    assert not results.lowers(7, 5)  # both recorded, not printed: a plain change
    assert not results.lowers(None, 1) and not results.lowers(2, 1)


def test_a_lowering_row_is_listed_not_applied(app, village, actor):
    with app.app_context():
        summary = results.apply_results(
            actor(),
            _parsed((village["cetak"].nik, 2), (village["ani"].nik, 3)),
            source="api",
        )
        assert summary.matched == 1
        assert summary.lowered == [
            (0, "6101********" + village["cetak"].nik[-4:], 4, 2)
        ]
        assert _db.session.get(Resident, village["cetak"].id).ektp_status == 4
        confirmed = results.apply_results(
            actor(),
            _parsed((village["cetak"].nik, 2)),
            source="api",
            confirm_lowered=True,
        )
        assert confirmed.matched == 1 and confirmed.lowered == []
        assert _db.session.get(Resident, village["cetak"].id).ektp_status == 2


def test_a_recorded_person_loses_their_future_slot_to_the_waitlist(
    app, village, actor, make_actor
):
    day = TODAY + dt.timedelta(days=3)
    with app.app_context():
        clerk = actor()
        s = sessions.create_session(
            clerk,
            {
                "date": day.isoformat(),
                "start": "08:00",
                "end": "12:00",
                "place": "Kantor Desa",
                "capacity": 1,
                "minutes_per_person": 10,
            },
        )
        booking.book(clerk, s, [village["ani"].nik])
        booking.join_waitlist(clerk, s, village["cici"].nik)
        summary = results.apply_results(
            clerk, _parsed((village["ani"].nik, 3)), source="api"
        )
        assert summary.released == 1
        statuses = dict(
            _db.session.execute(select(Booking.resident_id, Booking.status)).all()
        )
        assert statuses == {
            village["ani"].id: "cancelled",
            village["cici"].id: "active",
        }
        assert _db.session.get(RecordingSession, s.id).booked == 1


def test_todays_session_keeps_its_booking(app, village, actor):
    with app.app_context():
        clerk = actor()
        s = sessions.create_session(
            clerk,
            {
                "date": TODAY.isoformat(),
                "start": "08:00",
                "end": "12:00",
                "place": "Kantor Desa",
                "capacity": 2,
                "minutes_per_person": 10,
                "allow_non_working_day": True,
            },
        )
        (b,) = booking.book(clerk, s, [village["ani"].nik])
        summary = results.apply_results(
            clerk, _parsed((village["ani"].nik, 3)), source="api"
        )
        assert summary.released == 0 and b.status == "active"


def test_the_command_lists_lowering_rows_and_exits_3(runner, village, tmp_path, app):
    path = tmp_path / "hasil.csv"
    path.write_text(
        f"NIK,STAT_RKM\n{village['ani'].nik},3\n{village['cetak'].nik},2\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["recording", "import-results", str(path)])
    assert result.exit_code == 3, result.output
    assert result.stdout.strip() == "matched 1, unchanged 0, unmatched 0"
    assert "menurunkan status, tidak diterapkan: baris 3" in result.stderr
    assert "4 CARD PRINTED (KTP-el sudah dicetak) → 2 BELUM REKAM" in result.stderr
    assert village["cetak"].nik not in result.output
    with app.app_context():
        assert _db.session.get(Resident, village["cetak"].id).ektp_status == 4
    again = runner.invoke(
        args=["recording", "import-results", "--confirm-lowered", str(path)]
    )
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "matched 1, unchanged 1, unmatched 0"


def test_the_api_returns_lowering_rows(client, make_token, village):
    auth = {"Authorization": f"Bearer {make_token('district')}"}
    body = {"results": [{"nik": village["cetak"].nik, "status": 2}]}
    data = client.post("/api/v1/recording/results", json=body, headers=auth).get_json()
    assert data["matched"] == 0
    assert data["lowered"] == [
        {
            "index": 0,
            "nik": "6101********" + village["cetak"].nik[-4:],
            "current": 4,
            "status": 2,
        }
    ]
    wrong = client.post(
        "/api/v1/recording/results",
        json={**body, "confirm_lowered": "ya"},
        headers=auth,
    )
    assert wrong.status_code == 422
    done = client.post(
        "/api/v1/recording/results",
        json={**body, "confirm_lowered": True},
        headers=auth,
    ).get_json()
    assert done["matched"] == 1 and done["lowered"] == []


def test_the_upload_page_lists_lowering_rows(client, login, village):
    login("clerk")
    content = f"NIK,STAT_RKM\n{village['cetak'].nik},BELUM REKAM\n".encode()

    def upload(**extra):
        return client.post(
            "/recording/results",
            data={
                "csrf_token": csrf_token(client),
                "file": (io.BytesIO(content), "hasil.csv"),
                **extra,
            },
            content_type="multipart/form-data",
        )

    page = upload().get_data(as_text=True)
    assert "1 baris menurunkan status dan belum diterapkan" in page
    assert "4 CARD PRINTED" in page and "2 BELUM REKAM" in page
    page = upload(confirm_lowered="y").get_data(as_text=True)
    assert "menurunkan status dan belum" not in page
    assert "1 status diperbarui, 0 sudah sama, 0 NIK tidak ditemukan." in page
