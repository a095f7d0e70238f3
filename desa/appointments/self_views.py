"""The signed-in resident books, cancels or moves their own recording slot.

Light pages that work without JavaScript on a cheap phone: plain forms, one POST each.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desa.appointments import booking, employees, sessions
from desa.appointments.models import (
    Booking,
    BookingStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from desa.appointments.views_common import handle_busy
from desa.auth.actor import Actor, current_actor
from desa.auth.permissions import Permission
from desa.core.errors import on_error
from desa.core.security import require
from desa.core.templating import register_nav
from desa.extensions import db
from desa.residents.rules import is_pending_recording, is_wajib_ktp

bp = Blueprint("appointments_self", __name__, url_prefix="/me/appointments")
handle_busy(bp)

register_nav(
    30, Permission.SELF_BOOK, "appointments_self.index", _l("Jadwal perekaman")
)


def _mine(actor: Actor) -> Booking | None:
    return db.session.scalar(
        booking.visible_bookings(actor).where(
            Booking.resident_id == actor.id, Booking.status == BookingStatus.ACTIVE
        )
    )


def _session_from_form():
    return sessions.chosen_session(request.form.get("session_id"))


@bp.route("")
@require(Permission.SELF_BOOK)
def index():
    """My booking (with its ticket), or the sessions I may book."""
    actor = current_actor()
    me, day = actor.principal, actor.today
    options = db.session.scalars(sessions.bookable_for(actor).limit(40)).all()
    waiting = db.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.resident_id == me.id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
        )
    ).all()
    past = db.session.scalars(
        booking.visible_bookings(actor)
        .where(Booking.resident_id == me.id, Booking.status != "active")
        .order_by(Booking.id.desc())
        .limit(5)
    ).all()
    return render_template(
        "appointments/self.html",
        me=me,
        mine=_mine(actor),
        options=options,
        waiting=waiting,
        past=past,
        pending=is_pending_recording(me, day),
        wajib_on={s.id: is_wajib_ktp(me, s.date) for s in options},
        proposals=employees.proposed(actor),
    )


@bp.route("/employers", methods=["POST"])
@require(Permission.SELF_BOOK)
def answer_employer():
    """I confirm (or refuse) that I work for the employer that listed me."""
    actor = current_actor()
    on_error(back=url_for(".index"))
    raw = request.form.get("employee_id", "")
    employee_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    if request.form.get("answer") == "decline":
        employees.decline(actor, employee_id)
        flash(
            _("Anda menolak; pemberi kerja itu tidak dapat memesankan jadwal Anda."),
            "success",
        )
    else:
        done = employees.confirm(actor, employee_id)
        flash(
            _(
                "Terima kasih. %(e)s kini dapat memesankan jadwal perekaman Anda.",
                e=done.employer.name,
            ),
            "success",
        )
    return redirect(url_for(".index")), 303


def _done(message: str, target: str):
    flash(message, "success")
    return redirect(target), 303


@bp.route("/book", methods=["POST"])
@require(Permission.SELF_BOOK)
def book():
    """Books me into the chosen session."""
    actor = current_actor()
    email = (request.form.get("email") or "").strip()[:200] or None
    on_error(back=url_for(".index"))
    (made,) = booking.book(
        actor, _session_from_form(), [actor.principal.nik], notify_email=email
    )
    return _done(
        _("Jadwal Anda sudah dipesan. Nomor antrean %(q)d.", q=made.queue_number),
        url_for("appointments_tickets.ticket", booking_id=made.id),
    )


@bp.route("/cancel", methods=["POST"])
@require(Permission.SELF_BOOK)
def cancel():
    """Cancels my booking; the place goes back to others."""
    actor = current_actor()
    mine = _mine(actor)
    if mine is None:
        flash(_("Anda tidak punya jadwal aktif."), "info")
        return redirect(url_for(".index")), 303
    on_error(back=url_for(".index"))
    booking.cancel(actor, mine)
    return _done(_("Jadwal Anda dibatalkan."), url_for(".index"))


@bp.route("/move", methods=["POST"])
@require(Permission.SELF_BOOK)
def move():
    """Moves my booking to another session in one step (the old one is kept on failure)."""
    actor = current_actor()
    mine = _mine(actor)
    if mine is None:
        flash(_("Anda tidak punya jadwal aktif."), "info")
        return redirect(url_for(".index")), 303
    on_error(back=url_for(".index"))
    moved = booking.move(actor, mine, _session_from_form())
    return _done(
        _("Jadwal Anda dipindahkan. Nomor antrean baru %(q)d.", q=moved.queue_number),
        url_for("appointments_tickets.ticket", booking_id=moved.id),
    )


@bp.route("/waitlist", methods=["POST"])
@require(Permission.SELF_BOOK)
def waitlist():
    """Puts me on a full session's waitlist; I am told when a place frees."""
    actor = current_actor()
    on_error(back=url_for(".index"))
    entry = booking.join_waitlist(actor, _session_from_form(), actor.principal.nik)
    return _done(
        _("Anda masuk daftar tunggu, urutan %(p)d.", p=entry.position),
        url_for(".index"),
    )
