"""Creating, changing and cancelling recording sessions; reading them by date.

Services: they validate, change state, write the audit line and raise ServiceError
subclasses. They never commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from desa.appointments import messages
from desa.appointments.calendar import non_working_reason
from desa.appointments.models import (
    SESSION_KINDS,
    Booking,
    BookingStatus,
    RecordingSession,
    SessionKind,
    SessionStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.models import Employer
from desa.auth.scope import scopes
from desa.auth.services import pad3
from desa.core.errors import Conflict, NotFound, ValidationError
from desa.core.numbers import whole_number
from desa.extensions import db

KIND_LABELS = {
    SessionKind.OFFICE: "Di kantor desa",
    SessionKind.RT: "Di RT (kelompok RT)",
    SessionKind.EMPLOYER: "Di tempat kerja (kelompok pemberi kerja)",
    SessionKind.MOBILE: "Kunjungan rumah (jemput bola)",
}
MAX_CAPACITY = 1000
_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
_RT = re.compile(r"\s*(\d{1,3})\s*/\s*(\d{1,3})\s*")


class NotWorkingDay(ValidationError):
    code = "not_working_day"


def parse_date(value: Any, field: str = "date") -> dt.date:
    """A `YYYY-MM-DD` date (or a date), else a ValidationError on `field`."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        raise ValidationError(
            _("Tanggal harus berbentuk YYYY-MM-DD."),
            fields={field: [_("Tanggal tidak valid.")]},
        ) from None


def _time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    match = _TIME.fullmatch(str(value or "").strip())
    return dt.time(int(match[1]), int(match[2])) if match else None


