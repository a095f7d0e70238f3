"""The recording campaign: the hub plans sessions from every village's pending
list, the officer adjusts and publishes, the sessions arrive in the village as
ordinary ones, and their bookings travel back up."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import PASSWORD, nik_for, post_login_as, system
from sqlalchemy import func, select

from desa.campaign import planner
from desa.extensions import db as _db

from .conftest import resident_line

PACE = planner.Pace(7, 45, dt.time(8), dt.time(15), dt.time(18, 30), dt.time(21, 30))
# Two kits: 60 rounds of 7 minutes in a day, two people a round.
DAY = 120


def _village(vid: int, rts: list[int], frail: int = 0, employers=(), kec="61.01.12"):
    v = planner.VillageDemand(
        vid, f"{kec}.{2000 + vid}", f"Desa {vid}", kec, "Tekarang"
    )
    v.rts = [("001", f"{i:03d}", n) for i, n in enumerate(rts, start=1) if n]
    v.frail = frail
    v.employers = list(employers)
    return v


def _days(n: int) -> list[dt.date]:
    start = dt.date(2027, 1, 4)
    return planner.working_days(
        start, start + dt.timedelta(days=n), set(), lambda d: False
    )


def _team(i: int = 1, stations: int = 2, base: str = "61.01.12") -> planner.TeamInfo:
    return planner.TeamInfo(i, f"Tim {i}", stations, base)


def _placed(found: planner.Plan) -> dict[str, int]:
    out: dict[str, int] = {}
    for shift in found.shifts:
        for slot in shift.slots:
            out[slot.kind] = out.get(slot.kind, 0) + slot.people
    return out


def test_the_plan_places_everyone_once_by_rt_office_home_and_evening():
    big = _village(1, [70, 60, 30], frail=3)  # 160: a day at the hall, 40 to the office
    small = _village(
        2, [25], employers=[planner.Employer(7, "PT Sawit", "Kebun A", 40)]
    )
    tiny_staff = _village(3, [10], employers=[planner.Employer(8, "Toko", None, 4)])
    found = planner.plan([big, small, tiny_staff], [_team()], PACE, _days(30), {})
    assert found.uncovered == {"village": 0, "frail": 0, "staff": 0}
    placed = _placed(found)
    assert placed == {"village": DAY, "office": 40 + 25 + 10, "home": 3, "employer": 44}
    hall = [s for sh in found.shifts for s in sh.slots if s.kind == "village"]
    # RT after RT in the village's day; the RT the day cannot hold goes on to the office.
    assert [(s.rt, s.people) for s in hall] == [("001", 70), ("002", 50)]
    assert [s.offset for s in hall] == [0, 35 * 7]
    office = next(sh for sh in found.shifts if sh.slots[0].kind == "office")
    # The office's short day takes the home round in the afternoon: 75 people in
    # 38 rounds of 7 minutes, half an hour to move, then 2 rounds of 45 minutes.
    assert [(s.kind, s.village_id, s.people, s.offset) for s in office.slots] == [
        ("office", 1, 40, 0),
        ("office", 2, 25, 140),
        ("office", 3, 10, 224),
        ("home", 1, 3, 38 * 7 + planner.MOVE_MINUTES),
    ]
    assert office.slots[-1].offset + office.slots[-1].length <= PACE.day_minutes
    assert found.team_days == pytest.approx(
        2 + 2 * PACE.evening_minutes / PACE.day_minutes
    )
    evenings = [sh for sh in found.shifts if sh.evening]
    # PT Sawit has an evening of its own at its site; the shop's 4 share the hall.
    assert [(sh.slots[0].employer_local_id, sh.slots[0].place) for sh in evenings] == [
        (7, "Kebun A"),
        (None, "Balai Desa 3"),
    ]
    # Evenings fall on the team's days in the kecamatan, never on a day of their own.
    day_dates = {sh.date for sh in found.shifts if not sh.evening}
    assert {sh.date for sh in evenings} <= day_dates
    assert len({(sh.team_id, sh.date, sh.evening) for sh in found.shifts}) == len(
        found.shifts
    )


def test_the_plan_stays_near_its_lower_bound_and_counts_what_does_not_fit():
    villages = [
        _village(i, [40 + (i * 37) % 150, 30], frail=i % 4) for i in range(1, 40)
    ]
    found = planner.plan(villages, [_team(1), _team(2)], PACE, _days(120), {})
    assert sum(found.uncovered.values()) == 0
    assert found.lower_bound > 0 and found.ratio <= 1.15
    people = sum(v.ordinary + v.frail for v in villages)
    assert sum(_placed(found).values()) == people
    short = planner.plan(villages, [_team(1)], PACE, _days(6), {})
    left = sum(short.uncovered.values())
    assert left > 0 and sum(_placed(short).values()) + left == people


def test_kecamatan_go_to_teams_by_load_their_own_first():
    a = [_village(i, [DAY * 3], kec="61.01.01") for i in range(1, 3)]  # 6 days
    b = [_village(i, [DAY], kec="61.01.12") for i in range(3, 5)]  # 2 days
    chosen = planner.assign(
        {"61.01.01": a, "61.01.12": b},
        [_team(1, base="61.01.12"), _team(2, base="61.01.01")],
        PACE,
    )
    assert chosen["61.01.01"].id == 2 and chosen["61.01.12"].id == 1


# --- at the hub -----------------------------------------------------------------------


def _hub_campaign(hub_app, **values):
    from desa.campaign import services

    with hub_app.app_context():
        services.save_team(
            system(),
            {
                "name": "Tim Tekarang",
                "operators": 2,
                "kits": 2,
                "base_kecamatan": "61.01.12",
            },
        )
        start = dt.date.today() + dt.timedelta(days=7)
        made = services.create_campaign(
            system(),
            {
                "name": "Jemput bola 2027",
                "starts_on": start.isoformat(),
                "ends_on": (start + dt.timedelta(days=60)).isoformat(),
                **values,
            },
        )
        _db.session.commit()
        return made.id


def test_demand_leaves_out_the_recorded_elsewhere_and_sorts_the_frail_and_staff(
    hub_app, other_village
):
    from desa.campaign import services
    from desa.campaign.models import Campaign

    moved = nik_for(dt.date(1990, 1, 1), "P", 11)
    lines = [
        resident_line(1, nik_for(dt.date(1990, 1, 1), "L", 1)),
        # Booked already in the village: not planned again.
        resident_line(2, nik_for(dt.date(1990, 1, 1), "L", 2), rt="002", booked=True),
        resident_line(
            3, nik_for(dt.date(1940, 1, 1), "L", 3), birth_date="1940-01-01"
        ),  # 86: a home visit
        resident_line(4, nik_for(dt.date(1990, 1, 1), "L", 4), disabled=True),
        resident_line(5, nik_for(dt.date(1990, 1, 1), "L", 5)),  # staff of PT 9
        resident_line(6, moved),  # recorded in the other village: not again
        resident_line(7, nik_for(dt.date(1990, 1, 1), "L", 7), ektp_status=3),
        # Away on the first day: counted, not planned; home before it: planned (RT 003).
        resident_line(
            8,
            nik_for(dt.date(1990, 1, 1), "L", 8),
            works_away=True,
            away_until="2030-01-01",
        ),
        resident_line(
            9,
            nik_for(dt.date(1990, 1, 1), "L", 9),
            rt="003",
            works_away=True,
            away_until=(dt.date.today() + dt.timedelta(days=3)).isoformat(),
        ),
        {
            "t": "employer",
            "id": 9,
            "name": "PT Sawit",
            "address": "Kebun",
            "staff": [5],
        },
    ]
    other_village("61.01.12.2001", lines)
    other_village("61.01.01.2001", [resident_line(1, moved, ektp_status=3)])
    campaign_id = _hub_campaign(hub_app)
    with hub_app.app_context():
        found = services.demand(system(), _db.session.get(Campaign, campaign_id))
        (tekarang,) = [d for d in found if d.code == "61.01.12.2001"]
        assert tekarang.rts == [("001", "001", 1), ("001", "003", 1)]
        assert tekarang.away == 1
        assert tekarang.frail == 2
        assert [(e.local_id, e.people) for e in tekarang.employers] == [(9, 1)]


def test_a_published_session_reaches_the_village_is_booked_there_and_reported_back(
    app, hub_app, sync, make_resident
):
    from desa.appointments import booking, sessions
    from desa.appointments.models import RecordingSession
    from desa.campaign import services
    from desa.campaign.models import Campaign, PlannedSession
    from desa.core.errors import Conflict, ServiceError

    people = [make_resident(name=f"WARGA {i}", rt="003") for i in range(3)]
    sync.apply(sync.export())
    campaign_id = _hub_campaign(hub_app)
    with hub_app.app_context():
        campaign = _db.session.get(Campaign, campaign_id)
        services.plan_campaign(system(), campaign)
        (planned,) = _db.session.scalars(select(PlannedSession)).all()
        assert (planned.kind, planned.capacity, planned.stations) == ("office", 3, 2)
        assert planned.place == "Kantor Camat Tekarang"
        planned_id, uid = planned.id, planned.uid
        _db.session.commit()
    sync.give_back()
    with app.app_context():  # not published yet: nothing in the village
        assert not _db.session.scalars(select(RecordingSession)).all()
    with hub_app.app_context():
        services.publish(system(), _db.session.get(Campaign, campaign_id))
        _db.session.commit()
    sync.give_back()
    sync.give_back()  # twice: the same session, once
    with app.app_context():
        (here,) = _db.session.scalars(select(RecordingSession)).all()
        assert here.hub_uid == uid and here.capacity == 3 and here.stations == 2
        assert here.kind == "office" and here.place == "Kantor Camat Tekarang"
        assert "Jemput bola 2027" in here.notes
        # An ordinary session: a resident books it; queue 3 is one round (7 min) in.
        made = booking.book(
            system(), here, [people[0].nik, people[1].nik, people[2].nik]
        )
        assert [b.queue_number for b in made] == [1, 2, 3]
        assert (
            made[2].estimated_time
            == (
                dt.datetime.combine(here.date, here.start_time)
                + dt.timedelta(minutes=7)
            ).time()
        )
        with pytest.raises(Conflict):  # the hub owns it
            sessions.update_session(system(), here, {"capacity": 10})
        with pytest.raises(Conflict):
            sessions.cancel_session(system(), here)
        _db.session.commit()
    sync.apply(sync.export())
    with hub_app.app_context():
        back = _db.session.get(PlannedSession, planned_id)
        assert (back.booked, back.recorded, back.no_show) == (3, 0, 0)
        assert back.reported_at is not None
        # Three people are booked: the officer cannot move it, but can move it to a
        # bigger hall and give it more places; then cancels it.
        change = {
            "date": back.date.isoformat(),
            "start_time": "09:00",
            "end_time": "10:00",
            "place": "Aula Kantor Camat Tekarang",
            "capacity": "5",
            "team_id": "",
        }
        with pytest.raises(Conflict) as refused:
            services.update_session(system(), back, change)
        assert refused.value.code == "has_bookings"
        _db.session.rollback()
        back = _db.session.get(PlannedSession, planned_id)
        with pytest.raises(ServiceError):  # below the three held places
            services.update_session(
                system(), back, {**change, "start_time": "08:00", "capacity": "2"}
            )
        _db.session.rollback()
        back = _db.session.get(PlannedSession, planned_id)
        start = back.start_time.strftime("%H:%M")
        end = back.end_time.strftime("%H:%M")
        services.update_session(
            system(), back, {**change, "start_time": start, "end_time": end}
        )
        assert back.revision == 2
        _db.session.commit()
    sync.give_back()
    with app.app_context():
        here = _db.session.scalar(select(RecordingSession))
        assert (here.capacity, here.place, here.hub_revision) == (
            5,
            "Aula Kantor Camat Tekarang",
            2,
        )
    with hub_app.app_context():
        services.cancel_session(system(), _db.session.get(PlannedSession, planned_id))
        _db.session.commit()
    sync.give_back()
    with app.app_context():
        from desa.appointments.models import Booking

        here = _db.session.scalar(select(RecordingSession))
        assert here.status == "cancelled"
        assert (
            _db.session.scalar(
                select(func.count())
                .select_from(Booking)
                .where(Booking.status == "active")
            )
            == 0
        )


def test_a_published_plan_is_not_made_again(hub_app, other_village):
    from desa.campaign import services
    from desa.campaign.models import Campaign
    from desa.core.errors import Conflict

    other_village(
        "61.01.12.2001", [resident_line(1, nik_for(dt.date(1990, 1, 1), "L", 1))]
    )
    campaign_id = _hub_campaign(hub_app)
    with hub_app.app_context():
        campaign = _db.session.get(Campaign, campaign_id)
        with pytest.raises(Conflict):  # nothing planned yet
            services.publish(system(), campaign)
        services.plan_campaign(system(), campaign)
        services.publish(system(), campaign)
        with pytest.raises(Conflict):
            services.plan_campaign(system(), campaign)


# --- the pages ------------------------------------------------------------------------


@pytest.fixture
def officer(hub_app, other_village):
    """Disdukcapil's operator signed in, with two kecamatan's villages at the hub."""
    from desa.auth.services import create_user

    other_village(
        "61.01.12.2001",
        [resident_line(i, nik_for(dt.date(1990, 1, 1), "L", i)) for i in range(1, 6)],
    )
    other_village(
        "61.01.01.2001", [resident_line(9, nik_for(dt.date(1990, 1, 1), "P", 9))]
    )
    with hub_app.app_context():
        create_user(system(), "dinas", PASSWORD, "clerk", full_name="Operator Dinas")
        create_user(
            system(),
            "camat",
            PASSWORD,
            "kecamatan",
            full_name="Petugas",
            area="61.01.01",
        )
        _db.session.commit()
    client = hub_app.test_client()
    assert post_login_as(client, "dinas", PASSWORD).status_code == 302
    return client


def _csrf(page: str) -> str:
    from conftest import csrf_from

    return csrf_from(page)


def test_the_officer_plans_adjusts_and_publishes_in_the_browser_pages(officer, hub_app):
    from desa.campaign.models import PlannedSession

    page = officer.get("/hub/campaign/resources").get_data(as_text=True)
    token = _csrf(page)
    bad = officer.post(
        "/hub/campaign/teams",
        data={
            "csrf_token": token,
            "team-name": "T",
            "team-operators": "x",
            "team-kits": "2",
            "team-base_kecamatan": "61.01.12",
        },
    )
    assert bad.status_code == 422 and "Wajib diisi." in bad.get_data(as_text=True)
    ok = _add_team(officer, token, "61.01.12", kits=1)
    assert ok.status_code == 303
    listed = officer.get("/hub/campaign/resources").get_data(as_text=True)
    assert "Tim Satu" in listed and "Tekarang" in listed
    stock = officer.post(
        "/hub/campaign/cards",
        data={"csrf_token": token, "stock-kecamatan": "61.01.12", "stock-blanks": "-3"},
    )
    assert stock.status_code == 422
    start = dt.date.today() + dt.timedelta(days=3)
    made = officer.post(
        "/hub/campaign",
        data={
            "csrf_token": token,
            "name": "Rekam Januari",
            "area": "",
            "starts_on": start.isoformat(),
            "ends_on": (start - dt.timedelta(days=1)).isoformat(),
            "minutes_per_person": "7",
            "minutes_frail": "45",
            "day_start": "08:00",
            "day_end": "15:00",
            "evening_start": "18:30",
            "evening_end": "21:30",
        },
    )
    assert made.status_code == 422
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai." in made.get_data(
        as_text=True
    )
    made = officer.post(
        "/hub/campaign",
        data={
            "csrf_token": token,
            "name": "Rekam Januari",
            "area": "",
            "starts_on": start.isoformat(),
            "ends_on": (start + dt.timedelta(days=30)).isoformat(),
            "minutes_per_person": "7",
            "minutes_frail": "45",
            "day_start": "08:00",
            "day_end": "15:00",
            "evening_start": "18:30",
            "evening_end": "21:30",
        },
    )
    assert made.status_code == 303
    url = made.location
    assert officer.post(url + "/plan", data={"csrf_token": token}).status_code == 303
    detail = officer.get(url).get_data(as_text=True)
    assert "Hari-tim rencana" in detail and "Kantor Camat Tekarang" in detail
    assert "Kantor Camat Sambas" in detail and "semua tertampung" in detail
    with hub_app.app_context():
        first = _db.session.scalars(
            select(PlannedSession).order_by(PlannedSession.id)
        ).first()
        sid, day = first.id, first.date
    moved = officer.post(
        f"{url}/sessions/{sid}",
        data={
            "csrf_token": token,
            "date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "09:00",
            "place": "Kantor Camat",
            "capacity": "5",
            "team_id": "",
        },
    )
    assert moved.status_code == 422
    assert "Jam selesai harus setelah jam mulai." in moved.get_data(as_text=True)
    assert officer.post(url + "/publish", data={"csrf_token": token}).status_code == 303
    assert "diumumkan" in officer.get("/hub/campaign").get_data(as_text=True)
    again = officer.post(
        url + "/plan", data={"csrf_token": token}, follow_redirects=True
    )
    assert "sudah diumumkan ke desa" in again.get_data(as_text=True)


def test_a_kecamatan_officer_plans_its_own_kecamatan_only(officer, hub_app):
    from desa.campaign.models import Campaign

    page = officer.get("/hub/campaign/resources").get_data(as_text=True)
    token = _csrf(page)
    _add_team(officer, token, "61.01.01")
    whole = _hub_campaign_id(officer, token, "Kabupaten")
    camat = hub_app.test_client()
    assert post_login_as(camat, "camat", PASSWORD).status_code == 302
    assert camat.get("/hub/campaign/resources").status_code == 403
    assert camat.get(f"/hub/campaign/{whole}").status_code == 404
    token = _csrf(camat.get("/hub/campaign").get_data(as_text=True))
    own = _hub_campaign_id(camat, token, "Sambas saja", area="61.01.12")
    with hub_app.app_context():
        assert (
            _db.session.get(Campaign, own).area == "61.01.01"
        )  # its own, whatever it asks
    assert (
        camat.post(f"/hub/campaign/{own}/plan", data={"csrf_token": token}).status_code
        == 303
    )
    detail = camat.get(f"/hub/campaign/{own}").get_data(as_text=True)
    assert (
        "Kantor Camat Sambas" in detail and "Tekarang" not in detail.split("<table")[-1]
    )


def _village_session():
    """An ordinary session of the village's own, two weeks ahead (app context)."""
    from desa.appointments import sessions

    start = dt.date.today() + dt.timedelta(days=14)
    return sessions.create_session(
        system(),
        {
            "date": start.isoformat(),
            "start": "08:00",
            "end": "12:00",
            "place": "Kantor Desa",
            "capacity": 5,
            "allow_non_working_day": True,
        },
    )


