"""The check-in page that works without a link: what it carries, what it sends.

The page holds the session's bookings keyed by the SHA-256 of their ticket code
(never the codes, never a NIK), so a scan is looked up on the device; the scans
wait in the browser and come back in batches to `attendance.check_in_scans`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from flask_babel import gettext as _

from desa.appointments.attendance import Scan, ScanResult
from desa.appointments.booking import normalise_code, visible_bookings
from desa.appointments.calendar import format_time
from desa.appointments.models import Booking, RecordingSession
from desa.auth.actor import Actor
from desa.core.errors import ValidationError
from desa.core.formatting import mask_name
from desa.core.village import to_village
from desa.extensions import db

MAX_SCANS = 200  # the page sends 50 at a time
_MAX_AT = 40


def code_hash(code: str) -> str:
    """The hex SHA-256 of the code as stored (what the page compares scans with)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def checked_in_text(value: dt.datetime | None) -> str | None:
    """`08.12`, the village's time of a stored check-in (None when there is none)."""
    return format_time(to_village(value).time()) if value else None


def roster(actor: Actor, session: RecordingSession) -> dict[str, dict[str, Any]]:
    """code hash → queue number, masked name, RT/RW, check-in time, status: every
    booking of the session the actor may see (a cancelled one says so when scanned)."""
    bookings = db.session.scalars(
        visible_bookings(actor)
        .where(Booking.session_id == session.id)
        .order_by(Booking.queue_number)
    )
    return {
        code_hash(b.code): {
            "queue": b.queue_number,
            "name": mask_name(b.resident.name),
            "rt": f"{b.resident.rt or '-'}/{b.resident.rw or '-'}",
            "checked_in": checked_in_text(b.checked_in_at),
            "status": b.status,
        }
        for b in bookings
    }


def result_json(result: ScanResult) -> dict[str, Any]:
    """One scan's answer: its code, what became of it, and whose ticket it was."""
    b = result.booking
    return {
        "code": result.code,
        "status": result.status,
        "queue": b.queue_number if b else None,
        "name": mask_name(b.resident.name) if b else None,
        "checked_in": checked_in_text(b.checked_in_at) if b else None,
    }


def _moment(raw: Any) -> dt.datetime | None:
    """An ISO 8601 time with its offset; anything else counts as unknown (the scan
    still counts, at the time it arrives)."""
    if not isinstance(raw, str) or len(raw) > _MAX_AT:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def read_scans(body: dict[str, Any]) -> list[Scan]:
    """`{"scans": [{"code": "…", "at": "…"}]}` → scans, else a 422 saying what is wrong."""
    scans = body.get("scans")
    if not isinstance(scans, list) or not scans:
        raise ValidationError(
            _("Isi permintaan harus memuat daftar pindaian (scans)."),
            fields={"scans": [_("Harus berupa daftar yang tidak kosong.")]},
        )
    if len(scans) > MAX_SCANS:
        raise ValidationError(
            _("Paling banyak %(n)d pindaian sekali kirim.", n=MAX_SCANS),
            fields={"scans": [_("Terlalu banyak.")]},
        )
    read = []
    for item in scans:
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or len(code) > 100:
            raise ValidationError(
                _("Setiap pindaian perlu kode tiket berupa teks."),
                fields={"scans": [_("Kode tiket tidak terbaca.")]},
            )
        read.append(Scan(code=code, at=_moment(item.get("at"))))
    return read
