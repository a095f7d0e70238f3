"""RT heads and employers: book a chosen group, keep an employee list, PIN slips.

Every list goes through the actor's scope (an RT head: their RT; an employer: their
matched employees); ids from a form are looked up within that scope again.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from desa.appointments import booking, employees, sessions, summary
from desa.appointments.forms import EmployeeForm, PastedEmployeesForm
from desa.appointments.models import Booking, BookingStatus
from desa.appointments.pdf import PinSlip, render_pin_slips
from desa.appointments.views_common import handle_busy, last_message_links
from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission, Role
from desa.core.addresses import base_url
from desa.core.errors import on_error
from desa.core.formatting import mask_nik
from desa.core.numbers import whole_number
from desa.core.security import require
from desa.core.templating import register_nav
from desa.core.village import get_village
from desa.extensions import db
from desa.residents.models import Resident
from desa.residents.rules import pending_clause
from desa.residents.services import issue_pin

bp = Blueprint("appointments_group", __name__, url_prefix="/group")
handle_busy(bp)

register_nav(
    30, Permission.BOOKINGS_GROUP, "appointments_group.index", _l("Jadwal rekam")
)
register_nav(
    31, Permission.EMPLOYEES_MANAGE, "appointments_group.employees", _l("Karyawan")
)
register_nav(32, Permission.PINS_SLIPS, "appointments_group.pin_slips", _l("Slip PIN"))


@bp.route("")
@require(Permission.BOOKINGS_GROUP)
def index():
    """Pending people with checkboxes, a session to book them into, and who is booked."""
    actor = current_actor()
    people = db.session.scalars(summary.pending_unbooked(actor)).all()
    missed = set(
        db.session.scalars(
            select(Booking.resident_id).where(
                Booking.status == BookingStatus.NO_SHOW,
                Booking.resident_id.in_([r.id for r in people]),
            )
        )
    )
    booked = db.session.scalars(
        booking.visible_bookings(actor)
        .where(Booking.status == BookingStatus.ACTIVE)
        .order_by(Booking.id)
    ).all()
    return render_template(
        "appointments/group.html",
        people=people,
        missed=missed,
        booked=booked,
        options=db.session.scalars(sessions.bookable_for(actor)).all(),
        links=last_message_links(booked) if actor.role == Role.RT else {},
        counts=summary.counts(actor),
        is_employer=actor.role == Role.EMPLOYER,
        select_all=request.args.get("semua") == "1",
    )


@bp.route("/book", methods=["POST"])
@require(Permission.BOOKINGS_GROUP)
def book():
    """Books the ticked people into the chosen session, all or none."""
    picked = (whole_number(v, 1) for v in request.form.getlist("people"))
    chosen = [ident for ident in picked if ident is not None][:500]
    raw_session = request.form.get("session_id", "")
    if not chosen or not raw_session.isdigit():
        flash(_("Pilih sesi dan paling sedikit satu orang."), "error")
        return redirect(url_for(".index")), 303
    actor = current_actor()
    niks = db.session.scalars(
        summary.people_scope(select(Resident.nik), actor).where(Resident.id.in_(chosen))
    ).all()
    on_error(back=url_for(".index"))
    target = sessions.chosen_session(raw_session)
    made = booking.book(actor, target, list(niks) or ["-"])
    flash(
        _(
            "%(n)d orang dipesan ke sesi %(d)s. Sisa tempat: %(r)d.",
            n=len(made),
            d=sessions.describe(target),
            r=target.remaining,
        ),
        "success",
    )
    return redirect(url_for(".index")), 303


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@require(Permission.BOOKINGS_GROUP)
def cancel(booking_id: int):
    """Cancels a booking this RT head or employer made."""
    actor = current_actor()
    on_error(back=url_for(".index"))
    found = booking.get_visible(actor, booking_id)
    booking.cancel(actor, found)
    flash(_("Pemesanan dibatalkan; tempatnya kembali kosong."), "success")
    return redirect(url_for(".index")), 303


# --- employers ------------------------------------------------------------------------


@bp.route("/employees", methods=["GET", "POST"], endpoint="employees")
@require(Permission.EMPLOYEES_MANAGE)
def employees_page():
    """The employer's list: add by NIK and name; mismatches are explained."""
    actor = current_actor()
    form = EmployeeForm()

    def page(status: int = 200):
        return _employees_page(actor, form, PastedEmployeesForm(), status)

    if form.validate_on_submit():
        on_error(page, form=form)
        added = employees.add_employee(
            actor, form.nik.data, form.name.data, form.email.data
        )
        if added.resident_id:
            flash(
                _(
                    "%(n)s ditambahkan dan cocok dengan data penduduk. Jadwal dapat "
                    "dipesankan sesudah warga itu atau kantor desa mengonfirmasi.",
                    n=added.name,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "%(n)s ditambahkan, tetapi belum cocok: %(why)s",
                    n=added.name,
                    why=employees.MISMATCH_LABELS[added.mismatch],
                ),
                "warning",
            )
        return redirect(url_for(".employees")), 303
    return page(422 if form.is_submitted() else 200)