def _add_team(client, token: str, base: str, kits: int = 2):
    """Posts the team form: "Tim Satu", two operators, from kecamatan `base`."""
    return client.post(
        "/hub/campaign/teams",
        data={
            "csrf_token": token,
            "team-name": "Tim Satu",
            "team-operators": "2",
            "team-kits": str(kits),
            "team-base_kecamatan": base,
            "team-active": "y",
        },
    )


def _hub_campaign_id(client, token: str, name: str, area: str = "") -> int:
    start = dt.date.today() + dt.timedelta(days=3)
    made = client.post(
        "/hub/campaign",
        data={
            "csrf_token": token,
            "name": name,
            "area": area,
            "starts_on": start.isoformat(),
            "ends_on": (start + dt.timedelta(days=30)).isoformat(),
            "minutes_per_person": "7",
            "minutes_frail": "45",
            "day_start": "08:00",
            "day_end": "15:00",
            "evening_start": "18:30",
            "evening_end": "21:30",
        },
    )
    assert made.status_code == 303, made.get_data(as_text=True)
    return int(made.location.rstrip("/").rsplit("/", 1)[1])


def test_a_nik_recorded_in_another_village_is_marked_and_not_booked_here(
    app, hub_app, sync, make_resident, other_village
):
    from desa.appointments import booking
    from desa.core.errors import ServiceError
    from desa.residents.models import Resident

    twice = make_resident(name="DUA DESA")
    alone = make_resident(name="SATU DESA")
    sync.apply(sync.export())
    other_village("61.01.01.2001", [resident_line(4, twice.nik, ektp_status=3)])
    sync.give_back()
    with app.app_context():
        marked = _db.session.get(Resident, twice.id)
        assert marked.elsewhere_code == "61.01.01.2001"
        assert marked.elsewhere_name == "Desa Dalam Kaum"
        assert _db.session.get(Resident, alone.id).elsewhere_code is None
        s = _village_session()
        with pytest.raises(ServiceError) as refused:
            booking.book(system(), s, [twice.nik])
        assert refused.value.extra["refused"][0]["code"] == "recorded_elsewhere"
        _db.session.rollback()
    # The other village's record is corrected away: the next return clears the mark.
    with hub_app.app_context():
        from desa.hub.models import HubResident

        _db.session.execute(
            HubResident.__table__.delete().where(
                HubResident.nik == twice.nik, HubResident.local_id == 4
            )
        )
        _db.session.commit()
    sync.give_back()
    with app.app_context():
        assert _db.session.get(Resident, twice.id).elsewhere_code is None


