"""Reading a session's bookings through the API leaves one audit line."""

from __future__ import annotations

from sqlalchemy import select

from desa.auth.models import AuditEvent
from desa.extensions import db as _db


def test_session_bookings_read_is_audited_once(
    app, client, make_session, make_resident, bearer
):
    s = make_session(capacity=4)
    a, b = make_resident(), make_resident()
    clerk = bearer("clerk")
    booked = client.post(
        f"/api/v1/sessions/{s.id}/bookings",
        json={"niks": [a.nik, b.nik]},
        headers=clerk,
    )
    assert booked.status_code == 201
    resp = client.get(f"/api/v1/sessions/{s.id}/bookings", headers=clerk)
    assert resp.status_code == 200 and resp.get_json()["total"] == 2
    with app.app_context():
        (line,) = _db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "appointments.bookings_read")
        ).all()
    assert line.actor_kind == "token"
    assert (line.object_type, line.object_id) == ("recording_session", str(s.id))
    assert line.detail == f"2 pemesanan sesi {s.id}"
    assert a.nik not in line.detail