def _employees_page(actor, form, pasted_form, status: int = 200, pasted=()):
    people = employees.of_employer(actor)
    states = _states(actor, [e.resident_id for e in people if e.is_confirmed])
    return render_template(
        "appointments/employees.html",
        form=form,
        pasted_form=pasted_form,
        pasted=list(pasted),
        people=people,
        states=states,
        mismatch=employees.MISMATCH_LABELS,
    ), status


@bp.route("/employees/pasted", methods=["POST"])
@require(Permission.EMPLOYEES_MANAGE)
def employees_pasted():
    """Adds a pasted list; every line gets its own result, wrong lines say why."""
    actor = current_actor()
    pasted_form = PastedEmployeesForm()

    def page(status: int = 200, results=()):
        return _employees_page(
            actor, EmployeeForm(formdata=None), pasted_form, status, results
        )

    if not pasted_form.validate_on_submit():
        return page(422)
    on_error(page, form=pasted_form)
    results = employees.add_employees(actor, pasted_form.pasted.data)
    pasted_form.pasted.data = ""  # done: the table below says what became of each line
    added = sum(1 for r in results if r.added)
    flash(
        _("%(n)d dari %(t)d baris ditambahkan.", n=added, t=len(results)),
        "success" if added == len(results) else "warning",
    )
    return page(200, results)


def _states(actor, resident_ids: list[int]) -> dict[int, Booking]:
    """Each resident's latest booking the actor may see (any status)."""
    if not resident_ids:
        return {}
    rows = db.session.scalars(
        booking.visible_bookings(actor)
        .where(Booking.resident_id.in_(resident_ids))
        .order_by(Booking.id)
    )
    return {b.resident_id: b for b in rows}


@bp.route("/employees/<int:employee_id>/delete", methods=["POST"])
@require(Permission.EMPLOYEES_MANAGE)
def remove_employee(employee_id: int):
    """Takes one person off the list."""
    employees.remove_employee(current_actor(), employee_id)
    flash(_("Karyawan dihapus dari daftar."), "success")
    return redirect(url_for(".employees")), 303


@bp.route("/employees/recheck", methods=["POST"])
@require(Permission.EMPLOYEES_MANAGE)
def recheck():
    """Matches the unmatched people again against the register."""
    fixed = employees.recheck(current_actor())
    flash(_("%(n)d karyawan kini cocok dengan data penduduk.", n=fixed), "success")
    return redirect(url_for(".employees")), 303


# --- PIN slips for an RT --------------------------------------------------------------


def _slip_people(actor) -> list[Resident]:
    """Pending residents of the RT who have no PIN yet.

    A slip never replaces a PIN: a working PIN in an RT head's hands would let them
    sign in as that resident. Whoever lost a PIN gets a new one at the desk.
    """
    stmt = summary.people_scope(select(Resident), actor).where(
        pending_clause(actor.today), Resident.pin_hash.is_(None)
    )
    return list(db.session.scalars(stmt.order_by(Resident.name_key, Resident.id)))


def _with_pin(actor) -> int:
    stmt = summary.people_scope(select(func.count(Resident.id)), actor).where(
        pending_clause(actor.today), Resident.pin_hash.is_not(None)
    )
    return db.session.scalar(stmt) or 0


@bp.route("/pin-slips", methods=["GET", "POST"])
@require(Permission.PINS_SLIPS)
def pin_slips():
    """Sealed PIN slips for the RT's pending residents without a PIN (PDF)."""
    actor = current_actor()
    if request.method == "GET":
        return render_template(
            "appointments/pin_slips.html",
            without=len(_slip_people(actor)),
            with_pin=_with_pin(actor),
        )
    people = _slip_people(actor)
    if not people:
        flash(_("Tidak ada warga yang perlu dibuatkan PIN."), "info")
        return redirect(url_for(".pin_slips")), 303
    slips = [
        PinSlip(
            name=r.name,
            nik_masked=mask_nik(r.nik),
            area=r.area_label.split(",")[0],
            pin=issue_pin(actor, r),
        )
        for r in people
    ]
    rt_head = actor.principal
    audit.record(
        actor,
        "appointments.pin_slips",
        object_type="area",
        object_id=f"{rt_head.rw}/{rt_head.rt}",
        detail=f"{len(slips)} slip PIN dicetak",
    )
    village = get_village()
    login_url = base_url() + url_for("resident.login")
    body = render_pin_slips(village.title if village else "", login_url, slips)
    resp = make_response(body)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="slip-pin-rt{rt_head.rt}-rw{rt_head.rw}.pdf"'
    )
    return resp
