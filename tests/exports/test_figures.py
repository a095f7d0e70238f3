"""The district's figures: shape, arithmetic, who counts, scope, months."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from desa.exports import figures
from desa.extensions import db as _db

from .conftest import TODAY

VILLAGE_WIDE = SimpleNamespace(role="clerk")
KEYS = [
    "dusun",
    "rw",
    "rt",
    "wajib",
    "recorded",
    "recorded_pct",
    "not_recorded",
    "not_recorded_pct",
    "printed",
    "printed_pct",
]


def _figures(app, actor, principal=VILLAGE_WIDE, day=TODAY, level="rt"):
    with app.app_context():
        return figures.figures(actor(principal, day), day, level)


def test_shape_and_arithmetic_per_rt(app, village, actor):
    data = _figures(app, actor)
    assert data["as_of"] == "2026-11-23"
    assert [list(r) for r in data["rows"]] == [KEYS] * 3
    assert [(r["dusun"], r["rw"], r["rt"]) for r in data["rows"]] == [
        ("Sungai Bedung", "001", "002"),
        ("Sungai Bedung", "001", "003"),
        ("Tanjung", "002", "001"),
    ]
    rt2, rt3, tanjung = data["rows"]
    # Dead, moved, foreign and not-yet-17 people do not count.
    assert rt2 == {
        "dusun": "Sungai Bedung",
        "rw": "001",
        "rt": "002",
        "wajib": 5,
        "recorded": 2,
        "recorded_pct": 40.0,
        "not_recorded": 3,
        "not_recorded_pct": 60.0,
        "printed": 1,
        "printed_pct": 50.0,
    }
    assert (rt3["wajib"], rt3["recorded"], rt3["printed"]) == (3, 2, 1)
    assert (rt3["recorded_pct"], rt3["not_recorded_pct"]) == (66.67, 33.33)
    assert (tanjung["wajib"], tanjung["printed_pct"]) == (2, 100.0)
    assert data["total"] == {
        "wajib": 10,
        "recorded": 5,
        "recorded_pct": 50.0,
        "not_recorded": 5,
        "not_recorded_pct": 50.0,
        "printed": 3,
        "printed_pct": 60.0,
    }


def test_the_date_decides_who_is_wajib(app, village, actor):
    tomorrow = _figures(app, actor, day=TODAY + dt.timedelta(days=1))
    assert tomorrow["rows"][0]["wajib"] == 6  # DEDI turns 17
    last_year = _figures(app, actor, day=dt.date(2025, 11, 23))
    assert last_year["rows"][0]["wajib"] == 4  # BUDI was 16


def test_a_death_drops_a_person_at_once(app, village, actor):
    from desa.residents import registry
    from desa.residents.models import Resident

    with app.app_context():
        ani = _db.session.get(Resident, village["ani"].id)
        registry.record_event(actor(), ani, "death", "2026-11-20", "meninggal")
        _db.session.commit()
    row = _figures(app, actor)["rows"][0]
    assert (row["wajib"], row["not_recorded"]) == (4, 2)


def test_rt_heads_see_only_their_rt(app, village, actor):
    head = SimpleNamespace(role="rt", rw="001", rt="003")
    data = _figures(app, actor, principal=head)
    assert [(r["rw"], r["rt"]) for r in data["rows"]] == [("001", "003")]
    assert data["total"]["wajib"] == 3


def test_grouping_per_rw_and_per_dusun(app, village, actor):
    per_rw = _figures(app, actor, level="rw")["rows"]
    assert [(r["dusun"], r["rw"], r["rt"], r["wajib"]) for r in per_rw] == [
        ("Sungai Bedung", "001", None, 8),
        ("Tanjung", "002", None, 2),
    ]
    per_dusun = _figures(app, actor, level="dusun")["rows"]
    assert [(r["dusun"], r["rw"], r["recorded"]) for r in per_dusun] == [
        ("Sungai Bedung", None, 4),
        ("Tanjung", None, 1),
    ]
    assert per_dusun[0]["recorded_pct"] == 50.0


def test_empty_village_has_zero_shares(app, actor):
    data = _figures(app, actor)
    assert data["rows"] == []
    assert data["total"]["recorded_pct"] == 0.0 and data["total"]["printed_pct"] == 0.0


def test_percentages_round_half_up():
    assert figures.pct(1, 3) == 33.33 and figures.pct(2, 3) == 66.67
    assert figures.pct(1, 8) == 12.5 and figures.pct(1, 16) == 6.25
    assert figures.pct(1, 200) == 0.5 and figures.pct(1, 0) == 0.0
    assert figures.pct(1, 800) == 0.13  # 0.125 rounds up


def test_recordings_per_month_from_history(app, village, actor):
    from desa.residents.models import ResidentChange

    def change(key, when, before, after, field="ektp_status"):
        _db.session.add(
            ResidentChange(
                resident_id=village[key].id,
                changed_at=when,
                changed_by="uji",
                field=field,
                before=before,
                after=after,
            )
        )

    with app.app_context():
        change("ani", dt.datetime(2026, 11, 5, 3), "2", "3")
        change("budi", dt.datetime(2026, 10, 31, 18), "1", "3")  # 1 Nov in Pontianak
        change("cici", dt.datetime(2026, 9, 9, 3), None, "4")
        change("rekam", dt.datetime(2026, 11, 6, 3), "3", "4")  # printed, not new
        change("eko", dt.datetime(2026, 11, 7, 3), "3", "2")  # not a recording
        change("fajar", dt.datetime(2026, 11, 8, 3), "2", "3", field="rt")
        change("gita", dt.datetime(2025, 11, 8, 3), "2", "3")  # outside 12 months
        change("terbit", dt.datetime(2026, 11, 8, 3), "2", "8")  # other RT
        _db.session.commit()
        months = figures.recordings_per_month(actor(VILLAGE_WIDE), TODAY)
        own = figures.recordings_per_month(
            actor(SimpleNamespace(role="rt", rw="001", rt="002")), TODAY
        )
    assert [m["month"] for m in months][0] == "2025-12"
    assert len(months) == 12 and months[-1]["month"] == "2026-11"
    by_month = {m["month"]: m["recorded"] for m in months}
    assert by_month["2026-11"] == 3 and by_month["2026-10"] == 0
    assert by_month["2026-09"] == 1
    assert {m["month"]: m["recorded"] for m in own}["2026-11"] == 2


def test_past_figures_use_each_persons_state_on_that_date(app, village, actor):
    """What happens today (recorded here, a death dated the 20th, a marriage of a
    16-year-old) leaves the figures of the 19th as they were."""
    from desa.exports import results
    from desa.residents import registry
    from desa.residents.models import Resident

    before = {
        day: _figures(app, actor, day=day)
        for day in (dt.date(2026, 11, 19), dt.date(2026, 11, 21))
    }
    with app.app_context():
        system = actor()
        results.apply_results(
            system,
            results.parse_entries([(0, village["cici"].nik, 3)], "%s"),
            source="api",
        )
        ani = _db.session.get(Resident, village["ani"].id)
        registry.record_event(system, ani, "death", "2026-11-20", "")
        dedi = _db.session.get(Resident, village["dedi"].id)
        registry.record_event(system, dedi, "marriage", "2026-11-23", "")
        _db.session.commit()

    def at(day):
        return _figures(app, actor, day=day)["rows"][0]

    # On the 19th nothing of it had happened yet: the same figures, not today's.
    assert at(dt.date(2026, 11, 19)) == before[dt.date(2026, 11, 19)]["rows"][0]
    # On the 21st ANI had died; CICI's recording and DEDI's marriage came later.
    was = before[dt.date(2026, 11, 21)]["rows"][0]
    now = at(dt.date(2026, 11, 21))
    assert (now["wajib"], now["recorded"]) == (was["wajib"] - 1, was["recorded"])
    # Today: CICI recorded, ANI gone, DEDI married (wajib, 2 BELUM REKAM).
    today = at(TODAY)
    assert today["wajib"] == was["wajib"] - 1 + 1 + 1  # BUDI 17, DEDI married
    assert today["recorded"] == was["recorded"] + 1


def test_a_move_in_after_the_date_was_not_here_then(app, village, actor):
    from desa.residents import registry
    from desa.residents.models import Resident

    day = dt.date(2026, 11, 10)
    before = _figures(app, actor, day=day)["total"]["wajib"]
    with app.app_context():
        pindah = _db.session.get(Resident, village["pindah"].id)
        registry.record_event(actor(), pindah, "move_in", "2026-11-15", "")
        _db.session.commit()
    assert _figures(app, actor, day=day)["total"]["wajib"] == before
    assert _figures(app, actor, day=dt.date(2026, 11, 16))["total"]["wajib"] == (
        before + 1
    )
