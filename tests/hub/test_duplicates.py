"""One NIK in two villages: a duplicate when active in both, a matched move when
moved out of one and active in the other."""

from __future__ import annotations

import datetime as dt

from conftest import nik_for, system

from desa.hub import duplicates

from .conftest import resident_line

BORN = dt.date(1985, 6, 1)


def test_duplicates_and_moves_across_villages(hub_app, other_village):
    twice, moved, alone, temp = (nik_for(BORN, "L", n) for n in (11, 12, 13, 14))
    gone = nik_for(BORN, "L", 15)
    other_village(
        "61.01.12.2001",
        [
            resident_line(1, twice, name="ABDUL"),
            resident_line(2, moved, name="BUDI", life_status="moved"),
            resident_line(3, alone),
            resident_line(4, temp, nik_temporary=True),
            resident_line(5, gone, life_status="moved"),
        ],
    )
    other_village(
        "61.01.01.2001",
        [
            resident_line(7, twice, name="ABDUL"),
            resident_line(8, moved, name="BUDI"),
            resident_line(9, temp, nik_temporary=True),
            resident_line(10, gone, life_status="deceased"),
        ],
    )
    with hub_app.app_context():
        found = duplicates.crossings(system())
    by_nik = {c.nik: c for c in found}
    assert set(by_nik) == {twice, moved}
    assert by_nik[twice].kind == duplicates.DUPLICATE
    assert [h.village_code for h in by_nik[twice].holders] == [
        "61.01.01.2001",
        "61.01.12.2001",
    ]
    assert by_nik[moved].kind == duplicates.MOVE
    assert {h.life_status for h in by_nik[moved].holders} == {"active", "moved"}
    assert duplicates.summary(found) == {"duplicate": 1, "move": 1}
