"""The audit log: details masked, rows append-only."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desa.auth import audit
from desa.auth.models import AuditEvent


def test_audit_details_never_hold_a_full_nik(db, make_actor):
    audit.record(
        make_actor(),
        "residents.update",
        object_type="resident",
        object_id=7,
        detail="NIK 6101124503090001 → 6101124503090002",
    )
    db.session.commit()
    detail = db.session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "residents.update")
    )
    assert "6101124503090001" not in detail and "6101********0001" in detail


def test_audit_log_is_append_only(db, make_actor):
    audit.record(make_actor(), "test.event")
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    assert "test.event" in db.session.scalars(select(AuditEvent.action)).all()
