"""Small helpers the appointment screens share."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from desa.appointments.calendar import format_time
from desa.appointments.messages import whatsapp_link
from desa.appointments.models import Booking, Message
from desa.core.errors import error_response
from desa.core.unit_of_work import fail
from desa.extensions import db

_SPLIT = re.compile(r"[\s,;]+")


def split_niks(raw: str | None) -> list[str]:
    """NIKs typed or pasted one per line, or separated by commas."""
    return [n for n in _SPLIT.split(raw or "") if n][:500]


def last_message_links(bookings: list[Booking]) -> dict[int, str]:
    """Booking id → a WhatsApp link carrying its latest message (when a phone is known)."""
    if not bookings:
        return {}
    rows = db.session.execute(
        select(Message.booking_id, Message.body)
        .where(Message.booking_id.in_([b.id for b in bookings]))
        .order_by(Message.id)
    ).all()
    latest = dict(rows)
    links = {}
    for b in bookings:
        link = whatsapp_link(b.resident.phone, latest.get(b.id, ""))
        if link and b.id in latest:
            links[b.id] = link
    return links


def time_text(value: Any) -> str:
    return format_time(value)


def handle_busy(bp: Blueprint) -> None:
    """A lock wait that ran out answers 409 with an Indonesian sentence, never 500."""

    @bp.errorhandler(OperationalError)
    def _busy(err: OperationalError):
        fail()
        return error_response(
            409, "busy", _("Server sedang sibuk melayani pemesanan lain. Coba lagi.")
        )
