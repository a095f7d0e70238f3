"""JSON API for recording sessions and bookings (CONTRACT §4).

Documented in docs/api.md.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from desa.appointments import attendance, booking, sessions
from desa.appointments.models import Booking, BookingStatus, SessionKind, SessionStatus
from desa.appointments.serialize import booking_json, session_json
from desa.appointments.views_common import handle_busy
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.api import json_body, paginate
from desa.core.db import begin_write
from desa.core.errors import Conflict, ValidationError
from desa.core.openapi import (
    DATE_OR_EMPTY,
    PAGE_PARAMS,
    page_of,
    path_param,
    query_param,
    spec,
)
from desa.core.security import require

bp = Blueprint("appointments_api", __name__, url_prefix="/api/v1")
handle_busy(bp)

_TIME = {"type": "string", "pattern": "^[0-9]{1,2}[:.][0-9]{2}$"}
SESSION = spec.schema(
    "RecordingSession",
    {
        "type": "object",
        "required": [
            "id",
            "date",
            "start",
            "end",
            "place",
            "kind",
            "capacity",
            "booked",
            "remaining",
            "status",
        ],
        "properties": {
            "id": {"type": "integer"},
            "date": {"type": "string", "format": "date"},
            "start": {"type": "string"},
            "end": {"type": "string"},
            "place": {"type": "string"},
            "address": {"type": ["string", "null"]},
            "kind": {"type": "string", "enum": list(SessionKind)},
            "capacity": {"type": "integer"},
            "booked": {"type": "integer"},
            "remaining": {"type": "integer"},
            "minutes_per_person": {"type": "integer"},
            "status": {"type": "string", "enum": list(SessionStatus)},
            "rt": {"type": ["string", "null"]},
            "employer": {"type": ["string", "null"]},
            "non_working_day": {"type": "boolean"},
            "notes": {"type": "string"},
        },
    },
)
SESSION_INPUT = spec.schema(
    "RecordingSessionInput",
    {
        "type": "object",
        "properties": {
            "date": {"type": "string", "format": "date"},
            "start": _TIME,
            "end": _TIME,
            "place": {"type": "string"},
            "address": {"type": ["string", "null"]},
            "kind": {"type": "string", "enum": list(SessionKind)},
            "capacity": {"type": "integer", "minimum": 1},
            "minutes_per_person": {"type": "integer", "minimum": 1},
            "rt": {"type": ["string", "null"], "description": "RW/RT, mis. 001/002"},
            "employer": {"type": ["string", "integer", "null"]},
            "allow_non_working_day": {"type": "boolean"},
            "notes": {"type": "string"},
        },
    },
)
BOOKING = spec.schema(
    "Booking",
    {
        "type": "object",
        "required": ["id", "nik", "queue_number", "estimated_time", "ticket_url"],
        "properties": {
            "id": {"type": "integer"},
            "nik": {"type": "string"},
            "session_id": {"type": "integer"},
            "queue_number": {"type": "integer"},
            "estimated_time": {"type": "string", "format": "date-time"},
            "ticket_url": {"type": "string"},
            "code": {"type": "string"},
            "status": {
                "type": "string",
                "enum": list(BookingStatus),
            },
        },
    },
)
_SID = [path_param("session_id", {"type": "integer"})]
_BID = [path_param("booking_id", {"type": "integer"})]
_MUTATE = ("400", "401", "403", "404", "409", "422")

spec.operation(
    "/sessions",
    "get",
    summary="Sesi perekaman e-KTP dengan sisa tempat",
    roles="semua yang sudah masuk",
    tag="jadwal",
    parameters=[
        query_param("from", DATE_OR_EMPTY),
        query_param("to", DATE_OR_EMPTY),
        *PAGE_PARAMS,
    ],
    response=page_of(SESSION),
    errors=("401", "403", "422"),
)
spec.operation(
    "/sessions",
    "post",
    summary="Buat sesi perekaman",
    roles="clerk",
    tag="jadwal",
    body=SESSION_INPUT,
    response=SESSION,
    status="201",
    errors=_MUTATE,
)
spec.operation(
    "/sessions/{session_id}",
    "get",
    summary="Satu sesi",
    roles="semua yang sudah masuk",
    tag="jadwal",
    parameters=_SID,
    response=SESSION,
    errors=("401", "403", "404"),
)
spec.operation(
    "/sessions/{session_id}",
    "patch",
    summary="Ubah sesi (kapasitas tidak di bawah yang sudah dipesan)",
    roles="clerk",
    tag="jadwal",
    parameters=_SID,
    body=SESSION_INPUT,
    response=SESSION,
    errors=_MUTATE,
)
spec.operation(
    "/sessions/{session_id}/cancel",
    "post",
    summary="Batalkan sesi beserta pemesanannya",
    roles="clerk",
    tag="jadwal",
    parameters=_SID,
    body={"type": "object", "properties": {"reason": {"type": "string"}}},
    response=SESSION,
    errors=_MUTATE,
)
spec.operation(
    "/sessions/{session_id}/bookings",
    "post",
    summary="Pesan tempat untuk satu orang atau satu kelompok (semua atau tidak sama "
    "sekali)",
    roles="clerk, rt (warga RT-nya), employer (karyawannya), resident (diri sendiri)",
    tag="jadwal",
    parameters=_SID,
    body={
        "type": "object",
        "required": ["niks"],
        "properties": {
            "niks": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "email": {"type": "string"},
        },
    },
    response={
        "type": "object",
        "required": ["bookings"],
        "properties": {"bookings": {"type": "array", "items": BOOKING}},
    },
    status="201",
    errors=_MUTATE,
)
spec.operation(
    "/sessions/{session_id}/bookings",
    "get",
    summary="Pemesanan dalam satu sesi",
    roles="clerk, head",
    tag="jadwal",
    parameters=[*_SID, *PAGE_PARAMS],
    response=page_of(BOOKING),
    errors=("401", "403", "404"),
)
spec.operation(
    "/bookings/{booking_id}",
    "delete",
    summary="Batalkan pemesanan; tempatnya kembali kosong",
    roles="yang memesan, clerk",
    tag="jadwal",
    parameters=_BID,
    response=BOOKING,
    errors=("401", "403", "404", "409"),
)
spec.operation(
    "/bookings/{booking_id}/move",
    "post",
    summary="Pindahkan pemesanan ke sesi lain",
    roles="yang memesan, clerk",
    tag="jadwal",
    parameters=_BID,
    body={
        "type": "object",
        "required": ["session_id"],
        "properties": {"session_id": {"type": "integer"}},
    },
    response=BOOKING,
    errors=_MUTATE,
)
spec.operation(
    "/bookings/{booking_id}/outcome",
    "post",
    summary="Catat hasil: direkam atau tidak hadir",
    roles="clerk",
    tag="jadwal",
    parameters=_BID,
    body={
        "type": "object",
        "required": ["outcome"],
        "properties": {
            "outcome": {"type": "string", "enum": list(attendance.OUTCOMES)}
        },
    },
    response=BOOKING,
    errors=_MUTATE,
)


def _date_arg(name: str):
    raw = request.args.get(name)
    return sessions.parse_date(raw, name) if raw else None


@bp.get("/sessions")
@require(Permission.SESSIONS_READ)
def list_sessions():
    """Sessions between `from` and `to`, with capacity, booked and remaining."""
    start, end = _date_arg("from"), _date_arg("to")
    return jsonify(
        paginate(
            sessions.between(start, end), lambda s: session_json(s, current_actor())
        )
    )


@bp.post("/sessions")
@require(Permission.SESSIONS_MANAGE)
def create_session():
    """Adds a session; weekends and holidays need `allow_non_working_day`."""
    actor = current_actor()
    session = sessions.create_session(actor, json_body())
    return jsonify(session_json(session, actor)), 201


@bp.get("/sessions/<int:session_id>")
@require(Permission.SESSIONS_READ)
def get_session(session_id: int):
    """One session."""
    return jsonify(session_json(sessions.get_session(session_id), current_actor()))


@bp.patch("/sessions/<int:session_id>")
@require(Permission.SESSIONS_MANAGE)
def update_session(session_id: int):
    """Changes a session."""
    body = json_body()
    actor = current_actor()
    found = sessions.get_session(session_id)
    session = sessions.update_session(actor, found, body)
    return jsonify(session_json(session, actor))


@bp.post("/sessions/<int:session_id>/cancel")
@require(Permission.SESSIONS_MANAGE)
def cancel_session(session_id: int):
    """Cancels a session and every active booking in it."""
    body = json_body(optional=True)
    actor = current_actor()
    session = sessions.get_session(session_id)
    sessions.cancel_session(actor, session, str(body.get("reason") or ""))
    return jsonify(session_json(session, actor))


@bp.post("/sessions/<int:session_id>/bookings")
@require(Permission.BOOKINGS_CREATE)
def book(session_id: int):
    """Books the NIKs given, all or none."""
    body = json_body()
    email = body.get("email") if isinstance(body.get("email"), str) else None
    made = booking.book(
        current_actor(),
        sessions.get_session(session_id),
        body.get("niks"),
        notify_email=(email or "").strip()[:200] or None,
    )
    return jsonify({"bookings": [booking_json(b) for b in made]}), 201


@bp.get("/sessions/<int:session_id>/bookings")
@require(Permission.BOOKINGS_READ)
def session_bookings(session_id: int):
    """The bookings of one session, in queue order (the read is audited)."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    session = sessions.get_session(session_id)
    stmt = (
        booking.visible_bookings(actor)
        .where(Booking.session_id == session_id)
        .order_by(Booking.queue_number)
    )
    page = paginate(stmt, booking_json)
    booking.record_list_read(actor, session, len(page["items"]))
    return jsonify(page)


