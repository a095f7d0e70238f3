"""The signed-in resident books, cancels or moves their own recording slot.

Light pages that work without JavaScript on a cheap phone: plain forms, one POST each.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from desa.appointments import booking, sessions
from desa.appointments.calendar import today
from desa.appointments.models import (
    Booking,
    BookingStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from desa.appointments.views_common import flash_error, handle_busy
from desa.auth.permissions import Permission
from desa.core.errors import ServiceError, ValidationError
from desa.core.security import require
from desa.core.templating import register_nav
from desa.extensions import db
from desa.residents.rules import is_pending_recording, is_wajib_ktp

bp = Blueprint("appointments_self", __name__, url_prefix="/me/appointments")
handle_busy(bp)

register_nav(
    30, Permission.SELF_BOOK, "appointments_self.index", _l("Jadwal perekaman")
)


def _me():
    return current_user._get_current_object()


def _mine() -> Booking | None:
    return db.session.scalar(
        select(Booking).where(
            Booking.resident_id == current_user.id,
            Booking.status == BookingStatus.ACTIVE,
        )
    )


def _session_from_form():
    raw = request.form.get("session_id", "")
    if not raw.isdigit():
        raise ValidationError(
            _("Pilih sesi."), fields={"session_id": [_("Pilih sesi.")]}
        )
    return sessions.get_session(int(raw))


@bp.route("")
@require(Permission.SELF_BOOK)
def index():
    """My booking (with its ticket), or the sessions I may book."""
    me, day = _me(), today()
    options = db.session.scalars(sessions.bookable_for(me, day).limit(40)).all()
    waiting = db.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.resident_id == me.id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
        )
    ).all()
    past = db.session.scalars(
        select(Booking)
        .where(Booking.resident_id == me.id, Booking.status != BookingStatus.ACTIVE)
        .order_by(Booking.id.desc())
        .limit(5)
    ).all()
    return render_template(
        "appointments/self.html",
        me=me,
        mine=_mine(),
        options=options,
        waiting=waiting,
        past=past,
        pending=is_pending_recording(me, day),
        wajib_on={s.id: is_wajib_ktp(me, s.date) for s in options},
    )


def _done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target), 303


def _failed(err: ServiceError):
    flash_error(err)
    return redirect(url_for(".index")), 303


@bp.route("/book", methods=["POST"])
@require(Permission.SELF_BOOK)
def book():
    """Books me into the chosen session."""
    email = (request.form.get("email") or "").strip()[:200] or None
    try:
        (made,) = booking.book(
            _session_from_form(), [current_user.nik], _me(), notify_email=email
        )
    except ServiceError as err:
        return _failed(err)
    return _done(
        _("Jadwal Anda sudah dipesan. Nomor antrean %(q)d.", q=made.queue_number),
        url_for("appointments_tickets.ticket", booking_id=made.id),
    )


@bp.route("/cancel", methods=["POST"])
@require(Permission.SELF_BOOK)
def cancel():
    """Cancels my booking; the place goes back to others."""
    mine = _mine()
    if mine is None:
        flash(_("Anda tidak punya jadwal aktif."), "info")
        return redirect(url_for(".index")), 303
    try:
        booking.cancel(mine, _me())
    except ServiceError as err:
        return _failed(err)
    return _done(_("Jadwal Anda dibatalkan."), url_for(".index"))


@bp.route("/move", methods=["POST"])
@require(Permission.SELF_BOOK)
def move():
    """Moves my booking to another session in one step (the old one is kept on failure)."""
    mine = _mine()
    if mine is None:
        flash(_("Anda tidak punya jadwal aktif."), "info")
        return redirect(url_for(".index")), 303
    try:
        moved = booking.move(mine, _session_from_form(), _me())
    except ServiceError as err:
        return _failed(err)
    return _done(
        _("Jadwal Anda dipindahkan. Nomor antrean baru %(q)d.", q=moved.queue_number),
        url_for("appointments_tickets.ticket", booking_id=moved.id),
    )


@bp.route("/waitlist", methods=["POST"])
@require(Permission.SELF_BOOK)
def waitlist():
    """Puts me on a full session's waitlist; I am told when a place frees."""
    try:
        entry = booking.join_waitlist(_session_from_form(), current_user.nik, _me())
    except ServiceError as err:
        return _failed(err)
    return _done(
        _("Anda masuk daftar tunggu, urutan %(p)d.", p=entry.position),
        url_for(".index"),
    )
