"""Population events and results reach bookings, waitlists and reminders."""

from __future__ import annotations

from sqlalchemy import select

from desa.appointments import attendance, booking, sessions
from desa.appointments.models import Booking, RecordingSession, WaitlistEntry
from desa.residents import registry
from desa.residents.models import Resident

from .conftest import DAY


def _data(**overrides):
    data = {
        "date": DAY.isoformat(),
        "start": "08:00",
        "end": "12:00",
        "place": "Kantor Desa",
        "capacity": 1,
        "minutes_per_person": 15,
    }
    data.update(overrides)
    return data


def _statuses(db, model, resident_id):
    return [
        row.status
        for row in db.session.scalars(
            select(model).where(model.resident_id == resident_id)
        )
    ]


def test_a_death_cancels_the_booking_and_promotes_the_next_waiting(
    db, make_resident, actor, system
):
    dead, waiting, other = (make_resident(name=n) for n in ("A", "B", "C"))
    s = sessions.create_session(system, _data())
    full_elsewhere = sessions.create_session(system, _data(date="2027-02-04"))
    booking.book(actor("clerk"), s, [dead.nik])
    booking.book(actor("clerk"), full_elsewhere, [other.nik])
    booking.join_waitlist(actor("clerk"), s, waiting.nik)
    resident = db.session.get(Resident, dead.id)
    registry.record_event(actor("clerk"), resident, "death", "2027-01-31", "")
    assert _statuses(db, Booking, dead.id) == ["cancelled"]
    assert _statuses(db, Booking, waiting.id) == ["active"]
    assert _statuses(db, WaitlistEntry, waiting.id) == ["promoted"]
    assert db.session.get(RecordingSession, s.id).booked == 1
    assert [b.resident_id for b in attendance.reminders_for(DAY)] == [waiting.id]


def test_a_move_out_takes_the_person_off_every_waitlist(
    db, make_resident, actor, system
):
    holder, leaving = make_resident(), make_resident()
    s = sessions.create_session(system, _data())
    booking.book(actor("clerk"), s, [holder.nik])
    booking.join_waitlist(actor("clerk"), s, leaving.nik)
    resident = db.session.get(Resident, leaving.id)
    registry.record_event(actor("clerk"), resident, "move_out", "2027-02-01", "")
    assert _statuses(db, WaitlistEntry, leaving.id) == ["dropped"]
    (held,) = db.session.scalars(
        select(Booking).where(Booking.resident_id == holder.id)
    )
    booking.cancel(actor("clerk"), held)
    # The place freed later goes to no one: the one waiting has left the village.
    assert db.session.get(RecordingSession, s.id).booked == 0
    assert _statuses(db, Booking, leaving.id) == []


def test_a_marriage_leaves_bookings_alone(db, make_resident, actor, system):
    r = make_resident()
    s = sessions.create_session(system, _data())
    booking.book(actor("clerk"), s, [r.nik])
    resident = db.session.get(Resident, r.id)
    registry.record_event(actor("clerk"), resident, "marriage", "2027-01-30", "")
    assert _statuses(db, Booking, r.id) == ["active"]


def test_reminders_skip_people_no_longer_living_here(db, make_resident, actor, system):
    r = make_resident()
    s = sessions.create_session(system, _data())
    booking.book(actor("clerk"), s, [r.nik])
    # Marked dead without the event (an old row): still no reminder.
    db.session.get(Resident, r.id).life_status = "deceased"
    assert attendance.reminders_for(DAY) == []


# --- reminders once --------------------------------------------------------------


def test_reminders_are_given_once_per_booking_and_channel(
    app, db, make_resident, actor, system
):
    from desa.appointments.models import Message, Reminder

    sent = []

    class FakeMailer:
        def send(self, to, subject, body):
            sent.append(to)

    r, other = make_resident(), make_resident()
    s = sessions.create_session(system, _data(capacity=5))
    (mine,) = booking.book(actor("clerk"), s, [r.nik])
    assert len(attendance.send_reminders(system, DAY)) == 1
    assert attendance.send_reminders(system, DAY) == []
    assert attendance.due_reminders(DAY) == []
    # An address given later gets its e-mail once; the text is not made again.
    mine.notify_email = "warga@example.org"
    app.extensions["desa_mailer"] = FakeMailer()
    try:
        assert [b.id for b in attendance.due_reminders(DAY)] == [mine.id]
        assert len(attendance.send_reminders(system, DAY)) == 1
        assert attendance.send_reminders(system, DAY) == []
        booking.book(actor("clerk"), s, [other.nik])
        assert len(attendance.send_reminders(system, DAY)) == 1  # only the new one
        db.session.commit()
    finally:
        app.extensions.pop("desa_mailer")
    assert sent == ["warga@example.org"]
    kinds = db.session.scalars(select(Message.kind).where(Message.kind == "reminder"))
    assert len(list(kinds)) == 2
    channels = sorted(
        db.session.execute(select(Reminder.booking_id, Reminder.channel)).all()
    )
    assert channels == sorted(
        [(mine.id, "whatsapp"), (mine.id, "email"), (mine.id + 1, "whatsapp")]
    )


def test_the_reminders_table_refuses_a_second_reminder(
    db, make_resident, actor, system
):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from desa.appointments.models import Reminder

    r = make_resident()
    s = sessions.create_session(system, _data())
    (b,) = booking.book(actor("clerk"), s, [r.nik])
    db.session.add(Reminder(booking_id=b.id, kind="day_before", channel="whatsapp"))
    db.session.flush()
    db.session.add(Reminder(booking_id=b.id, kind="day_before", channel="whatsapp"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_remind_twice_from_the_command_line_sends_nothing_new(
    runner, make_session, make_resident, app
):
    s = make_session()
    r = make_resident(name="EKO", phone="0812-3456-7890")
    with app.app_context():
        from desa.auth.actor import command_actor

        booking.book(command_actor(), db_session_get(s.id), [r.nik])
        _commit()
    args = ["appointments", "remind", "--date", DAY.isoformat()]
    dry = runner.invoke(args=[*args, "--dry-run"])
    assert "1 pengingat" in dry.output
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "EKO" in first.output and "1 pengingat untuk 2027-02-03." in first.output
    second = runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert "EKO" not in second.output
    assert "0 pengingat untuk 2027-02-03." in second.output
    assert "0 pengingat" in runner.invoke(args=[*args, "--dry-run"]).output


def db_session_get(session_id):
    from desa.extensions import db

    return db.session.get(RecordingSession, session_id)


def _commit():
    from desa.extensions import db

    db.session.commit()