def test_a_long_plan_opens_per_kecamatan(officer, hub_app, monkeypatch):
    from desa.campaign import views

    token = _csrf(officer.get("/hub/campaign/resources").get_data(as_text=True))
    _add_team(officer, token, "61.01.12")
    campaign_id = _hub_campaign_id(officer, token, "Kabupaten")
    officer.post(f"/hub/campaign/{campaign_id}/plan", data={"csrf_token": token})
    monkeypatch.setattr(views, "MAX_LISTED", 1)
    page = officer.get(f"/hub/campaign/{campaign_id}").get_data(as_text=True)
    assert "pilih kecamatan" in page and "Ubah</a>" not in page
    assert f"/hub/campaign/{campaign_id}?kecamatan=61.01.12" in page
    one = officer.get(f"/hub/campaign/{campaign_id}?kecamatan=61.01.12").get_data(
        as_text=True
    )
    assert "Ubah</a>" in one and "Kantor Camat Tekarang" in one


def test_the_planner_keeps_off_busy_days_and_hands_overflow_to_idle_teams():
    villages = [_village(i, [DAY * 2], kec="61.01.12") for i in range(1, 4)]  # 6 days
    days = _days(6)[:4]
    # One kecamatan goes to one team; the days it cannot fit go to the idle one.
    found = planner.plan(
        villages, [_team(1), _team(2, base="61.01.01")], PACE, days, {}
    )
    assert sum(found.uncovered.values()) == 0
    assert {s.team_id for s in found.shifts} == {1, 2}
    busy = {(1, days[0]), (2, days[0]), (1, days[1])}  # 5 of 8 team-days free
    held = planner.plan(villages, [_team(1), _team(2)], PACE, days, {}, busy)
    assert all((s.team_id, s.date) not in busy for s in held.shifts)
    assert sum(held.uncovered.values()) == DAY  # one team-day short


