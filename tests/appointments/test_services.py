"""Session and booking rules, straight through the services (frozen village date)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from desa.appointments import attendance, booking, employees, sessions
from desa.appointments.models import Booking, Message, RecordingSession, WaitlistEntry
from desa.auth.models import AuditEvent, Employer
from desa.core.errors import Conflict, Forbidden, ServiceError, ValidationError
from desa.residents.models import Resident, ResidentChange

from .conftest import DAY


def _session(db, session_id: int) -> RecordingSession:
    return db.session.get(RecordingSession, session_id)


def _data(**overrides):
    data = {
        "date": DAY.isoformat(),
        "start": "08:00",
        "end": "12:00",
        "place": "Kantor Desa",
        "capacity": 5,
        "minutes_per_person": 15,
    }
    data.update(overrides)
    return data


def _error(call) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call()
    return info.value


# --- sessions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (dt.date(2027, 2, 6), "akhir pekan"),  # Saturday
        (dt.date(2027, 3, 10), "Idulfitri"),  # a Wednesday, libur nasional
        (dt.date(2027, 2, 5), "Imlek"),  # a Friday, cuti bersama
    ],
)
def test_weekends_and_holidays_need_the_clerk_to_say_so(db, day, why, system):
    err = _error(lambda: sessions.create_session(system, _data(date=day.isoformat())))
    assert err.status == 422 and err.code == "not_working_day"
    assert why in err.message and "date" in err.fields
    made = sessions.create_session(
        system, _data(date=day.isoformat(), allow_non_working_day=True)
    )
    assert made.non_working_day_ok and made.date == day


def test_session_fields_are_checked_together(db, system):
    err = _error(
        lambda: sessions.create_session(
            system,
            _data(start="13:00", end="12:00", capacity=0, kind="mobile", place=""),
        )
    )
    assert err.code == "invalid"
    assert set(err.fields) >= {"end", "capacity", "address", "place"}
    past = _error(lambda: sessions.create_session(system, _data(date="2027-01-29")))
    assert "lewat" in past.message
    rt_kind = _error(lambda: sessions.create_session(system, _data(kind="rt")))
    assert "rt" in rt_kind.fields


def test_reserved_sessions_name_their_rt_or_employer(db, system):
    made = sessions.create_session(system, _data(kind="rt", rt="1/2"))
    assert (made.rw, made.rt) == ("001", "002")
    assert made.reserved_label == "RT 002 / RW 001"
    db.session.add(Employer(name="PT Sawit"))
    db.session.flush()
    works = sessions.create_session(system, _data(kind="employer", employer="PT Sawit"))
    assert works.employer.name == "PT Sawit"
    err = _error(
        lambda: sessions.create_session(system, _data(employer="PT Tidak Ada"))
    )
    assert "employer" in err.fields


def test_capacity_never_below_what_is_booked(db, make_resident, actor, system):
    people = [make_resident() for _ in range(2)]
    s = sessions.create_session(system, _data(capacity=3))
    booking.book(actor("clerk"), s, [p.nik for p in people])
    err = _error(lambda: sessions.update_session(system, s, {"capacity": 1}))
    assert err.status == 422 and "capacity" in err.fields
    sessions.update_session(system, s, {"capacity": 2, "place": "Balai Dusun"})
    assert (s.capacity, s.place, s.booked) == (2, "Balai Dusun", 2)
    moved = _error(lambda: sessions.update_session(system, s, {"date": "2027-02-04"}))
    assert moved.code == "has_bookings"


def test_cancelling_a_session_cancels_bookings_with_messages(
    db, make_resident, actor, system
):
    ani, budi = make_resident(name="ANI"), make_resident(name="BUDI")
    s = sessions.create_session(system, _data())
    booking.book(actor("clerk"), s, [ani.nik, budi.nik])
    made = sessions.cancel_session(system, s, "Listrik padam")
    assert [m.kind for m in made] == ["cancelled", "cancelled"]
    assert "dibatalkan" in made[0].body and "ANI" in made[0].body
    statuses = db.session.scalars(select(Booking.status)).all()
    assert statuses == ["cancelled", "cancelled"] and s.booked == 0
    assert _error(lambda: booking.book(actor("clerk"), s, [ani.nik])).code == (
        "session_cancelled"
    )


# --- booking ----------------------------------------------------------------------------


def test_booking_gives_queue_numbers_times_messages_and_audit(
    db, make_resident, actor, system
):
    people = [make_resident(phone="+6281234567890") for _ in range(3)]
    s = sessions.create_session(system, _data())
    made = booking.book(actor("clerk"), s, [p.nik for p in people])
    assert [b.queue_number for b in made] == [1, 2, 3]
    assert [b.estimated_time for b in made] == [
        dt.time(8, 0),
        dt.time(8, 15),
        dt.time(8, 30),
    ]
    assert _session(db, s.id).booked == 3 and s.remaining == 2
    assert len({b.code for b in made}) == 3 and all(len(b.code) == 8 for b in made)
    body = db.session.scalars(select(Message.body)).first()
    assert "Nomor antrean 1" in body and "Rabu, 3 Februari 2027" in body
    assert "08.00 WIB" in body and "Kartu Keluarga (KK)" in body
    line = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "appointments.book")
    )
    assert "3 orang" in line.detail and people[0].nik not in line.detail


def test_every_refusal_has_its_reason_and_nothing_is_booked(
    db, make_resident, actor, system
):
    ok = make_resident()
    recorded = make_resident(ektp_status=3)
    young = make_resident(birth_date=dt.date(2011, 2, 8))  # 16 on 8 February 2027
    dead = make_resident(life_status="deceased")
    moved = make_resident(life_status="moved")
    booked = make_resident()
    s = sessions.create_session(system, _data(capacity=20))
    later = sessions.create_session(system, _data(date="2027-02-10"))
    booking.book(actor("clerk"), later, [booked.nik])
    niks = [
        ok.nik,
        recorded.nik,
        young.nik,
        dead.nik,
        moved.nik,
        booked.nik,
        "6101120000000000",
        "12345",
        ok.nik,
    ]
    err = _error(lambda: booking.book(actor("clerk"), s, niks))
    assert err.status == 422 and err.code == "not_eligible"
    codes = {r["nik"]: r["code"] for r in err.extra["refused"]}
    assert codes == {
        recorded.nik: "recorded",
        young.nik: "not_wajib",
        dead.nik: "deceased",
        moved.nik: "moved",
        booked.nik: "already_booked",
        "6101120000000000": "unknown",
        "12345": "invalid_nik",
        ok.nik: "duplicate",
    }
    assert err.fields[recorded.nik] == ["Sudah merekam e-KTP."]
    assert err.fields[young.nik] == [
        "Belum berusia 16 tahun dan belum menikah pada tanggal sesi; perekaman "
        "e-KTP mulai usia 16 tahun."
    ]
    assert _session(db, s.id).booked == 0
    assert db.session.scalar(select(func.count(Booking.id))) == 1
    # Seventeen on the later session's date: eligible there.
    assert booking.book(actor("clerk"), later, [young.nik])


def test_rt_heads_book_only_their_rt_and_reserved_sessions_hold(
    db, make_resident, actor, system
):
    mine = make_resident(rw="001", rt="002")
    other = make_resident(rw="001", rt="003")
    head = actor("rt", rw="001", rt="002")
    s = sessions.create_session(system, _data())
    err = _error(
        lambda: booking.book(head, s, [mine.nik, other.nik, "6101120000000001"])
    )
    assert {r["code"] for r in err.extra["refused"]} == {"outside_rt"}
    assert len(err.extra["refused"]) == 2  # unknown and elsewhere answer alike
    assert booking.book(head, s, [mine.nik])[0].booked_by_role == "rt"
    reserved = sessions.create_session(system, _data(kind="rt", rt="001/003"))
    err = _error(lambda: booking.book(actor("clerk"), reserved, [mine.nik]))
    assert err.extra["refused"][0]["code"] == "reserved_rt"
    assert "RT 003 / RW 001" in err.extra["refused"][0]["message"]


def test_employers_book_only_matched_employees(db, make_resident, actor, system):
    worker = make_resident(name="JOKO SUSILO")
    stranger = make_resident(name="RUDI")
    db.session.add_all([Employer(name="PT Sawit"), Employer(name="SD Negeri 3")])
    db.session.flush()
    sawit, school = db.session.scalars(select(Employer.id).order_by(Employer.id)).all()
    boss = actor("employer", employer_id=sawit)
    e = employees.add_employee(boss, worker.nik, "joko  susilo")
    assert e.resident_id == worker.id and e.mismatch is None
    wrong = employees.add_employee(boss, stranger.nik, "RUDY")
    assert wrong.resident_id is None and wrong.mismatch == "name_differs"
    nobody = employees.add_employee(boss, "6101121705900999", "SIAPA")
    assert nobody.mismatch == "nik_unknown"
    dup = _error(lambda: employees.add_employee(boss, worker.nik, "JOKO SUSILO"))
    assert dup.status == 409
    s = sessions.create_session(system, _data())
    # Proposed, not yet confirmed: the employer cannot book the worker.
    err = _error(lambda: booking.book(boss, s, [worker.nik]))
    assert [r["code"] for r in err.extra["refused"]] == ["not_employee"]
    assert _error(lambda: employees.confirm(boss, e.id)).status == 403
    me = actor("resident", id=worker.id, kind="resident")
    assert [p.id for p in employees.proposed(me)] == [e.id]
    employees.confirm(me, e.id)
    assert e.confirmed_at is not None and employees.proposed(me) == []
    err = _error(lambda: booking.book(boss, s, [worker.nik, stranger.nik]))
    assert [r["code"] for r in err.extra["refused"]] == ["not_employee"]
    assert booking.book(boss, s, [worker.nik])
    theirs = sessions.create_session(system, _data(kind="employer", employer=school))
    err = _error(lambda: booking.book(actor("clerk"), theirs, [stranger.nik]))
    assert err.extra["refused"][0]["code"] == "reserved_employer"


def test_residents_book_only_themselves(db, make_resident, actor, system):
    me, neighbour = make_resident(), make_resident()
    s = sessions.create_session(system, _data())
    me_actor = actor("resident", id=me.id, kind="resident")
    err = _error(lambda: booking.book(me_actor, s, [neighbour.nik]))
    assert err.extra["refused"][0]["code"] == "not_self"
    made = booking.book(actor("resident", id=me.id, kind="resident"), s, [me.nik])
    assert made[0].booked_by_kind == "resident"


def test_full_sessions_refuse_groups_whole_and_say_what_is_left(
    db, make_resident, actor, system
):
    people = [make_resident() for _ in range(5)]
    s = sessions.create_session(system, _data(capacity=3))
    booking.book(actor("clerk"), s, [people[0].nik])
    err = _error(lambda: booking.book(actor("clerk"), s, [p.nik for p in people[1:]]))
    assert err.status == 409 and err.code == "full" and err.extra == {"remaining": 2}
    assert _session(db, s.id).booked == 1
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_one_active_booking_per_resident_is_enforced_by_the_database(
    db, make_resident, system
):
    from sqlalchemy.exc import IntegrityError

    r = make_resident()
    a = sessions.create_session(system, _data())
    b = sessions.create_session(system, _data(date="2027-02-04"))
    for s, n, code in ((a, 1, "AAAA2222"), (b, 1, "BBBB2222")):
        db.session.add(
            Booking(
                session=s,
                resident_id=r.id,
                queue_number=n,
                code=code,
                booked_by_kind="system",
                booked_by_role="system",
                booked_by_name="uji",
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_cancel_frees_the_place_and_promotes_the_waitlist_in_order(
    db, make_resident, actor, system
):
    first, gone, second, third = (make_resident(name=n) for n in ("A", "B", "C", "D"))
    s = sessions.create_session(system, _data(capacity=1))
    (held,) = booking.book(actor("clerk"), s, [first.nik])
    with pytest.raises(Conflict):
        booking.join_waitlist(
            actor("clerk"), sessions.create_session(system, _data()), gone.nik
        )
    for person in (gone, second, third):
        booking.join_waitlist(actor("clerk"), s, person.nik)
    db.session.get(Resident, gone.id).life_status = "deceased"
    made = booking.cancel(actor("clerk"), held)
    assert [m.kind for m in made] == ["cancelled", "promoted"]
    assert "daftar tunggu" in made[1].body and "C" in made[1].body
    entries = dict(
        db.session.execute(
            select(WaitlistEntry.resident_id, WaitlistEntry.status)
        ).all()
    )
    assert entries == {gone.id: "dropped", second.id: "promoted", third.id: "waiting"}
    promoted = db.session.scalar(
        select(Booking).where(Booking.resident_id == second.id)
    )
    # The promoted person takes the freed place, not a new number at the end.
    assert promoted.status == "active" and promoted.queue_number == 1
    assert _session(db, s.id).booked == 1


def test_the_promoted_person_gets_the_cancelled_queue_place(
    db, make_resident, actor, system
):
    a, b, c, waiting = (make_resident(name=n) for n in ("A", "B", "C", "W"))
    s = sessions.create_session(system, _data(capacity=3))
    _, middle, _ = booking.book(actor("clerk"), s, [a.nik, b.nik, c.nik])
    booking.join_waitlist(actor("clerk"), s, waiting.nik)
    booking.cancel(actor("clerk"), middle)
    numbers = dict(
        db.session.execute(
            select(Booking.resident_id, Booking.queue_number).where(
                Booking.status == "active"
            )
        ).all()
    )
    assert numbers == {a.id: 1, waiting.id: 2, c.id: 3}
    db.session.refresh(middle)
    assert middle.status == "cancelled" and middle.queue_number not in (1, 2, 3)


def test_only_the_booker_the_resident_or_a_clerk_may_cancel(
    db, make_resident, actor, system
):
    r = make_resident(rw="001", rt="002")
    s = sessions.create_session(system, _data())
    (b,) = booking.book(actor("rt", id=7, rw="001", rt="002"), s, [r.nik])
    with pytest.raises(Forbidden):
        booking.cancel(actor("rt", id=8, rw="001", rt="002"), b)
    booking.cancel(actor("resident", id=r.id, kind="resident"), b)
    assert b.status == "cancelled"
    assert _error(lambda: booking.cancel(actor("clerk"), b)).code == "not_active"


def test_moving_is_atomic(db, make_resident, actor, system):
    me, other = make_resident(), make_resident()
    a = sessions.create_session(system, _data(capacity=2))
    full = sessions.create_session(system, _data(date="2027-02-04", capacity=1))
    free = sessions.create_session(system, _data(date="2027-02-08"))
    (mine,) = booking.book(actor("clerk"), a, [me.nik])
    booking.book(actor("clerk"), full, [other.nik])
    db.session.commit()
    err = _error(lambda: booking.move(actor("clerk"), mine, full))
    assert err.code == "full"
    db.session.rollback()  # as the error handler does
    mine = db.session.get(Booking, mine.id)
    assert mine.status == "active" and _session(db, a.id).booked == 1
    moved = booking.move(actor("clerk"), mine, _session(db, free.id))
    assert moved.session_id == free.id and moved.status == "active"
    assert db.session.get(Booking, mine.id).status == "cancelled"
    assert _session(db, a.id).booked == 0 and _session(db, free.id).booked == 1


def test_outcomes_only_from_the_session_day(db, make_resident, actor, system):
    rec, absent = make_resident(ektp_status=2), make_resident(ektp_status=None)
    s = sessions.create_session(system, _data())
    b1, b2 = booking.book(actor("clerk"), s, [rec.nik, absent.nik])
    err = _error(lambda: attendance.set_outcome(actor("clerk"), b1, "recorded"))
    assert err.status == 409 and err.code == "too_early"
    bad = _error(lambda: attendance.set_outcome(actor("clerk", today=DAY), b1, "hadir"))
    assert bad.status == 422
    changed = attendance.set_outcomes(
        actor("clerk", today=DAY), s, {b1.id: "recorded", b2.id: "no_show"}
    )
    assert changed == 2
    resident = db.session.get(Resident, rec.id)
    assert resident.ektp_status == 3
    change = db.session.scalar(
        select(ResidentChange).where(ResidentChange.resident_id == rec.id)
    )
    assert (change.field, change.before, change.after) == ("ektp_status", "2", "3")
    assert _session(db, s.id).booked == 1  # the no-show's place is free again
    again = sessions.create_session(system, _data(date="2027-02-08"))
    assert booking.book(actor("clerk", today=DAY), again, [absent.nik])
    refused = _error(lambda: booking.book(actor("clerk", today=DAY), again, [rec.nik]))
    assert refused.extra["refused"][0]["code"] == "recorded"


def test_check_in_only_on_the_day_by_code(db, make_resident, actor, system):
    r = make_resident()
    s = sessions.create_session(system, _data())
    (b,) = booking.book(actor("clerk"), s, [r.nik])
    typed = f" {b.code[:4].lower()}-{b.code[4:]} "
    assert _error(lambda: attendance.check_in(actor("clerk"), typed)).code == (
        "wrong_day"
    )
    assert (
        attendance.check_in(actor("clerk", today=DAY), typed).checked_in_at is not None
    )
    assert (
        _error(
            lambda: attendance.check_in(actor("clerk", today=DAY), "ZZZZ9999")
        ).status
        == 404
    )


def test_reminders_list_the_next_day(db, make_resident, actor, system):
    r = make_resident(name="SITI")
    s = sessions.create_session(system, _data())
    booking.book(actor("clerk"), s, [r.nik])
    made = attendance.send_reminders(system, DAY)
    assert len(made) == 1 and made[0].body.startswith("Pengingat: besok")
    assert attendance.send_reminders(system, DAY + dt.timedelta(days=1)) == []


def test_email_goes_out_only_after_commit(app, db, make_resident, actor, system):
    sent = []

    class FakeMailer:
        def send(self, to, subject, body):
            sent.append((to, subject, body))

    app.extensions["desa_mailer"] = FakeMailer()
    try:
        one, two = make_resident(), make_resident()
        s = sessions.create_session(system, _data())
        db.session.commit()
        booking.book(
            actor("clerk"),
            _session(db, s.id),
            [one.nik],
            notify_email="warga@example.test",
        )
        db.session.rollback()
        assert sent == []
        booking.book(
            actor("clerk"),
            _session(db, s.id),
            [two.nik],
            notify_email="warga@example.test",
        )
        assert sent == []
        db.session.commit()
        assert [m[:2] for m in sent] == [
            ("warga@example.test", "Jadwal perekaman e-KTP")
        ]
    finally:
        del app.extensions["desa_mailer"]


def test_no_email_without_smtp(app, db, make_resident, actor, system):
    assert app.config["SMTP_HOST"] is None
    r = make_resident()
    s = sessions.create_session(system, _data())
    (b,) = booking.book(actor("clerk"), s, [r.nik], notify_email="warga@example.test")
    assert db.session.scalar(select(Message.emailed_at)) is None
    assert "desa_outbox" not in db.session.info


def test_validation_of_the_nik_list(db, actor, system):
    s = sessions.create_session(system, _data())
    for bad in (None, [], "6101", [1, 2], ["x"] * 501):
        with pytest.raises(ValidationError):
            booking.book(actor("clerk"), s, bad)


def test_home_visits_are_only_for_the_elderly_and_the_disabled(
    db, make_resident, system
):
    sixty = make_resident(name="GENAP ENAM PULUH", birth_date=dt.date(1967, 2, 3))
    almost = make_resident(name="HAMPIR ENAM PULUH", birth_date=dt.date(1967, 2, 4))
    young = make_resident(name="MUDA DISABILITAS", disabled=True)
    s = sessions.create_session(
        system, _data(kind="mobile", address="RT 002 RW 001", capacity=5)
    )
    err = _error(lambda: booking.book(system, s, [almost.nik]))
    refused = err.extra["refused"][0]
    assert refused["code"] == "not_home_visit"
    assert "lanjut usia (60 tahun ke atas)" in refused["message"]
    assert "disabilitas" in refused["message"]
    made = booking.book(system, s, [sixty.nik, young.nik])
    assert len(made) == 2
    # An office session stays open to everyone.
    office = sessions.create_session(system, _data())
    assert booking.book(system, office, [almost.nik])
