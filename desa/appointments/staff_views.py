"""The clerk's screens: session calendar, create/edit/cancel, a session's bookings,
desk booking, the printable attendance and queue lists, bulk outcomes, and check-in
(also the page that keeps checking in without a link)."""

from __future__ import annotations

import calendar as month_grid
import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desa.appointments import attendance, booking, employees, offline, sessions
from desa.appointments.calendar import non_working_reason, zone_label
from desa.appointments.forms import SessionForm
from desa.appointments.models import (
    Booking,
    BookingStatus,
    SessionKind,
    SessionStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from desa.appointments.pdf import render_queue_list
from desa.appointments.queue_list import bring_sentence, queue_list_of
from desa.appointments.views_common import handle_busy, last_message_links, split_niks
from desa.auth.actor import Actor, current_actor
from desa.auth.models import Employer
from desa.auth.permissions import Permission
from desa.core.api import json_body
from desa.core.db import begin_write
from desa.core.errors import on_error
from desa.core.formatting import MONTHS_ID
from desa.core.security import require
from desa.core.templating import register_enums, register_nav
from desa.core.village import current_zone, require_village
from desa.extensions import db
from desa.residents.models import Resident
from desa.residents.sections import Section, register_section

bp = Blueprint("appointments", __name__, url_prefix="/appointments")
handle_busy(bp)

register_nav(30, Permission.BOOKINGS_READ, "appointments.index", _l("Jadwal e-KTP"))


@bp.record_once
def _register_enums(state: Any) -> None:
    register_enums(state.app, SessionKind, SessionStatus, BookingStatus, WaitlistStatus)


@bp.app_template_global("appointment_labels")
def _labels() -> dict:
    """Labels the appointment templates share."""
    return {
        "kinds": {k: _(v) for k, v in sessions.KIND_LABELS.items()},
        "status": {k: _(v) for k, v in attendance.STATUS_LABELS.items()},
    }


def _resident_bookings(actor: Actor, resident: Resident) -> Section | None:
    """The resident page's recording section: the resident's bookings, newest first."""
    if not actor.can(Permission.BOOKINGS_READ):
        return None
    bookings = db.session.scalars(
        booking.visible_bookings(actor)
        .where(Booking.resident_id == resident.id)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
    )
    return Section("appointments/_resident_bookings.html", {"bookings": list(bookings)})


register_section(20, "bookings", _resident_bookings)


def _month(raw: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{raw}-01") if raw else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@bp.route("")
@require(Permission.BOOKINGS_READ)
def index():
    """A month of sessions as a calendar, with places left."""
    today = current_actor().today
    first = _month(request.args.get("month"), today)
    weeks = month_grid.Calendar().monthdatescalendar(first.year, first.month)
    found = db.session.scalars(sessions.between(weeks[0][0], weeks[-1][-1])).all()
    by_day: dict[dt.date, list] = {}
    for s in found:
        by_day.setdefault(s.date, []).append(s)
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    return render_template(
        "appointments/index.html",
        weeks=weeks,
        by_day=by_day,
        first=first,
        month_name=f"{MONTHS_ID[first.month - 1]} {first.year}",
        today=today,
        prev_month=prev_month,
        next_month=next_month,
        listed=[s for s in found if s.date.month == first.month],
    )


def _employer_choices(form: SessionForm) -> None:
    names = db.session.execute(
        select(Employer.id, Employer.name).order_by(Employer.name)
    )
    form.employer.choices = [("", _("— tidak —"))] + [(str(i), n) for i, n in names]


def _form_page(form: SessionForm, session=None, status: int = 200):
    warning = None
    if form.date.data:
        warning = non_working_reason(form.date.data)
    return render_template(
        "appointments/session_form.html",
        form=form,
        session=session,
        day_warning=warning,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.SESSIONS_MANAGE)
def new():
    """Adds a session (working days unless the clerk ticks the box)."""
    form = SessionForm()
    _employer_choices(form)
    if form.validate_on_submit():
        on_error(lambda status: _form_page(form, status=status), form=form)
        made = sessions.create_session(current_actor(), form.data_for_service())
        flash(_("Sesi %(d)s sudah dibuat.", d=sessions.describe(made)), "success")
        return redirect(url_for(".detail", session_id=made.id))
    return _form_page(form, status=422 if form.is_submitted() else 200)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@require(Permission.SESSIONS_MANAGE)
def edit(session_id: int):
    """Changes a session; capacity never below what is booked."""
    found = sessions.get_session(session_id)
    form = SessionForm(obj=None if request.method == "POST" else _form_obj(found))
    _employer_choices(form)
    if form.validate_on_submit():
        on_error(lambda status: _form_page(form, found, status), form=form)
        sessions.update_session(current_actor(), found, form.data_for_service())
        flash(_("Sesi sudah diubah."), "success")
        return redirect(url_for(".detail", session_id=found.id))
    return _form_page(form, found, 422 if form.is_submitted() else 200)


def _form_obj(found):
    class Obj:
        pass

    obj = Obj()
    values = sessions.form_values(found)
    obj.date, obj.start, obj.end = found.date, found.start_time, found.end_time
    for name in ("kind", "place", "address", "capacity", "minutes_per_person", "notes"):
        setattr(obj, name, values[name])
    obj.rt = values["rt"] or ""
    obj.employer = str(found.employer_id or "")
    obj.allow_non_working_day = found.non_working_day_ok
    return obj


@bp.route("/<int:session_id>/cancel", methods=["POST"])
@require(Permission.SESSIONS_MANAGE)
def cancel(session_id: int):
    """Cancels the session and its bookings; their messages wait on the session page."""
    found = sessions.get_session(session_id)
    on_error(back=url_for(".detail", session_id=session_id))
    reason = request.form.get("reason", "")[:200]
    made = sessions.cancel_session(current_actor(), found, reason)
    flash(
        _(
            "Sesi dibatalkan; %(n)d pemesanan ikut dibatalkan. Kirim pesannya kepada "
            "warga lewat tautan WhatsApp di bawah.",
            n=len(made),
        ),
        "success",
    )
    return redirect(url_for(".detail", session_id=session_id))


@bp.route("/<int:session_id>")
@require(Permission.BOOKINGS_READ)
def detail(session_id: int):
    """One session: its bookings, messages to send, waitlist, desk booking, outcomes."""
    actor = current_actor()
    found = sessions.get_session(session_id)
    rows = list(
        db.session.scalars(
            booking.visible_bookings(actor)
            .where(Booking.session_id == found.id)
            .order_by(Booking.queue_number)
        )
    )
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.session_id == found.id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
        )
        .order_by(WaitlistEntry.position)
    ).all()
    return render_template(
        "appointments/session.html",
        session=found,
        bookings=rows,
        waiting=waiting,
        links=last_message_links(rows),
        today=actor.today,
        may_outcome=actor.can(Permission.BOOKINGS_OUTCOME)
        and actor.today >= found.date,
    )