def test_a_team_is_not_planned_twice_on_one_day_across_campaigns(
    hub_app, other_village
):
    from desa.campaign import services
    from desa.campaign.models import Campaign, PlannedSession
    from desa.core.errors import Conflict, ValidationError

    people = [
        resident_line(i, nik_for(dt.date(1990, 1, 1), "L", i)) for i in range(1, 4)
    ]
    other_village("61.01.12.2001", people)
    other_village(
        "61.01.01.2001", [resident_line(9, nik_for(dt.date(1990, 1, 1), "P", 9))]
    )
    first = _hub_campaign(hub_app, area="61.01.12")
    start = dt.date.today() + dt.timedelta(days=7)
    dates = {
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(days=60)).isoformat(),
    }
    with hub_app.app_context():
        campaign = _db.session.get(Campaign, first)
        services.plan_campaign(system(), campaign)
        services.publish(system(), campaign)
        (held,) = _db.session.scalars(select(PlannedSession)).all()
        day, team_id = held.date, held.team_id
        # The same kecamatan (or the whole kabupaten) waits for this round.
        for area in ("61.01.12", ""):
            overlapping = services.create_campaign(
                system(), {"name": "Bertumpuk", "area": area, **dates}
            )
            with pytest.raises(Conflict) as refused:
                services.plan_campaign(system(), overlapping)
            assert refused.value.code == "overlapping_campaign"
        # Another kecamatan at the same time: the team is not out twice on one day.
        second = services.create_campaign(
            system(), {"name": "Sambas", "area": "61.01.01", **dates}
        )
        services.plan_campaign(system(), second)
        _db.session.commit()
        again = _db.session.scalars(
            select(PlannedSession).where(PlannedSession.campaign_id == second.id)
        ).all()
        assert again and all((s.team_id, s.date) != (team_id, day) for s in again)
        moved = again[0]
        change = {
            "date": day.isoformat(),
            "start_time": "08:00",
            "end_time": "09:00",
            "place": "Kantor Camat Sambas",
            "capacity": "1",
            "team_id": str(team_id),
        }
        with pytest.raises(Conflict) as busy:
            services.update_session(system(), moved, change)
        assert busy.value.code == "team_busy"
        _db.session.rollback()
        moved = _db.session.get(PlannedSession, moved.id)
        for bad in ({"team_id": "²"}, {"date": "2027-01-01"}, {"capacity": "x"}):
            with pytest.raises(ValidationError):
                services.update_session(system(), moved, {**change, **bad})
            _db.session.rollback()
            moved = _db.session.get(PlannedSession, moved.id)


