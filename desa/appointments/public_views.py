"""The public session calendar and iCalendar feeds: no personal data at all."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from flask import Blueprint, make_response, render_template, request
from sqlalchemy import or_

from desa.appointments import sessions
from desa.appointments.calendar import ics_feed
from desa.appointments.models import RecordingSession
from desa.auth.actor import current_actor
from desa.auth.services import pad3
from desa.core.addresses import base_url
from desa.core.village import current_zone, get_village
from desa.extensions import db

bp = Blueprint("appointments_public", __name__)

DAYS_AHEAD = 90
_RT = re.compile(r"(\d{1,3})/(\d{1,3})")


@bp.route("/jadwal")
def calendar():
    """Upcoming sessions with places left (no names, no home-visit addresses)."""
    start = current_actor().today
    found = db.session.scalars(
        sessions.between(start, start + dt.timedelta(days=DAYS_AHEAD))
    ).all()
    return render_template("appointments/public.html", sessions=found)


@bp.route("/jadwal.ics")
def feed():
    """An iCalendar feed: all sessions, or those one RT (`?rt=001/002`) or one employer
    (`?employer=<id>`) may attend."""
    start = current_actor().today - dt.timedelta(days=30)
    stmt = sessions.between(start, start + dt.timedelta(days=DAYS_AHEAD + 30))
    name = "Jadwal perekaman e-KTP"
    open_to_all = RecordingSession.rt.is_(None) & RecordingSession.employer_id.is_(None)
    match = _RT.fullmatch(request.args.get("rt", "").strip())
    employer = request.args.get("employer", "").strip()
    if match:
        rw, rt = pad3(match[1]), pad3(match[2])
        stmt = stmt.where(
            or_(open_to_all, (RecordingSession.rw == rw) & (RecordingSession.rt == rt))
        )
        name += f" RT {rt}/RW {rw}"
    elif employer.isdigit():
        stmt = stmt.where(
            or_(open_to_all, RecordingSession.employer_id == int(employer))
        )
    village = get_village()
    if village:
        name += f" - {village.title}"
    host = urlsplit(base_url()).netloc
    body = ics_feed(
        db.session.scalars(stmt),
        zone=current_zone(),
        name=name,
        host=host,
        now=current_actor().now,
    )
    resp = make_response(body)
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = 'inline; filename="jadwal-ektp.ics"'
    return resp