@bp.route("/<int:session_id>/book", methods=["POST"])
@require(Permission.BOOKINGS_MANAGE)
def desk_book(session_id: int):
    """Books the NIKs typed at the desk, all or none."""
    found = sessions.get_session(session_id)
    on_error(back=url_for(".detail", session_id=session_id))
    made = booking.book(current_actor(), found, split_niks(request.form.get("niks")))
    flash(
        _(
            "%(n)d orang dipesan: nomor antrean %(q)s.",
            n=len(made),
            q=", ".join(str(b.queue_number) for b in made),
        ),
        "success",
    )
    return redirect(url_for(".detail", session_id=session_id))


@bp.route("/<int:session_id>/waitlist", methods=["POST"])
@require(Permission.BOOKINGS_MANAGE)
def waitlist(session_id: int):
    """Puts one person on a full session's waitlist."""
    found = sessions.get_session(session_id)
    on_error(back=url_for(".detail", session_id=session_id))
    entry = booking.join_waitlist(current_actor(), found, request.form.get("nik", ""))
    flash(_("Masuk daftar tunggu, urutan %(p)d.", p=entry.position), "success")
    return redirect(url_for(".detail", session_id=session_id))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@require(Permission.BOOKINGS_MANAGE)
def cancel_booking(booking_id: int):
    """Cancels one booking from the session page."""
    actor = current_actor()
    found = booking.get_visible(actor, booking_id)
    session_id = found.session_id
    on_error(back=url_for(".detail", session_id=session_id))
    made = booking.cancel(actor, found)
    promoted = sum(1 for m in made if m.kind == "promoted")
    flash(
        _("Pemesanan dibatalkan.")
        + (
            " " + _("%(n)d orang dari daftar tunggu mendapat tempat.", n=promoted)
            if promoted
            else ""
        ),
        "success",
    )
    return redirect(url_for(".detail", session_id=session_id))


@bp.route("/<int:session_id>/outcomes", methods=["POST"])
@require(Permission.BOOKINGS_OUTCOME)
def outcomes(session_id: int):
    """Marks outcomes in bulk: recorded or no-show, from the session's day on."""
    found = sessions.get_session(session_id)
    chosen = {}
    for key, value in request.form.items():
        if key.startswith("outcome-") and key[8:].isdigit():
            chosen[int(key[8:])] = value
    on_error(back=url_for(".detail", session_id=session_id))
    changed = attendance.set_outcomes(current_actor(), found, chosen)
    flash(_("%(n)d hasil dicatat.", n=changed), "success")
    return redirect(url_for(".detail", session_id=session_id))


