"""Sessions the hub planned, as they arrive in its return bundle.

Each becomes an ordinary session here, named by its `hub_uid`, that RT heads,
employers and residents book as any other. The hub owns it: the village desk
does not change or cancel it (the hub's officer does, and the change arrives in
the next return bundle). A change applies once, by `revision`, never an older
one over a newer; capacity never drops below the places already taken.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, select

from desa.appointments import sessions as session_service
from desa.appointments.models import RecordingSession, SessionKind, SessionStatus
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.models import Employer
from desa.extensions import db
from desa.sync.bundle import bad_return_line

# The hub's kinds, as the village's.
_KINDS = {
    "office": SessionKind.OFFICE,
    "village": SessionKind.RT,
    "employer": SessionKind.EMPLOYER,
    "home": SessionKind.MOBILE,
}


def _parse(change: dict[str, Any], no: int) -> dict[str, Any]:
    try:
        uid = change["uid"]
        values = {
            "date": dt.date.fromisoformat(change["date"]),
            "start_time": dt.time.fromisoformat(change["start"]),
            "end_time": dt.time.fromisoformat(change["end"]),
            "place": str(change["place"])[:150],
            "capacity": int(change["capacity"]),
            "minutes_per_person": int(change["minutes"]),
            "stations": int(change.get("stations") or 1),
        }
        revision = change["revision"]
        kind = _KINDS[change["kind"]]
    except (KeyError, TypeError, ValueError):
        raise bad_return_line(no) from None
    rw, rt, employer = change.get("rw"), change.get("rt"), change.get("employer")
    ok = (
        isinstance(uid, str)
        and 0 < len(uid) <= 24
        and uid.isascii()
        and uid.isalnum()
        and type(revision) is int
        and 0 < revision < 2**31
        and all(v is None or (isinstance(v, str) and 0 < len(v) <= 3) for v in (rw, rt))
        and (employer is None or (type(employer) is int and 0 < employer < 2**31))
        and values["end_time"] > values["start_time"]
        and 0 < values["capacity"] <= 5000
        and 0 < values["minutes_per_person"] <= 240
        and 0 < values["stations"] <= 50
        and change.get("status") in ("planned", "cancelled")
        and (rw is None) == (rt is None)
    )
    if not ok:
        raise bad_return_line(no)
    if kind == SessionKind.RT and rt is None:
        kind = SessionKind.OFFICE  # a day at the hall open to the whole village
    found = db.session.get(Employer, employer) if employer is not None else None
    if kind == SessionKind.EMPLOYER and found is None:
        kind = SessionKind.OFFICE  # staff of small employers, at the hall
    values.update(
        kind=kind,
        rw=rw if kind == SessionKind.RT else None,
        rt=rt if kind == SessionKind.RT else None,
        employer_id=found.id
        if found is not None and kind == SessionKind.EMPLOYER
        else None,
        hub_revision=revision,
        non_working_day_ok=True,
    )
    campaign = str(change.get("campaign") or "")[:200]
    values["notes"] = _("Dijadwalkan oleh hub: %(c)s.", c=campaign) if campaign else ""
    return {"uid": uid, "cancelled": change["status"] == "cancelled", "values": values}


def apply(actor: Actor, change: dict[str, Any], no: int, hub_name: str) -> bool:
    """One planned session from the hub; True when something changed."""
    parsed = _parse(change, no)
    values = parsed["values"]
    session = db.session.scalar(
        select(RecordingSession).where(RecordingSession.hub_uid == parsed["uid"])
    )
    if session is not None and (session.hub_revision or 0) >= values["hub_revision"]:
        return False
    if session is None:
        if parsed["cancelled"]:
            return False  # cancelled before this village ever had it
        session = RecordingSession(
            hub_uid=parsed["uid"],
            created_by=f"Hub {hub_name}"[:120],
            booked=0,
            last_queue=0,
            last_waitlist=0,
            **values,
        )
        db.session.add(session)
        db.session.flush()
        action = "appointments.session_create"
    else:
        wanted = values.pop("capacity")
        for name, value in values.items():
            setattr(session, name, value)
        # Never below the places held, as the database has them at the update.
        session.capacity = case(
            (RecordingSession.booked > wanted, RecordingSession.booked), else_=wanted
        )
        db.session.flush()
        action = "appointments.session_update"
    audit.record(
        actor,
        action,
        object_type="recording_session",
        object_id=session.id,
        detail=_("dari hub: %(d)s", d=session_service.describe(session)),
    )
    if parsed["cancelled"] and session.status == SessionStatus.OPEN:
        session_service.cancel_session(
            actor, session, _("dibatalkan oleh hub"), by_hub=True
        )
    return True