def _int(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        return None
    return number if low <= number <= high else None


def _employer(value: Any) -> Employer | None:
    if value in (None, ""):
        return None
    if (isinstance(value, int) and not isinstance(value, bool)) or str(value).isdigit():
        # An id no id column can hold is unknown (PostgreSQL would fail with a 500).
        ident = int(value)
        return db.session.get(Employer, ident) if 0 < ident < 2**31 else None
    return db.session.scalar(select(Employer).where(Employer.name == str(value)))


def clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Parses a session's fields (CONTRACT §4 names); every bad one listed."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    try:
        out["date"] = parse_date(data.get("date"))
    except ValidationError as err:
        errors.update(err.fields)
    for name, attr in (("start", "start_time"), ("end", "end_time")):
        out[attr] = _time(data.get(name))
        if out[attr] is None:
            errors[name] = [_("Jam harus berbentuk JJ:MM, misalnya 08:30.")]
    if out["start_time"] and out["end_time"] and out["end_time"] <= out["start_time"]:
        errors["end"] = [_("Jam selesai harus setelah jam mulai.")]
    out["place"] = str(data.get("place") or "").strip()
    if not out["place"] or len(out["place"]) > 150:
        errors["place"] = [_("Tempat wajib diisi (paling banyak 150 karakter).")]
    out["address"] = str(data.get("address") or "").strip() or None
    out["kind"] = data.get("kind") or SessionKind.OFFICE
    if out["kind"] not in SESSION_KINDS:
        errors["kind"] = [_("Jenis sesi harus office, rt, employer atau mobile.")]
    if out["kind"] == SessionKind.MOBILE and not out["address"]:
        errors["address"] = [_("Kunjungan rumah perlu alamat yang dikunjungi.")]
    if out["address"] and len(out["address"]) > 250:
        errors["address"] = [_("Alamat paling banyak 250 karakter.")]
    out["capacity"] = _int(data.get("capacity"), 1, MAX_CAPACITY)
    if out["capacity"] is None:
        errors["capacity"] = [_("Kapasitas harus bilangan 1–%(m)d.", m=MAX_CAPACITY)]
    out["minutes_per_person"] = _int(data.get("minutes_per_person", 10), 1, 240)
    if out["minutes_per_person"] is None:
        errors["minutes_per_person"] = [_("Menit per orang harus bilangan 1–240.")]
    out["rw"] = out["rt"] = None
    raw_rt, raw_rw = data.get("rt"), data.get("rw")
    if raw_rt not in (None, ""):
        match = _RT.fullmatch(str(raw_rt))
        if match:  # "RW/RT", as `desa user add --rt` takes it
            out["rw"], out["rt"] = pad3(match[1]), pad3(match[2])
        elif str(raw_rt).strip().isdigit() and str(raw_rw or "").strip().isdigit():
            out["rw"], out["rt"] = pad3(str(raw_rw).strip()), pad3(str(raw_rt).strip())
        else:
            errors["rt"] = [_("Tulis RT sebagai RW/RT, misalnya 001/002.")]
    out["employer"] = _employer(data.get("employer"))
    if data.get("employer") not in (None, "") and out["employer"] is None:
        errors["employer"] = [_("Pemberi kerja tidak dikenal.")]
    if out["rt"] and out["employer"]:
        errors["employer"] = [
            _("Sesi hanya dapat dikhususkan untuk satu RT atau satu pemberi kerja.")
        ]
    if out["kind"] == SessionKind.RT and not out["rt"] and "rt" not in errors:
        errors["rt"] = [_("Sesi RT perlu menyebut RT-nya.")]
    if (
        out["kind"] == SessionKind.EMPLOYER
        and not out["employer"]
        and "employer" not in errors
    ):
        errors["employer"] = [_("Sesi pemberi kerja perlu menyebut pemberi kerjanya.")]
    out["notes"] = str(data.get("notes") or "").strip()
    if len(out["notes"]) > 1000:
        errors["notes"] = [_("Catatan paling banyak 1000 karakter.")]
    flag = data.get("allow_non_working_day", False)
    out["non_working_day_ok"] = flag is True or str(flag).lower() in ("1", "true", "y")
    if errors:
        raise ValidationError(_("Data sesi belum benar."), fields=errors)
    return out


def _check_day(values: dict[str, Any], today: dt.date) -> None:
    if values["date"] < today:
        raise ValidationError(
            _("Tanggal sesi sudah lewat."), fields={"date": [_("Sudah lewat.")]}
        )
    reason = non_working_reason(values["date"])
    if reason and not values["non_working_day_ok"]:
        raise NotWorkingDay(
            _(
                "%(r)s Centang “hari libur/akhir pekan” bila sesi memang diadakan "
                "hari itu.",
                r=reason,
            ),
            fields={"date": [reason]},
        )


def _apply(session: RecordingSession, values: dict[str, Any]) -> None:
    for name in (
        "date",
        "start_time",
        "end_time",
        "place",
        "address",
        "kind",
        "minutes_per_person",
        "rw",
        "rt",
        "notes",
        "non_working_day_ok",
    ):
        setattr(session, name, values[name])
    session.employer = values["employer"]


def create_session(actor: Actor, data: Mapping[str, Any]) -> RecordingSession:
    """Adds an open session; a weekend or holiday needs `allow_non_working_day`."""
    values = clean(data)
    _check_day(values, actor.today)
    session = RecordingSession(
        capacity=values["capacity"],
        created_by=actor.display_name,
        booked=0,
        last_queue=0,
        last_waitlist=0,
    )
    _apply(session, values)
    db.session.add(session)
    db.session.flush()
    audit.record(
        actor,
        "appointments.session_create",
        object_type="recording_session",
        object_id=session.id,
        detail=describe(session),
    )
    return session


def update_session(
    actor: Actor, session: RecordingSession, data: Mapping[str, Any]
) -> RecordingSession:
    """Changes a session; capacity never below the places already taken."""
    _not_the_hubs(session)
    if not session.is_open:
        raise Conflict(_("Sesi ini sudah dibatalkan."), code="session_cancelled")
    merged = {**form_values(session), **dict(data)}
    values = clean(merged)
    flag_dropped = session.non_working_day_ok and not values["non_working_day_ok"]
    if values["date"] != session.date or flag_dropped:
        _check_day(values, actor.today)
    active = count_active(session.id)
    if values["date"] != session.date and active:
        raise Conflict(
            _(
                "Tanggal tidak dapat diubah karena sudah ada %(n)d pemesanan. Batalkan "
                "sesi ini dan buat sesi baru.",
                n=active,
            ),
            code="has_bookings",
            fields={"date": [_("Sudah ada pemesanan.")]},
        )
    # Conditional, so that a booking taken meanwhile is never pushed over capacity.
    result = db.session.execute(
        update(RecordingSession)
        .where(RecordingSession.id == session.id)
        .where(RecordingSession.booked <= values["capacity"])
        .values(capacity=values["capacity"])
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        db.session.refresh(session)
        raise ValidationError(
            _(
                "Kapasitas tidak boleh kurang dari %(n)d tempat yang sudah dipesan.",
                n=session.booked,
            ),
            fields={"capacity": [_("Paling sedikit %(n)d.", n=session.booked)]},
        )
    db.session.refresh(session)
    _apply(session, values)
    audit.record(
        actor,
        "appointments.session_update",
        object_type="recording_session",
        object_id=session.id,
        detail=describe(session),
    )
    return session


def _not_the_hubs(session: RecordingSession) -> None:
    """A session the hub planned is changed at the hub (see `planned`)."""
    if session.hub_uid:
        raise Conflict(
            _(
                "Sesi ini dijadwalkan oleh hub kabupaten; perubahannya dibuat di hub "
                "dan tiba di desa lewat berkas balasan."
            ),
            code="hub_session",
        )


def cancel_session(
    actor: Actor, session: RecordingSession, reason: str = "", *, by_hub: bool = False
) -> list:
    """Cancels the session and its active bookings; returns the messages made."""
    if not by_hub:
        _not_the_hubs(session)
    if not session.is_open:
        raise Conflict(_("Sesi ini sudah dibatalkan."), code="session_cancelled")
    session.status, session.cancelled_at = "cancelled", actor.utcnow
    who = actor.display_name
    bookings = db.session.scalars(
        select(Booking).where(
            Booking.session_id == session.id, Booking.status == BookingStatus.ACTIVE
        )
    ).all()
    made = []
    for booking in bookings:
        booking.status, booking.cancelled_at = "cancelled", actor.utcnow
        booking.cancelled_by = who
        made.append(messages.add("cancelled", booking))
    session.booked -= len(bookings)
    db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.session_id == session.id)
        .where(WaitlistEntry.status == WaitlistStatus.WAITING)
        .values(status=WaitlistStatus.DROPPED)
    )
    audit.record(
        actor,
        "appointments.session_cancel",
        object_type="recording_session",
        object_id=session.id,
        detail=f"{describe(session)}; {len(bookings)} pemesanan dibatalkan"
        + (f"; {reason.strip()[:200]}" if reason.strip() else ""),
    )
    return made


