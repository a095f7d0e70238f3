"""The resident tallies the figures read: kept by the database's triggers through
every kind of write, and giving the same figures as counting the register."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from conftest import nik_for
from sqlalchemy import delete, func, insert, select, update

from desa.exports import figures
from desa.exports.models import ResidentTally
from desa.extensions import db as _db
from desa.residents.models import Resident

from .conftest import TODAY

VILLAGE_WIDE = SimpleNamespace(role="clerk")
MARITAL = (None, "BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")
AREAS = (
    ("Sungai Bedung", "001", "002"),
    ("Sungai Bedung", "001", "003"),
    ("Tanjung", "002", "001"),
    (None, None, None),
    ("Tanjung", "002", None),
)


def _recounted() -> dict[tuple, int]:
    """What the tallies must hold, counted from the register in Python."""
    out: dict[tuple, int] = {}
    for r in _db.session.scalars(select(Resident)):
        married = int(r.marital_status not in (None, "BELUM KAWIN"))
        key = (
            r.life_status,
            r.citizenship or "",
            r.dusun or "",
            r.rw or "",
            r.rt or "",
            -1 if r.ektp_status is None else r.ektp_status,
            married,
            9999 if r.birth_date is None else r.birth_date.year,
        )
        out[key] = out.get(key, 0) + 1
    return out


def _tallies() -> dict[tuple, int]:
    t = ResidentTally
    return {
        (
            row.life_status,
            row.citizenship,
            row.dusun,
            row.rw,
            row.rt,
            row.ektp_status,
            row.married,
            row.birth_year,
        ): row.n
        for row in _db.session.scalars(select(t).where(t.n != 0))
    }


def _random_rows(rng: random.Random, count: int, start: int) -> list[dict]:
    """Residents around the wajib boundary, with unknowns, in every state."""
    cutoff = dt.date(2009, 11, 23)
    rows = []
    for i in range(count):
        birth = rng.choice(
            [
                None,
                cutoff,
                cutoff + dt.timedelta(days=1),
                cutoff - dt.timedelta(days=1),
                dt.date(2009, 1, 1),
                dt.date(2009, 12, 31),
                dt.date(2008, 2, 29),
                dt.date(1960 + rng.randrange(60), 1 + rng.randrange(12), 1),
            ]
        )
        dusun, rw, rt = rng.choice(AREAS)
        n = start + i
        rows.append(
            {
                "nik": nik_for(birth or dt.date(1990, 1, 1), "L", n % 9000 + 1)[:12]
                + f"{n % 10000:04d}",
                "name": f"ACAK {n}",
                "name_key": f"ACAK {n}",
                "sex": "L",
                "birth_date": birth,
                "marital_status": rng.choice(MARITAL),
                "citizenship": rng.choice(("WNI", "WNI", "WNI", "WNA")),
                "dusun": dusun,
                "rw": rw,
                "rt": rt,
                "life_status": rng.choice(("active", "active", "deceased", "moved")),
                "ektp_status": rng.choice((None, 1, 2, 3, 4, 5, 8)),
            }
        )
    return rows


def test_triggers_keep_the_tallies_through_every_kind_of_write(app, make_resident):
    rng = random.Random(20261207)
    first = make_resident(marital_status=None, rw=None, rt=None, dusun=None)
    make_resident(birth_date=None, ektp_status=None)
    with app.app_context():
        assert _tallies() == _recounted()
        # A bulk insert (the import's path), then updates of every watched column.
        _db.session.execute(insert(Resident.__table__), _random_rows(rng, 120, 1000))
        _db.session.commit()
        assert _tallies() == _recounted()
        ids = list(_db.session.scalars(select(Resident.id)))
        for rid in rng.sample(ids, 40):
            _db.session.execute(
                update(Resident)
                .where(Resident.id == rid)
                .values(
                    ektp_status=rng.choice((None, 1, 2, 3, 8)),
                    marital_status=rng.choice(MARITAL),
                    life_status=rng.choice(("active", "deceased")),
                )
            )
        # One statement moving many rows (PostgreSQL: one trigger call for all).
        _db.session.execute(
            update(Resident)
            .where(Resident.rw == "001")
            .values(rw="003", birth_date=dt.date(2009, 6, 1))
        )
        # An update of a column the tallies do not hold changes nothing.
        _db.session.execute(update(Resident).values(phone="081234567890"))
        _db.session.commit()
        assert _tallies() == _recounted()
        # Through the ORM, and deletes.
        person = _db.session.get(Resident, first.id)
        person.dusun, person.rw, person.rt = "Tanjung", "002", "001"
        _db.session.execute(delete(Resident).where(Resident.id.in_(ids[5:25])))
        _db.session.commit()
        assert _tallies() == _recounted()
        # A rolled-back write leaves them as they were.
        _db.session.execute(update(Resident).values(ektp_status=3))
        _db.session.rollback()
        assert _tallies() == _recounted()
        assert sum(_tallies().values()) == _db.session.scalar(
            select(func.count()).select_from(Resident)
        )


@pytest.mark.parametrize(
    "day",
    [
        TODAY,
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        dt.date(2025, 11, 23),
        dt.date(2028, 2, 29),  # the cutoff is 28 February 2011
    ],
)
def test_figures_from_tallies_are_the_register_counted(
    app, actor, monkeypatch, make_resident, day
):
    rng = random.Random(day.toordinal())
    with app.app_context():
        _db.session.execute(insert(Resident.__table__), _random_rows(rng, 300, 5000))
        _db.session.commit()
    for principal in (
        VILLAGE_WIDE,
        SimpleNamespace(role="rt", rw="001", rt="002"),
        SimpleNamespace(role="rt", rw="002", rt=None),
    ):
        with app.app_context():
            tallied = figures.figures(actor(principal, day), day)
        monkeypatch.setattr(figures, "tally_scope", lambda _actor: None)
        with app.app_context():
            counted = figures.figures(actor(principal, day), day)
        monkeypatch.undo()
        assert tallied == counted
        assert principal is not VILLAGE_WIDE or tallied["total"]["wajib"] > 50


def test_a_past_date_replays_history_the_same_way(app, actor, monkeypatch):
    """Residents changed after the date count as they were, on either path."""
    from desa.residents import registry
    from desa.residents.models import ResidentChange

    rng = random.Random(7)
    with app.app_context():
        _db.session.execute(insert(Resident.__table__), _random_rows(rng, 80, 9000))
        _db.session.commit()
        people = _db.session.scalars(
            select(Resident)
            .where(Resident.life_status == "active", Resident.citizenship == "WNI")
            .where(Resident.birth_date < dt.date(2000, 1, 1))
            .limit(3)
        ).all()
        registry.record_event(actor(), people[0], "death", "2026-11-20", "meninggal")
        # Recorded this week: on an earlier date still "belum rekam".
        people[1].ektp_status = 3
        _db.session.add(
            ResidentChange(
                resident_id=people[1].id,
                changed_at=dt.datetime(2026, 11, 22, 3, 0),
                field="ektp_status",
                before="2",
                after="3",
                changed_by="test",
            )
        )
        _db.session.commit()
    # No one in these rows turns 17 between 19 and 21 November: only the death,
    # on the 20th, tells the two days apart.
    before, after = dt.date(2026, 11, 19), dt.date(2026, 11, 21)
    results = {}
    for path in ("tallies", "register"):
        if path == "register":
            monkeypatch.setattr(figures, "tally_scope", lambda _actor: None)
        with app.app_context():
            results[path] = [
                figures.figures(actor(VILLAGE_WIDE, TODAY), day)
                for day in (before, after, TODAY)
            ]
    assert results["tallies"] == results["register"]
    on_19th, on_21st, _today = results["tallies"]
    assert on_19th["total"]["wajib"] == on_21st["total"]["wajib"] + 1


def test_a_list_total_from_the_tallies_is_its_rows_counted(app, actor, monkeypatch):
    """The resident list's total (page links, the API's `total`) comes from the
    tallies when only tally columns filter it, and equals counting its rows."""
    from desa.core import pages
    from desa.residents import services

    rng = random.Random(1207)
    with app.app_context():
        _db.session.execute(insert(Resident.__table__), _random_rows(rng, 200, 7000))
        _db.session.commit()
    tallied_filters = [
        {},
        {"dusun": "Tanjung"},
        {"rw": "1", "rt": "002"},
        {"rw": "002", "life_status": "active"},
        {"ektp_status": "3"},
        {"dusun": "Sungai Bedung", "life_status": "deceased", "ektp_status": "1"},
    ]
    counted_filters = [{"q": "ACAK 70"}, {"pending": True}, {"rw": "2", "q": "AC"}]
    counting = pages.count
    for principal in (VILLAGE_WIDE, SimpleNamespace(role="rt", rw="001", rt="002")):
        for filters in tallied_filters + counted_filters:
            with app.app_context():
                who = actor(principal)
                stmt = services.search(who, **filters)
                expected = counting(stmt)
                monkeypatch.setattr(pages, "count", None)  # the tallies or nothing
                if filters in counted_filters:
                    monkeypatch.setattr(pages, "count", counting)
                total = services.counter(who, stmt, **filters)()
                monkeypatch.setattr(pages, "count", counting)
            assert total == expected, (principal, filters)
    with app.app_context():  # not a vacuous comparison
        assert counting(services.search(actor(VILLAGE_WIDE), dusun="Tanjung")) > 20
