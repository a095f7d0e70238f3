"""The papers a recording booking brings: F-1.21 and the RT's pengantar, as PDFs.

One booking's from its ticket (whoever may open the ticket: the same object-level
check), or a whole session's active bookings within the viewer's scope, in queue
order (the clerk's session page, an RT head's or employer's group page). Every
download is audited: the papers carry the full NIK.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, url_for
from flask_babel import gettext as _

from desa.appointments import booking as booking_service
from desa.appointments import sessions
from desa.appointments.models import Booking, BookingStatus
from desa.auth import audit
from desa.auth.actor import Actor, current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.security import require
from desa.core.village import require_village
from desa.extensions import db
from desa.papers.f121 import render_f121
from desa.papers.pengantar_rt import render_pengantar

bp = Blueprint("appointments_papers", __name__)

KINDS = {
    "f121": ("appointments.f121", "f121"),
    "pengantar": ("appointments.pengantar_rt", "pengantar-rt"),
}


def _render(kind: str, actor: Actor, bookings: list[Booking]) -> bytes:
    village = require_village()
    if kind == "f121":
        return render_f121(bookings, village)
    return render_pengantar(bookings, actor.today, village)


def _pdf(body: bytes, filename: str):
    resp = make_response(body)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


def ticket_paper(booking_id: int, kind: str):
    """One booking's F-1.21 or RT pengantar (who may open the ticket may print them)."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    found = booking_service.get_visible(actor, booking_id)
    action, name = KINDS[kind]
    audit.record(
        actor,
        action,
        object_type="booking",
        object_id=found.id,
        detail=f"{name} tiket {found.code}",
    )
    return _pdf(_render(kind, actor, [found]), f"{name}-{found.code}.pdf")


def _back(actor: Actor, session_id: int) -> str:
    if actor.can(Permission.BOOKINGS_READ):
        return url_for("appointments.detail", session_id=session_id)
    return url_for("appointments_group.index")


def session_papers(session_id: int, kind: str):
    """The papers of every active booking of a session the viewer may see, queue order."""
    actor = current_actor()
    begin_write(only_read_audit=True)
    found = sessions.get_session(session_id)
    rows = list(
        db.session.scalars(
            booking_service.visible_bookings(actor)
            .where(
                Booking.session_id == found.id, Booking.status == BookingStatus.ACTIVE
            )
            .order_by(Booking.queue_number)
        )
    )
    if not rows:
        flash(
            _("Belum ada peserta aktif pada sesi ini; tidak ada yang dicetak."), "info"
        )
        return redirect(_back(actor, found.id)), 303
    action, name = KINDS[kind]
    audit.record(
        actor,
        action,
        object_type="recording_session",
        object_id=found.id,
        detail=f"{name} {len(rows)} peserta sesi {found.id}",
    )
    return _pdf(_render(kind, actor, rows), f"{name}-sesi-{found.id}.pdf")


@bp.route("/tickets/<int:booking_id>/f121.pdf")
@require(Permission.TICKETS_READ)
def ticket_f121(booking_id: int):
    return ticket_paper(booking_id, "f121")


@bp.route("/tickets/<int:booking_id>/pengantar.pdf")
@require(Permission.TICKETS_READ)
def ticket_pengantar(booking_id: int):
    return ticket_paper(booking_id, "pengantar")


@bp.route("/appointments/<int:session_id>/f121.pdf")
@require(Permission.BOOKINGS_READ)
def session_f121(session_id: int):
    return session_papers(session_id, "f121")


@bp.route("/appointments/<int:session_id>/pengantar.pdf")
@require(Permission.BOOKINGS_READ)
def session_pengantar(session_id: int):
    return session_papers(session_id, "pengantar")


@bp.route("/group/sessions/<int:session_id>/f121.pdf")
@require(Permission.BOOKINGS_GROUP)
def group_f121(session_id: int):
    return session_papers(session_id, "f121")


@bp.route("/group/sessions/<int:session_id>/pengantar.pdf")
@require(Permission.BOOKINGS_GROUP)
def group_pengantar(session_id: int):
    return session_papers(session_id, "pengantar")