def kind_label(kind: str) -> str:
    """The Indonesian label of a session kind (the code itself if unknown)."""
    label = KIND_LABELS.get(kind)
    return _(label) if label else str(kind)


def describe(session: RecordingSession) -> str:
    """One line for the audit log."""
    line = (
        f"{session.date.isoformat()} {session.start_time:%H:%M}-"
        f"{session.end_time:%H:%M} {session.place} ({kind_label(session.kind)}, "
        + _("%(n)d tempat", n=session.capacity)
        + ")"
    )
    return line + (f" untuk {session.reserved_label}" if session.reserved_label else "")


def form_values(session: RecordingSession) -> dict[str, Any]:
    """The session as the `clean` input it came from."""
    return {
        "date": session.date.isoformat(),
        "start": f"{session.start_time:%H:%M}",
        "end": f"{session.end_time:%H:%M}",
        "place": session.place,
        "address": session.address,
        "kind": session.kind,
        "capacity": session.capacity,
        "minutes_per_person": session.minutes_per_person,
        "rt": f"{session.rw}/{session.rt}" if session.rt else None,
        "employer": session.employer_id,
        "notes": session.notes,
        "allow_non_working_day": session.non_working_day_ok,
    }


def count_active(session_id: int) -> int:
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == session_id, Booking.status == BookingStatus.ACTIVE
        )
    )


def get_session(session_id: int) -> RecordingSession:
    """The session, or 404 (also for an id no id column can hold)."""
    fits = 0 < session_id < 2**31  # PostgreSQL would fail with "out of range"
    session = db.session.get(RecordingSession, session_id) if fits else None
    if session is None:
        raise NotFound(_("Sesi tidak ditemukan."))
    return session


def chosen_session(raw: str | None) -> RecordingSession:
    """The session picked on a form; one that does not exist is a wrong choice (422)."""
    ident = whole_number(raw, 1)
    found = db.session.get(RecordingSession, ident) if ident is not None else None
    if found is None:
        raise ValidationError(
            _("Pilih sesi."), fields={"session_id": [_("Pilih sesi.")]}
        )
    return found


def between(start: dt.date | None, end: dt.date | None, *, open_only: bool = False):
    """A select of sessions from `start` to `end` (inclusive), in date order."""
    stmt = select(RecordingSession)
    if start:
        stmt = stmt.where(RecordingSession.date >= start)
    if end:
        stmt = stmt.where(RecordingSession.date <= end)
    if open_only:
        stmt = stmt.where(RecordingSession.status == SessionStatus.OPEN)
    return stmt.order_by(
        RecordingSession.date, RecordingSession.start_time, RecordingSession.id
    )


def bookable_for(actor: Actor):
    """Open sessions from the actor's today on that its people may be booked into."""
    stmt = between(actor.today, None, open_only=True)
    return scopes.restrict(stmt, actor, RecordingSession, purpose="book")
