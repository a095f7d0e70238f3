"""The village's change log: written by the database in the transaction of every
change the hub must hear of, whoever makes it, and only then."""

from __future__ import annotations

import datetime as dt

from conftest import nik_for, system
from sqlalchemy import delete, insert, select, update

from desa.extensions import db as _db
from desa.residents.models import Resident, ResidentEvent
from desa.sync.models import SyncLog


def _log() -> list[tuple[str, str]]:
    return [
        (row.entity, row.key)
        for row in _db.session.scalars(select(SyncLog).order_by(SyncLog.seq))
    ]


def _since(seq: int) -> list[tuple[str, str]]:
    return [
        (r.entity, r.key)
        for r in _db.session.scalars(
            select(SyncLog).where(SyncLog.seq > seq).order_by(SyncLog.seq)
        )
    ]


def _top() -> int:
    return max((r.seq for r in _db.session.scalars(select(SyncLog))), default=0)


def test_each_kind_of_resident_write_is_logged_and_only_those(app, make_resident):
    person = make_resident(name="SITI AMINAH")
    with app.app_context():
        assert ("resident", str(person.id)) in _log()
        mark = _top()
        # A column the hub keeps.
        _db.session.get(Resident, person.id).rt = "003"
        _db.session.commit()
        assert _since(mark) == [("resident", str(person.id))]
        mark = _top()
        # Columns that stay in the village: nothing to send.
        row = _db.session.get(Resident, person.id)
        row.phone, row.occupation, row.pin_epoch = "081234567890", "PETANI", 3
        _db.session.commit()
        # Setting a value to what it was: nothing either.
        _db.session.execute(update(Resident).values(rt="003"))
        _db.session.commit()
        assert _since(mark) == []
        # Many rows at once (the import's bulk path), then a delete.
        rows = [
            {
                "nik": nik_for(dt.date(1970, 1, 1), "L", 500 + i),
                "name": f"BULK {i}",
                "name_key": f"BULK {i}",
                "sex": "L",
                "citizenship": "WNI",
                "life_status": "active",
            }
            for i in range(5)
        ]
        _db.session.execute(insert(Resident.__table__), rows)
        _db.session.execute(delete(Resident).where(Resident.id == person.id))
        _db.session.commit()
        logged = _since(mark)
        assert len(logged) == 6 and logged[-1] == ("resident", str(person.id))
        assert all(entity == "resident" for entity, _key in logged)


def test_a_rolled_back_write_leaves_no_log(app, make_resident):
    person = make_resident()
    with app.app_context():
        mark = _top()
        _db.session.get(Resident, person.id).name = "NAMA LAIN"
        _db.session.flush()
        assert _since(mark) == [("resident", str(person.id))]
        _db.session.rollback()
        assert _since(mark) == []


def test_events_are_logged_and_the_sequence_only_grows(app, make_resident):
    from desa.residents import registry

    person = make_resident(marital_status="BELUM KAWIN")
    with app.app_context():
        mark = _top()
        resident = _db.session.get(Resident, person.id)
        registry.record_event(system(), resident, "death", "2026-11-20", "meninggal")
        _db.session.commit()
        event_id = _db.session.scalar(select(ResidentEvent.id))
        logged = _since(mark)
        assert ("event", str(event_id)) in logged
        assert ("resident", str(person.id)) in logged  # life status: deceased
        seqs = [
            r.seq for r in _db.session.scalars(select(SyncLog).order_by(SyncLog.seq))
        ]
        assert seqs == sorted(set(seqs))


def test_the_status_time_is_kept_by_the_database(app, make_resident):
    person = make_resident(ektp_status=2)
    with app.app_context():
        assert _db.session.get(Resident, person.id).ektp_status_at is None
        _db.session.execute(
            update(Resident).where(Resident.id == person.id).values(ektp_status=3)
        )
        _db.session.commit()
        first = _db.session.scalar(select(Resident.ektp_status_at))
        assert first is not None
        assert abs(first - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(
            minutes=5
        )
        # A write that does not change the status keeps its time.
        _db.session.execute(update(Resident).values(ektp_status=3, name="SAMA"))
        _db.session.commit()
        assert _db.session.scalar(select(Resident.ektp_status_at)) == first
        # A write that sets the time itself (the district's, from a return
        # bundle) is taken as it is.
        given = dt.datetime(2026, 1, 2, 3, 4, 5)
        _db.session.execute(
            update(Resident).values(ektp_status=8, ektp_status_at=given)
        )
        _db.session.commit()
        assert _db.session.scalar(select(Resident.ektp_status_at)) == given