@bp.route("/employees", methods=["GET", "POST"])
@require(Permission.BOOKINGS_MANAGE)
def employee_proposals():
    """Employers' proposed employees waiting for the desk (or the resident) to confirm."""
    actor = current_actor()
    if request.method == "POST":
        on_error(back=url_for(".employee_proposals"))
        raw = request.form.get("employee_id", "")
        employee_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        if request.form.get("answer") == "decline":
            employees.decline(actor, employee_id)
            flash(_("Usulan ditolak; orang itu dihapus dari daftar."), "success")
        else:
            done = employees.confirm(actor, employee_id)
            flash(
                _(
                    "%(n)s dikonfirmasi sebagai karyawan %(e)s.",
                    n=done.name,
                    e=done.employer.name,
                ),
                "success",
            )
        return redirect(url_for(".employee_proposals")), 303
    return render_template(
        "appointments/employee_proposals.html",
        proposals=employees.proposed(actor),
    )


@bp.route("/<int:session_id>/attendance")
@require(Permission.BOOKINGS_READ)
def attendance_list(session_id: int):
    """The printable attendance list (active and finished bookings, queue order);
    who is on it is personal, so the read is audited."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    found = sessions.get_session(session_id)
    rows = list(
        db.session.scalars(
            booking.visible_bookings(actor)
            .where(
                Booking.session_id == found.id,
                Booking.status != BookingStatus.CANCELLED,
            )
            .order_by(Booking.queue_number)
        )
    )
    booking.record_list_read(actor, found, len(rows))
    return render_template(
        "appointments/attendance.html",
        session=found,
        bookings=rows,
        bring=bring_sentence(),
    )


@bp.route("/<int:session_id>/queue.pdf")
@require(Permission.BOOKINGS_READ)
def queue_pdf(session_id: int):
    """The queue list to print for the recording point (A4; masked NIK); audited."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    found = sessions.get_session(session_id)
    listed = queue_list_of(actor, require_village(), found, zone_label(current_zone()))
    booking.record_list_read(actor, found, len(listed.rows))
    resp = make_response(render_queue_list(listed))
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = (
        f'inline; filename="antrean-sesi-{found.id}.pdf"'
    )
    return resp


@bp.route("/check-in", methods=["GET", "POST"])
@require(Permission.BOOKINGS_OUTCOME)
def check_in():
    """Type the ticket code (or scan its QR with the camera) to mark someone present."""

    def page(status: int = 200, found: Booking | None = None):
        return render_template("appointments/check_in.html", found=found), status

    if request.method != "POST":
        return page()
    on_error(page)
    found = attendance.check_in(current_actor(), request.form.get("code"))
    flash(
        _(
            "%(n)s hadir: nomor antrean %(q)d.",
            n=found.resident.name,
            q=found.queue_number,
        ),
        "success",
    )
    return page(found=found)


@bp.route("/<int:session_id>/check-in-offline")
@require(Permission.BOOKINGS_OUTCOME)
def check_in_offline(session_id: int):
    """Check-in that keeps working without a link: the page carries the session's
    bookings (by code hash, masked names) and sends its scans when it can."""
    actor = current_actor()
    found = sessions.get_session(session_id)
    data = {
        "session": found.id,
        "send": url_for(".check_ins", session_id=found.id),
        "worker": url_for(".check_in_worker"),
        "scope": url_for(".index") + "/",
        "bookings": offline.roster(actor, found),
    }
    return render_template(
        "appointments/check_in_offline.html",
        session=found,
        data=data,
        today=actor.today,
        bring=bring_sentence(),
    )


@bp.route("/<int:session_id>/check-ins", methods=["POST"])
@require(Permission.BOOKINGS_OUTCOME)
def check_ins(session_id: int):
    """Checks in a batch of scans (JSON); a repeat answers `already`."""
    found = sessions.get_session(session_id)
    scans = offline.read_scans(json_body())
    results = attendance.check_in_scans(current_actor(), found, scans)
    return jsonify({"results": [offline.result_json(r) for r in results]})


@bp.route("/check-in-sw.js")
@require(Permission.BOOKINGS_OUTCOME)
def check_in_worker():
    """The offline check-in's service worker, served here so that its scope
    (/appointments/) covers the page; the file itself lives in static/js."""
    resp = current_app.send_static_file("js/check-in-sw.js")
    resp.headers["Service-Worker-Allowed"] = url_for(".index") + "/"
    resp.headers["Cache-Control"] = "no-cache"
    return resp