@bp.delete("/bookings/<int:booking_id>")
@require(Permission.BOOKINGS_CANCEL)
def cancel_booking(booking_id: int):
    """Cancels a booking (whoever booked it, the resident, or a clerk)."""
    actor = current_actor()
    found = booking.get_visible(actor, booking_id)
    booking.cancel(actor, found)
    return jsonify(booking_json(found))


@bp.post("/bookings/<int:booking_id>/move")
@require(Permission.BOOKINGS_CREATE)
def move_booking(booking_id: int):
    """Moves a booking to another session in one step."""
    body = json_body()
    target_id = body.get("session_id")
    if not isinstance(target_id, int) or isinstance(target_id, bool):
        raise ValidationError(
            _("Sebutkan sesi tujuan."), fields={"session_id": [_("Harus bilangan.")]}
        )
    actor = current_actor()
    found = booking.get_visible(actor, booking_id)
    moved = booking.move(actor, found, sessions.get_session(target_id))
    return jsonify(booking_json(moved))


@bp.post("/bookings/<int:booking_id>/outcome")
@require(Permission.BOOKINGS_OUTCOME)
def outcome(booking_id: int):
    """Records the outcome from the session's day on (409 `too_early` before)."""
    body = json_body()
    actor = current_actor()
    found = booking.get_visible(actor, booking_id)
    if found.status == BookingStatus.CANCELLED:
        raise Conflict(_("Pemesanan ini dibatalkan."), code="not_active")
    attendance.set_outcome(actor, found, body.get("outcome"))
    return jsonify(booking_json(found))
