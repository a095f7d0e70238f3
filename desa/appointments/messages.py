"""Messages to booked people: Indonesian texts, WhatsApp links, e-mail when configured.

Nothing leaves the machine unless SMTP is configured (`DESA_SMTP_HOST`): the texts are
kept with the booking, and the clerk or RT head sends them through a WhatsApp
click-to-chat link. E-mails go out only after the transaction that made them commits.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import quote

from flask import current_app, has_app_context
from flask_babel import gettext as _
from lokal import parse_phone
from sqlalchemy import event
from sqlalchemy.orm import Session

from desa.appointments.calendar import format_time, zone_label
from desa.appointments.models import Booking, Message
from desa.core.db import utcnow
from desa.core.formatting import format_day_date
from desa.extensions import db

log = logging.getLogger(__name__)

KINDS = ("booked", "cancelled", "promoted", "reminder")
SUBJECTS = {
    "booked": "Jadwal perekaman e-KTP",
    "cancelled": "Jadwal perekaman e-KTP dibatalkan",
    "promoted": "Anda mendapat jadwal perekaman e-KTP",
    "reminder": "Pengingat: perekaman e-KTP besok",
}
WHAT_TO_BRING = "Kartu Keluarga (KK) asli/fotokopi"


def _village_name() -> str:
    from desa.core.village import get_village

    village = get_village()
    return village.title if village else "Kantor Desa"


def compose(kind: str, booking: Booking) -> str:
    """The Indonesian text of one message about `booking`."""
    from desa.core.village import current_zone

    s = booking.session
    facts = {
        "name": booking.resident.name,
        "day": format_day_date(s.date),
        "time": format_time(booking.estimated_time),
        "zone": zone_label(current_zone()),
        "place": s.place,
        "queue": booking.queue_number,
        "code": booking.code,
        "bring": _(WHAT_TO_BRING),
        "village": _village_name(),
    }
    if kind == "booked":
        text = _(
            "Yth. %(name)s, jadwal perekaman e-KTP Anda: %(day)s, perkiraan pukul "
            "%(time)s %(zone)s, di %(place)s. Nomor antrean %(queue)s, kode tiket "
            "%(code)s. Bawa %(bring)s.",
            **facts,
        )
    elif kind == "promoted":
        text = _(
            "Yth. %(name)s, ada tempat kosong dan Anda mendapat jadwal perekaman "
            "e-KTP dari daftar tunggu: %(day)s, perkiraan pukul %(time)s %(zone)s, "
            "di %(place)s. Nomor antrean %(queue)s, kode tiket %(code)s. "
            "Bawa %(bring)s.",
            **facts,
        )
    elif kind == "cancelled":
        text = _(
            "Yth. %(name)s, jadwal perekaman e-KTP Anda pada %(day)s di %(place)s "
            "(nomor antrean %(queue)s) dibatalkan. Silakan pesan jadwal lain.",
            **facts,
        )
    else:
        text = _(
            "Pengingat: besok, %(day)s, jadwal perekaman e-KTP Anda, perkiraan pukul "
            "%(time)s %(zone)s, di %(place)s. Nomor antrean %(queue)s, kode tiket "
            "%(code)s. Bawa %(bring)s.",
            **facts,
        )
    return f"{text} — {facts['village']}"


def whatsapp_link(phone: str | None, text: str) -> str | None:
    """`https://wa.me/62…?text=…` for a mobile number, or None when there is none."""
    if not phone:
        return None
    info = parse_phone(phone)
    if not info.valid or not info.whatsapp:
        return None
    return f"https://wa.me/{info.whatsapp}?text={quote(text, safe='')}"


def add(kind: str, booking: Booking, *, email: bool = True) -> Message:
    """Keeps a message for `booking`; queues its e-mail for after the commit
    (unless `email` is false)."""
    message = Message(booking_id=booking.id, kind=kind, body=compose(kind, booking))
    db.session.add(message)
    if email:
        queue_email(message, booking)
    return message


def can_email(booking: Booking) -> bool:
    """Whether an e-mail about this booking would go out (an address and SMTP)."""
    return bool(booking.notify_email) and mailer() is not None


def queue_email(message: Message, booking: Booking) -> bool:
    """Queues `message` for the booking's address after the commit, when possible."""
    if not can_email(booking):
        return False
    message.emailed_at = utcnow()
    outbox = db.session.info.setdefault("desa_outbox", [])
    outbox.append((booking.notify_email, _(SUBJECTS[message.kind]), message.body))
    return True


# --- e-mail --------------------------------------------------------------------------


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class SmtpMailer:
    """Plain SMTP with STARTTLS when the server offers it."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.host = config["SMTP_HOST"]
        self.port = int(config.get("SMTP_PORT") or 587)
        self.user = config.get("SMTP_USER")
        self.password = config.get("SMTP_PASSWORD")
        self.sender = config.get("SMTP_FROM") or "desa@localhost"

    def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)


def mailer() -> Mailer | None:
    """The configured mailer (tests put a fake in app.extensions), or None."""
    if not has_app_context():
        return None
    fake = current_app.extensions.get("desa_mailer")
    if fake is not None:
        return fake
    if current_app.config.get("SMTP_HOST"):
        return SmtpMailer(current_app.config)
    return None


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop("desa_outbox", None)
    if not outbox:
        return
    sender = mailer()
    if sender is None:
        return
    for to, subject, body in outbox:
        try:
            sender.send(to, subject, body)
        except (OSError, smtplib.SMTPException) as err:
            log.warning("e-mail to a booked resident failed: %s", err)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop("desa_outbox", None)
