"""Bundles applied at the hub: whole or not at all, in order, once; and the
district's e-KTP status never overwritten by an older one from the village."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import system
from sqlalchemy import func, select, update

from desa.extensions import db as _db
from desa.hub.models import HubBundle, HubEvent, HubResident, HubVillage
from desa.residents.models import Resident
from desa.sync.bundle import SyncFileError
from desa.sync.models import SyncState


def _village(sync) -> HubVillage:
    (found,) = sync.hub_rows(HubVillage)
    return found


def _held(sync) -> dict[int, HubResident]:
    return {r.local_id: r for r in sync.hub_rows(HubResident)}


def _edit(app, resident_id, **values) -> None:
    with app.app_context():
        _db.session.execute(
            update(Resident).where(Resident.id == resident_id).values(**values)
        )
        _db.session.commit()


def test_the_first_bundle_carries_everyone_and_a_repeat_changes_nothing(
    sync, make_resident
):
    people = [make_resident(name=f"WARGA {i}") for i in range(3)]
    first = sync.export()
    got = sync.apply(first)
    assert not got.already and got.changes == 3 and got.seq_from == 1
    assert got.line == f"applied 3 changes from 61.01.12.2002 seq 1..{got.seq_to}"
    held = _held(sync)
    assert sorted(held) == sorted(p.id for p in people)
    assert {r.name for r in held.values()} == {"WARGA 0", "WARGA 1", "WARGA 2"}
    village = _village(sync)
    assert village.last_seq == got.seq_to and village.last_applied_at is not None
    again = sync.apply(first)
    assert again.already and again.line == "already applied"
    assert len(sync.hub_rows(HubBundle)) == 1  # the repeat left no trace


def test_changes_since_the_acknowledgement_travel_as_they_are_now(
    app, sync, make_resident
):
    from desa.residents import registry

    keep, edit, drop, die = (make_resident(name=f"WARGA {i}") for i in range(4))
    sync.apply(sync.export())
    sync.give_back()  # the acknowledgement: the next bundle has the changes only
    _edit(app, edit.id, rt="009", name="NAMA BARU")
    _edit(app, edit.id, name="NAMA TERAKHIR")  # two edits: one line, as it is now
    with app.app_context():
        _db.session.delete(_db.session.get(Resident, drop.id))
        registry.record_event(
            system(), _db.session.get(Resident, die.id), "death", "2026-11-20", "-"
        )
        _db.session.commit()
    path = sync.export()
    got = sync.apply(path)
    assert got.changes == 4  # edit, drop (a tombstone), die and its event
    held = _held(sync)
    assert drop.id not in held and keep.id in held
    assert (held[edit.id].name, held[edit.id].rt) == ("NAMA TERAKHIR", "009")
    assert held[die.id].life_status == "deceased"
    (event,) = sync.hub_rows(HubEvent)
    assert (event.type, event.date) == ("death", dt.date(2026, 11, 20))
    assert sync.apply(path).already


def test_a_gap_is_refused_and_nothing_is_applied(app, sync, make_resident):
    person = make_resident(name="AWAL")
    sync.apply(sync.export())
    sync.give_back()
    _edit(app, person.id, name="HILANG DI JALAN")
    lost = sync.export()  # this bundle never reaches the hub …
    with app.app_context():  # … but the village was told it had
        _db.session.execute(
            update(SyncState).values(
                acked_seq=_db.session.get(SyncState, 1).last_export_seq
            )
        )
        _db.session.commit()
    _edit(app, person.id, rt="005")
    with pytest.raises(SyncFileError, match="ada perubahan yang terlewat"):
        sync.apply(sync.export())
    assert _held(sync)[person.id].name == "AWAL"
    assert sync.apply(lost).changes == 1  # the missing one still goes in


def test_a_bundle_from_an_unknown_or_another_village_is_refused(
    sync, make_resident, tmp_path
):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desa.letters import token as tokens
    from desa.sync import bundle

    person = make_resident()
    header = {
        "kind": "village",
        "village": {"code": "61.01.12.2002", "name": "Desa Merubung"},
        "issuer": {"code": "61.01.12.2002"},
        "seq_from": 1,
        "seq_to": 1,
        "full": True,
        "made_at": "2026-12-07T10:00:00+07:00",
    }
    line = {"t": "resident", "id": person.id, "gone": True}
    other = Ed25519PrivateKey.generate()
    stranger = tmp_path / "stranger.gz"
    bundle.write(
        stranger,
        header,
        [line],
        kid=tokens.kid_of(other.public_key()),
        private_key=other,
    )
    with pytest.raises(SyncFileError, match="tidak dikenal"):
        sync.apply(stranger)
    # The village's own kid, but another key's signature (a forged bundle).
    with sync.village.app_context():
        from desa.trust.keys import active_key

        kid = active_key().kid
    forged = tmp_path / "forged.gz"
    bundle.write(forged, header, [line], kid=kid, private_key=other)
    with pytest.raises(SyncFileError, match="Tanda tangan"):
        sync.apply(forged)
    # A village the hub does not know.
    elsewhere = dict(header, village={"code": "61.01.12.2001", "name": "Lain"})
    unknown = tmp_path / "unknown.gz"
    bundle.write(unknown, elsewhere, [line], kid=kid, private_key=other)
    with pytest.raises(SyncFileError, match="belum terdaftar"):
        sync.apply(unknown)
    assert _held(sync) == {} and _village(sync).last_seq is None


def test_a_damaged_file_is_refused_and_nothing_is_applied(
    sync, make_resident, tmp_path
):
    make_resident()
    raw = bytearray(sync.export().read_bytes())
    raw[len(raw) // 2] ^= 0x55
    damaged = tmp_path / "rusak.gz"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(SyncFileError, match="rusak"):
        sync.apply(damaged)
    assert _held(sync) == {} and _village(sync).last_seq is None


def test_killed_mid_apply_nothing_is_left(sync, make_resident, monkeypatch):
    from desa.hub import apply

    for i in range(5):
        make_resident(name=f"WARGA {i}")
    path = sync.export()

    def killed(*_args):
        raise KeyboardInterrupt  # the process stopped after the residents went in

    monkeypatch.setattr(apply, "_apply_events", killed)
    with pytest.raises(KeyboardInterrupt):
        sync.apply(path)
    monkeypatch.undo()
    assert _held(sync) == {} and _village(sync).last_seq is None
    assert sync.apply(path).changes == 5


def test_an_incremental_bundle_before_any_full_one_is_refused(app, sync, make_resident):
    person = make_resident()
    sync.export()  # made, never carried
    with app.app_context():
        _db.session.execute(update(SyncState).values(acked_seq=1))
        _db.session.commit()
    _edit(app, person.id, name="BARU")
    with pytest.raises(SyncFileError, match="belum menerima data lengkap"):
        sync.apply(sync.export())


def test_an_older_full_bundle_is_not_applied_over_a_newer_one(
    app, sync, make_resident, freeze
):
    person = make_resident(name="LAMA")
    freeze(dt.datetime(2026, 12, 1, 9, 0))
    old = sync.export(full=True)
    _edit(app, person.id, name="BARU")
    freeze(dt.datetime(2026, 12, 2, 9, 0))
    sync.apply(sync.export(full=True))
    with pytest.raises(SyncFileError, match="sebelum bundel terakhir"):
        sync.apply(old)
    assert _held(sync)[person.id].name == "BARU"


def test_a_full_bundle_replaces_what_the_hub_held(app, sync, make_resident):
    stays, goes = make_resident(name="TETAP"), make_resident(name="PERGI")
    sync.apply(sync.export())
    with app.app_context():  # gone without a log row (a restore, a hand fix)
        _db.session.execute(Resident.__table__.delete().where(Resident.id == goes.id))
        _db.session.execute(select(func.count()).select_from(Resident))
        _db.session.commit()
    sync.apply(sync.export(full=True))
    assert list(_held(sync)) == [stays.id]


def test_the_district_status_outranks_an_older_village_status(
    app, hub_app, sync, make_resident
):
    from desa.hub import services

    person = make_resident(ektp_status=2)  # BELUM REKAM, time unknown
    sync.apply(sync.export())
    with hub_app.app_context():  # Disdukcapil records them: SUDAH REKAM
        village = _db.session.scalar(select(HubVillage))
        assert services.set_district_status(system(), village, person.id, 3)
        _db.session.commit()
    _edit(app, person.id, name="NAMA DIBETULKAN")  # the village's status is older
    sync.apply(sync.export())
    held = _held(sync)[person.id]
    assert (held.name, held.ektp_status, held.ektp_source) == (
        "NAMA DIBETULKAN",
        3,
        "district",
    )
    # The status goes back to the village in the return bundle …
    sync.give_back()
    with app.app_context():
        assert _db.session.get(Resident, person.id).ektp_status == 3
    # … and reading it again changes nothing.
    sync.give_back()
    # Later, the village changes it (card printed): that is newer, and it wins.
    _edit(app, person.id, ektp_status=4)
    sync.apply(sync.export())
    held = _held(sync)[person.id]
    assert (held.ektp_status, held.ektp_source) == (4, "village")