def test_an_older_return_read_again_keeps_the_newer_marks(
    app, hub_app, sync, make_resident, other_village
):
    from desa.residents.models import Resident
    from desa.sync import services

    twice = make_resident(name="DUA DESA")
    sync.apply(sync.export())
    old = sync.give_back()  # nothing recorded elsewhere yet
    other_village("61.01.01.2001", [resident_line(4, twice.nik, ektp_status=3)])
    with hub_app.app_context():
        from desa.hub import services as hub_services

        newer = sync.folder / "newer.gz"
        actor = system()
        hub_services.write_return(actor, "61.01.12.2002", newer)
        _db.session.commit()
    with app.app_context():
        services.import_return(system(), newer.read_bytes(), app.instance_path)
        _db.session.commit()
        assert _db.session.get(Resident, twice.id).elsewhere_code == "61.01.01.2001"
        services.import_return(system(), old.read_bytes(), app.instance_path)
        _db.session.commit()
        assert _db.session.get(Resident, twice.id).elsewhere_code == "61.01.01.2001"


def test_a_booking_in_the_village_keeps_its_resident_out_of_the_next_plan(
    app, hub_app, sync, make_resident
):
    from desa.appointments import booking
    from desa.campaign import services
    from desa.campaign.models import Campaign

    booked, free = make_resident(name="SUDAH PESAN"), make_resident(name="BELUM")
    sync.apply(sync.export())
    sync.give_back()
    with app.app_context():
        s = _village_session()
        booking.book(system(), s, [booked.nik])
        _db.session.commit()
    sync.apply(sync.export())  # incremental: the booking logs its resident
    campaign_id = _hub_campaign(hub_app)
    with hub_app.app_context():
        (village,) = services.demand(system(), _db.session.get(Campaign, campaign_id))
        assert village.rts == [("001", "002", 1)]
    del free


def test_a_big_employer_gets_whole_saturdays_and_the_rest_an_evening():
    big = _village(
        1, [], employers=[planner.Employer(7, "PT Sawit", "Kebun A", DAY + 40)]
    )
    days = _days(20)
    saturdays = [
        d
        for d in (days[0] + dt.timedelta(days=n) for n in range(20))
        if d.weekday() == 5
    ]
    found = planner.plan([big], [_team()], PACE, days, {}, frozenset(), saturdays)
    weekend = [s for s in found.shifts if s.weekend]
    assert len(weekend) == 1 and weekend[0].date.weekday() == 5
    assert weekend[0].people == DAY and weekend[0].slots[0].place == "Kebun A"
    evenings = [s for s in found.shifts if s.evening]
    assert [s.people for s in evenings] == [40]
    # Without Saturdays to give, the staff are all seen in the evenings.
    plain = planner.plan([big], [_team()], PACE, days, {})
    assert not any(s.weekend for s in plain.shifts)
    assert sum(s.people for s in plain.shifts if s.evening) == DAY + 40
