"""Booking people into sessions, cancelling, moving, the waitlist.

Capacity and queue numbers are taken by one conditional UPDATE of the session's
counters in the booking's own transaction (SQLite: the request already holds the
write lock; PostgreSQL: the UPDATE locks the row and re-checks its condition). One
active booking per resident is a partial unique index. Nothing is checked and then
inserted without the database having the last word.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from desa.appointments import messages
from desa.appointments.models import (
    Booking,
    BookingStatus,
    Employee,
    RecordingSession,
    SessionKind,
    SessionStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.permissions import Permission, Role
from desa.auth.scope import scopes
from desa.core.errors import Conflict, Forbidden, NotFound, ValidationError
from desa.core.formatting import format_date, mask_nik
from desa.extensions import db
from desa.residents import life_events
from desa.residents.models import RECORDED_CODES, LifeStatus, Resident
from desa.residents.rules import ELDERLY_AGE, may_record, needs_home_visit
from desa.residents.services import clean_nik

MAX_GROUP = 500
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8

REASONS = {
    "invalid_nik": _l("NIK harus 16 angka."),
    "duplicate": _l("NIK ini tercantum lebih dari sekali."),
    "unknown": _l("NIK tidak terdaftar di desa ini."),
    "outside_rt": _l("Tidak ditemukan di antara warga RT Anda."),
    "not_employee": _l(
        "Tidak ada di daftar karyawan Anda yang cocok dengan data penduduk."
    ),
    "not_self": _l("Anda hanya dapat memesan untuk diri sendiri."),
    "not_allowed": _l("Anda tidak berhak memesan jadwal."),
    "reserved_rt": _l("Sesi ini khusus untuk warga %(who)s."),
    "reserved_employer": _l("Sesi ini khusus untuk karyawan %(who)s."),
    LifeStatus.DECEASED: _l("Tercatat sudah meninggal."),
    LifeStatus.MOVED: _l("Tercatat sudah pindah keluar desa."),
    LifeStatus.MISSING: _l("Tercatat hilang."),
    "recorded": _l("Sudah merekam e-KTP."),
    "not_wajib": _l(
        "Belum berusia 16 tahun dan belum menikah pada tanggal sesi; perekaman "
        "e-KTP mulai usia 16 tahun."
    ),
    "recorded_elsewhere": _l(
        "Sudah terekam di %(where)s menurut hub kabupaten; jangan direkam ulang "
        "(rekaman kedua menjadi data ganda dan tidak dicetak)."
    ),
    "already_booked": _l("Sudah punya jadwal perekaman aktif."),
    "not_home_visit": _l(
        "Kunjungan rumah hanya untuk warga lanjut usia (%(age)d tahun ke atas) atau "
        "penyandang disabilitas yang dicatat kantor desa. Pesankan sesi di kantor "
        "atau di RT."
    ),
}


@dataclass(frozen=True)
class Refusal:
    nik: str
    code: str
    message: str


class NotEligible(ValidationError):
    code = "not_eligible"


class Full(Conflict):
    code = "full"


def reason(code: str, **values: Any) -> str:
    """The Indonesian sentence for a refusal code."""
    return str(REASONS[code]) % values if values else str(REASONS[code])


def new_code() -> str:
    """A random check-in code (8 characters, no look-alikes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str | None) -> str:
    """What a clerk types or a scanner reads → the stored code."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:40]


# --- who may act for whom ----------------------------------------------------------


def employee_resident_ids(employer_id: int | None) -> set[int]:
    """Residents matched on an employer's list and confirmed there."""
    if employer_id is None:
        return set()
    return set(
        db.session.scalars(
            select(Employee.resident_id).where(
                Employee.employer_id == employer_id,
                Employee.resident_id.is_not(None),
                Employee.confirmed_at.is_not(None),
            )
        )
    )


# The refusal a NIK outside the actor's scope gets, whether or not it exists.
OUTSIDE_SCOPE = {
    Role.RT: "outside_rt",
    Role.EMPLOYER: "not_employee",
    Role.RESIDENT: "not_self",
}


