"""The ticket of a booking, as a light page and as a PDF (object-level checks)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from desa.appointments import booking as booking_service
from desa.appointments.attendance import STATUS_LABELS
from desa.appointments.calendar import format_time, zone_label
from desa.appointments.messages import WHAT_TO_BRING
from desa.appointments.models import Booking, SessionKind
from desa.appointments.pdf import Ticket, render_ticket
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.formatting import format_day_date, mask_nik
from desa.core.security import require
from desa.core.village import current_zone, get_village
from desa.documents.qr import qr_svg

bp = Blueprint("appointments_tickets", __name__, url_prefix="/tickets")


def ticket_of(booking: Booking) -> Ticket:
    """What a ticket shows."""
    village = get_village()
    s = booking.session
    return Ticket(
        village=village.title if village else "Kantor Desa",
        name=booking.resident.name,
        nik_masked=mask_nik(booking.resident.nik),
        day=format_day_date(s.date),
        time=f"{format_time(booking.estimated_time)} {zone_label(current_zone())}",
        place=s.place,
        address=s.address or "" if s.kind == SessionKind.MOBILE else "",
        queue_number=booking.queue_number,
        code=booking.code,
        bring=_(WHAT_TO_BRING),
    )


@bp.route("/<int:booking_id>")
@require(Permission.TICKETS_READ)
def ticket(booking_id: int):
    """The ticket page: works without JavaScript, a few kilobytes with its QR."""
    found = booking_service.get_visible(current_actor(), booking_id)
    qr = Markup(qr_svg(found.code, title=_("Kode tiket %(c)s", c=found.code)))  # noqa: S704 - our own SVG  # nosec B704
    return render_template(
        "appointments/ticket.html",
        booking=found,
        ticket=ticket_of(found),
        qr=qr,
        status_labels=STATUS_LABELS,
    )


@bp.route("/<int:booking_id>.pdf")
@require(Permission.TICKETS_READ)
def ticket_pdf(booking_id: int):
    """The ticket as a PDF to print or keep on the phone."""
    found = booking_service.get_visible(current_actor(), booking_id)
    resp = make_response(render_ticket(ticket_of(found)))
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'inline; filename="tiket-{found.code}.pdf"'
    return resp