def _outside_scope(actor: Actor, residents: list[Resident]) -> Any:
    """A function resident → refusal code (or None) for whom the actor may book.

    Whom an actor may book is whom it sees (the scope registry's Resident rule),
    once it may book at all.
    """
    if actor.can(Permission.BOOKINGS_MANAGE):
        return lambda r: None
    code = OUTSIDE_SCOPE.get(actor.role, "not_allowed")
    if not actor.can(Permission.BOOKINGS_CREATE) or not residents:
        return lambda r: code
    ids = [r.id for r in residents]
    seen = set(
        db.session.scalars(
            scopes.restrict(
                select(Resident.id).where(Resident.id.in_(ids)), actor, Resident
            )
        )
    )
    return lambda r: None if r.id in seen else code


def person_refusal(
    session: RecordingSession,
    resident: Resident,
    *,
    active: set[int],
    members: set[int] | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """Why this resident cannot be booked into this session, or None (no scope)."""
    if session.rt and (resident.rw, resident.rt) != (session.rw, session.rt):
        return "reserved_rt", {"who": session.reserved_label}
    if session.employer_id and resident.id not in (members or set()):
        return "reserved_employer", {"who": session.reserved_label}
    if resident.life_status != LifeStatus.ACTIVE:
        return resident.life_status, {}
    if resident.ektp_status in RECORDED_CODES:
        return "recorded", {}
    if resident.elsewhere_code:
        return "recorded_elsewhere", {
            "where": resident.elsewhere_name or resident.elsewhere_code
        }
    if not may_record(resident, session.date):
        return "not_wajib", {}
    if session.kind == SessionKind.MOBILE and not needs_home_visit(
        resident, session.date
    ):
        return "not_home_visit", {"age": ELDERLY_AGE}
    if resident.id in active:
        return "already_booked", {}
    return None


def _active_ids(resident_ids: list[int], moving: Booking | None = None) -> set[int]:
    if not resident_ids:
        return set()
    stmt = select(Booking.resident_id).where(
        Booking.resident_id.in_(resident_ids), Booking.status == BookingStatus.ACTIVE
    )
    if moving is not None:
        stmt = stmt.where(Booking.id != moving.id)
    return set(db.session.scalars(stmt))


def check(
    actor: Actor,
    session: RecordingSession,
    niks: list[str],
    *,
    moving: Booking | None = None,
) -> tuple[list[Resident], list[Refusal]]:
    """The residents to book (in the order given) and a refusal for every other NIK.

    Outside the actor's scope a NIK gets the same answer whether it exists or not.
    """
    cleaned = [clean_nik(n) for n in niks]
    found = {
        r.nik: r
        for r in db.session.scalars(select(Resident).where(Resident.nik.in_(cleaned)))
    }
    out_of_scope = _outside_scope(actor, list(found.values()))
    members = employee_resident_ids(session.employer_id)
    active = _active_ids([r.id for r in found.values()], moving)
    people: list[Resident] = []
    refusals: list[Refusal] = []
    seen: set[str] = set()
    for raw, nik in zip(niks, cleaned, strict=True):
        resident = found.get(nik)
        if not (nik.isascii() and nik.isdigit() and len(nik) == 16):
            code, values = "invalid_nik", {}
        elif nik in seen:
            code, values = "duplicate", {}
        elif resident is None:
            staff = actor.can(Permission.BOOKINGS_MANAGE)
            code = "unknown" if staff else OUTSIDE_SCOPE.get(actor.role, "not_allowed")
            values = {}
        elif out_of_scope(resident):
            code, values = out_of_scope(resident), {}
        else:
            refused = person_refusal(session, resident, active=active, members=members)
            code, values = refused if refused else (None, {})
        seen.add(nik)
        if code:
            refusals.append(Refusal(raw, code, reason(code, **values)))
        else:
            people.append(resident)
    return people, refusals


def _refuse(refusals: list[Refusal]) -> NotEligible:
    fields: dict[str, list[str]] = {}
    for r in refusals:
        fields.setdefault(r.nik, []).append(r.message)
    err = NotEligible(
        _("%(n)d orang tidak dapat dipesan; tidak ada yang dipesan.", n=len(fields)),
        fields=fields,
        extra={
            "refused": [
                {"nik": r.nik, "code": r.code, "message": r.message} for r in refusals
            ]
        },
    )
    err.details = [f"{r.nik}: {r.message}" for r in refusals]
    return err


# --- places and queue numbers --------------------------------------------------------


def _take_places(session: RecordingSession, n: int) -> int:
    """Takes `n` places and queue numbers at once; returns the first queue number."""
    result = db.session.execute(
        update(RecordingSession)
        .where(RecordingSession.id == session.id)
        .where(RecordingSession.status == SessionStatus.OPEN)
        .where(RecordingSession.booked + n <= RecordingSession.capacity)
        .values(
            booked=RecordingSession.booked + n,
            last_queue=RecordingSession.last_queue + n,
        )
        .execution_options(synchronize_session=False)
    )
    row = db.session.execute(
        select(
            RecordingSession.capacity,
            RecordingSession.booked,
            RecordingSession.last_queue,
            RecordingSession.status,
        ).where(RecordingSession.id == session.id)
    ).one()
    db.session.expire(session, ["booked", "last_queue", "status"])
    if result.rowcount != 1:
        if row.status != SessionStatus.OPEN:
            raise Conflict(_("Sesi ini sudah dibatalkan."), code="session_cancelled")
        remaining = max(0, row.capacity - row.booked)
        raise Full(
            _(
                "Tempat tidak cukup: sisa %(r)d, diminta %(n)d. Tidak ada yang dipesan.",
                r=remaining,
                n=n,
            ),
            fields={"niks": [_("Sisa tempat: %(r)d.", r=remaining)]},
            extra={"remaining": remaining},
        )
    return row.last_queue - n + 1


def give_back(session_id: int, n: int = 1) -> None:
    db.session.execute(
        update(RecordingSession)
        .where(RecordingSession.id == session_id, RecordingSession.booked >= n)
        .values(booked=RecordingSession.booked - n)
        .execution_options(synchronize_session=False)
    )


def lock_sessions(*ids: int) -> None:
    """Row locks on the sessions in id order (PostgreSQL), so that two moves in
    opposite directions queue instead of deadlocking; SQLite holds its lock already."""
    db.session.execute(
        select(RecordingSession.id)
        .where(RecordingSession.id.in_(sorted(set(ids))))
        .order_by(RecordingSession.id)
        .with_for_update()
    ).all()


def _require_bookable(session: RecordingSession, today: dt.date) -> None:
    if not session.is_open:
        raise Conflict(_("Sesi ini sudah dibatalkan."), code="session_cancelled")
    if session.date < today:
        raise Conflict(_("Sesi ini sudah lewat."), code="session_past")


def _niks(niks: Any) -> list[str]:
    if not isinstance(niks, list) or not niks:
        raise ValidationError(
            _("Sebutkan paling sedikit satu NIK."),
            fields={"niks": [_("Daftar NIK kosong.")]},
        )
    if len(niks) > MAX_GROUP or not all(isinstance(n, str) for n in niks):
        raise ValidationError(
            _("Daftar NIK harus berisi teks, paling banyak %(m)d.", m=MAX_GROUP),
            fields={"niks": [_("Daftar NIK tidak valid.")]},
        )
    return niks


# Who a booking promoted from the waitlist was made by.
_WAITLIST = {
    "booked_by_kind": "system",
    "booked_by_id": None,
    "booked_by_role": "system",
    "booked_by_name": "daftar tunggu",
}


def _booker(actor: Actor) -> dict[str, Any]:
    return {
        "booked_by_kind": actor.kind,
        "booked_by_id": actor.id,
        "booked_by_role": actor.role,
        "booked_by_name": actor.display_name[:120],
    }


def book(
    actor: Actor,
    session: RecordingSession,
    niks: Any,
    *,
    notify_email: str | None = None,
    moving: Booking | None = None,
) -> list[Booking]:
    """Books everyone or no one: 422 `not_eligible` per NIK, 409 `full` with `remaining`."""
    _require_bookable(session, actor.today)
    people, refusals = check(actor, session, _niks(niks), moving=moving)
    if refusals:
        raise _refuse(refusals)
    if moving is not None:
        _release(actor, moving)
    first = _take_places(session, len(people))
    who = _booker(actor)
    emails = _employee_emails(actor, [r.id for r in people])
    bookings = [
        Booking(
            session_id=session.id,
            resident_id=r.id,
            queue_number=first + i,
            code=new_code(),
            status=BookingStatus.ACTIVE,
            notify_email=notify_email or emails.get(r.id),
            created_at=actor.utcnow,
            **who,
        )
        for i, r in enumerate(people)
    ]
    try:
        with db.session.begin_nested():
            # Inserted in resident order: two groups sharing people then wait for
            # each other on the unique index in the same order, never in a cycle.
            db.session.add_all(sorted(bookings, key=lambda b: b.resident_id))
            db.session.flush()
    except IntegrityError:
        # Someone booked one of them in a transaction that committed meanwhile.
        taken = _active_ids([r.id for r in people], moving)
        raise _refuse(
            [
                Refusal(r.nik, "already_booked", reason("already_booked"))
                for r in people
                if r.id in taken
            ]
            or [
                Refusal(r.nik, "already_booked", reason("already_booked"))
                for r in people
            ]
        ) from None
    for b in bookings:
        messages.add("booked", b)
    audit.record(
        actor,
        "appointments.move" if moving is not None else "appointments.book",
        object_type="recording_session",
        object_id=session.id,
        detail=f"{len(bookings)} orang: "
        + ", ".join(f"{mask_nik(b.resident.nik)} #{b.queue_number}" for b in bookings),
    )
    if moving is not None:
        promote(actor, moving.session, freed=moving)
    return bookings


def _employee_emails(actor: Actor, resident_ids: list[int]) -> dict[int, str]:
    """The work e-mail an employer keeps for each of its people, if any."""
    if actor.role != Role.EMPLOYER or not resident_ids:
        return {}
    rows = db.session.execute(
        select(Employee.resident_id, Employee.email).where(
            Employee.employer_id == actor.principal.employer_id,
            Employee.resident_id.in_(resident_ids),
            Employee.confirmed_at.is_not(None),
            Employee.email.is_not(None),
        )
    )
    return dict(rows.all())


def _release(actor: Actor, booking: Booking) -> None:
    """Marks an active booking cancelled and frees its place (no waitlist yet)."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.ACTIVE)
        .values(
            status=BookingStatus.CANCELLED,
            cancelled_at=actor.utcnow,
            cancelled_by=_booker(actor)["booked_by_name"],
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Pemesanan ini sudah tidak aktif."), code="not_active")
    give_back(booking.session_id)
    db.session.flush()
    db.session.expire(booking)
    db.session.expire(booking.session, ["booked"])


# --- who may change a booking ----------------------------------------------------


def visible_bookings(actor: Actor):
    """A select of the bookings the actor may see (the scope registry's rule)."""
    return scopes.select(actor, Booking)


def record_list_read(actor: Actor, session: RecordingSession, shown: int) -> None:
    """One audit line for reading a session's bookings (who is booked is personal)."""
    audit.record(
        actor,
        "appointments.bookings_read",
        object_type="recording_session",
        object_id=session.id,
        detail=f"{shown} pemesanan sesi {session.id}",
    )


def get_visible(actor: Actor, booking_id: int) -> Booking:
    """The booking if the actor may see it; 404 alike otherwise."""
    booking = scopes.get(actor, Booking, Booking.id == booking_id)
    if booking is None:
        raise NotFound(_("Pemesanan tidak ditemukan."))
    return booking


def may_change(actor: Actor, booking: Booking) -> bool:
    """Clerk, whoever booked it, or the booked resident themself."""
    if actor.can(Permission.BOOKINGS_MANAGE):
        return True
    if (booking.booked_by_kind, booking.booked_by_id) == (actor.kind, actor.id):
        return True
    return actor.role == Role.RESIDENT and booking.resident_id == actor.id


def cancel(actor: Actor, booking: Booking) -> list:
    """Cancels an active booking, frees its place, promotes the waitlist."""
    today = actor.today
    if not may_change(actor, booking):
        raise Forbidden(_("Hanya pemesan atau petugas desa yang dapat membatalkan."))
    if booking.session.date < today:
        raise Conflict(
            _("Sesi sudah lewat; catat hasilnya (direkam atau tidak hadir)."),
            code="session_past",
        )
    lock_sessions(booking.session_id)
    session = booking.session
    _release(actor, booking)
    made = [messages.add("cancelled", booking)]
    made += promote(actor, session, freed=booking)
    audit.record(
        actor,
        "appointments.cancel",
        object_type="booking",
        object_id=booking.id,
        detail=f"{mask_nik(booking.resident.nik)} sesi {session.id} "
        f"{session.date.isoformat()}",
    )
    return made


def move(actor: Actor, booking: Booking, target: RecordingSession) -> Booking:
    """Moves an active booking to another session atomically (cancel + book)."""
    if not may_change(actor, booking):
        raise Forbidden(_("Hanya pemesan atau petugas desa yang dapat memindahkan."))
    if not booking.is_active:
        raise Conflict(_("Pemesanan ini sudah tidak aktif."), code="not_active")
    if target.id == booking.session_id:
        raise Conflict(_("Itu sesi yang sama."), code="same_session")
    lock_sessions(booking.session_id, target.id)
    nik = booking.resident.nik
    (moved,) = book(
        actor, target, [nik], notify_email=booking.notify_email, moving=booking
    )
    return moved


# --- the waitlist ----------------------------------------------------------------


def join_waitlist(actor: Actor, session: RecordingSession, nik: str) -> WaitlistEntry:
    """Puts an eligible person on a full session's waitlist."""
    _require_bookable(session, actor.today)
    if session.remaining > 0:
        raise Conflict(_("Masih ada tempat; langsung pesan saja."), code="not_full")
    people, refusals = check(actor, session, [nik])
    if refusals:
        raise _refuse(refusals)
    db.session.execute(
        update(RecordingSession)
        .where(RecordingSession.id == session.id)
        .values(last_waitlist=RecordingSession.last_waitlist + 1)
        .execution_options(synchronize_session=False)
    )
    position = db.session.scalar(
        select(RecordingSession.last_waitlist).where(RecordingSession.id == session.id)
    )
    entry = WaitlistEntry(
        session_id=session.id,
        resident_id=people[0].id,
        position=position,
        added_by=_booker(actor)["booked_by_name"],
        created_at=actor.utcnow,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("Sudah ada di daftar tunggu sesi ini."), code="already_waiting"
        ) from None
    audit.record(
        actor,
        "appointments.waitlist_join",
        object_type="recording_session",
        object_id=session.id,
        detail=f"{mask_nik(people[0].nik)} urutan {position}",
    )
    return entry


def promote(
    actor: Actor, session: RecordingSession, *, freed: Booking | None = None
) -> list:
    """Fills freed places from the waitlist, in order; returns the messages made.

    Done for the actor whose change freed the places (its audit lines name them);
    the bookings themselves are made by the waitlist. With `freed` (the booking just
    cancelled or moved away), the first person promoted takes its queue place
    rather than a new number at the end: the cancelled row, which keeps no place,
    hands its number over and takes the unused one at the end instead (queue
    numbers stay unique per session).
    """
    made: list = []
    if not session.is_open or session.date < actor.today:
        return made
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.session_id == session.id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
        )
        .order_by(WaitlistEntry.position)
    ).all()
    members = employee_resident_ids(session.employer_id)
    for entry in entries:
        resident = entry.resident
        active = _active_ids([resident.id])
        if person_refusal(session, resident, active=active, members=members):
            entry.status = WaitlistStatus.DROPPED
            continue
        try:
            first = _take_places(session, 1)
        except Full:
            break
        handover = freed is not None and freed.session_id == session.id
        if handover:
            place, spare = freed.queue_number, first
        else:
            place = first
        booking = Booking(
            session_id=session.id,
            resident_id=resident.id,
            queue_number=place,
            code=new_code(),
            status=BookingStatus.ACTIVE,
            created_at=actor.utcnow,
            **_WAITLIST,
        )
        try:
            with db.session.begin_nested():
                if handover:
                    db.session.execute(
                        update(Booking)
                        .where(Booking.id == freed.id)
                        .values(queue_number=spare)
                        .execution_options(synchronize_session=False)
                    )
                db.session.add(booking)
                db.session.flush()
        except IntegrityError:
            give_back(session.id)
            entry.status = WaitlistStatus.DROPPED
            continue
        if handover:
            db.session.expire(freed, ["queue_number"])
            freed = None  # one freed place, one handover
        entry.status, entry.promoted_at, entry.booking_id = (
            "promoted",
            actor.utcnow,
            booking.id,
        )
        made.append(messages.add("promoted", booking))
        audit.record(
            actor,
            "appointments.promote",
            object_type="booking",
            object_id=booking.id,
            detail=f"{mask_nik(resident.nik)} dari daftar tunggu sesi "
            f"{session.id} {format_date(session.date)}",
        )
    return made


# --- a resident who leaves the village -------------------------------------------


def release_resident(
    actor: Actor, resident: Resident, why: str, *, from_day: dt.date | None = None
) -> list[Booking]:
    """Cancels the resident's active bookings in sessions from `from_day` (today when
    not given) and takes them off every waitlist; each freed place goes to the next
    person waiting. Returns the bookings cancelled. No message goes to the person.
    """
    return release_residents(actor, [resident.id], why, from_day=from_day)


def release_residents(
    actor: Actor,
    resident_ids: list[int],
    why: str,
    *,
    from_day: dt.date | None = None,
) -> list[Booking]:
    """release_resident for many residents at once (a results file): one query
    for their bookings, one for their waitlist places."""
    day = from_day or actor.today
    bookings: list[Booking] = []
    for start in range(0, len(resident_ids), 500):
        chunk = resident_ids[start : start + 500]
        bookings += db.session.scalars(
            select(Booking)
            .join(Booking.session)
            .where(
                Booking.resident_id.in_(chunk),
                Booking.status == BookingStatus.ACTIVE,
                RecordingSession.date >= day,
            )
            .order_by(Booking.id)
        ).all()
        db.session.execute(
            update(WaitlistEntry)
            .where(
                WaitlistEntry.resident_id.in_(chunk),
                WaitlistEntry.status == WaitlistStatus.WAITING,
            )
            .values(status=WaitlistStatus.DROPPED)
            .execution_options(synchronize_session="fetch")
        )
    if bookings:
        lock_sessions(*(b.session_id for b in bookings))
    freed: dict[int, RecordingSession] = {}
    for b in bookings:
        session = b.session
        nik = b.resident.nik
        _release(actor, b)
        audit.record(
            actor,
            "appointments.cancel",
            object_type="booking",
            object_id=b.id,
            detail=f"{mask_nik(nik)} sesi {session.id} "
            f"{session.date.isoformat()}: {why}",
        )
        freed[session.id] = session
    for session in freed.values():
        promote(actor, session)
    return bookings


# Population events that take a resident out of every session and waitlist.
LEAVING_EVENTS = {"death", "move_out"}


def _on_life_event(actor: Actor, resident: Resident, event: Any) -> None:
    if event.type in LEAVING_EVENTS:
        release_resident(actor, resident, event.type)


life_events.register_listener("appointments", _on_life_event)
