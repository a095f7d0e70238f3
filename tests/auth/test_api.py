"""API tokens, the audit log and its admin page."""

import pytest
from conftest import csrf_from
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desa.auth import audit
from desa.auth.models import ApiToken, AuditEvent


def test_bearer_token_authenticates_and_only_its_hash_is_stored(client, make_token, db):
    secret = make_token("district", "Disdukcapil Sambas")
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["role"] == "district" and "recording:pending" in body["permissions"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and len(stored[0]) == 64


@pytest.mark.parametrize(
    "header", ["Bearer desa_wrong", "Bearer ", "Bearer " + "x" * 500, "Basic abc"]
)
def test_bad_tokens_are_401(client, header):
    resp = client.get("/api/v1/me", headers={"Authorization": header})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_revoked_token_stops_working(client, make_token, db):
    from desa.auth.services import revoke_token

    secret = make_token("clerk")
    token_id = db.session.scalar(select(ApiToken.id))
    revoke_token(token_id)
    db.session.commit()
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 401
    )


def test_bearer_request_ignores_the_session_cookie(client, login):
    login("admin")
    assert client.get("/api/v1/me").status_code == 200
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer desa_nope"})
    assert resp.status_code == 401


def test_admin_makes_and_revokes_a_token_in_the_ui(client, login, db):
    login("admin")
    page = client.get("/admin/tokens").get_data(as_text=True)
    resp = client.post(
        "/admin/tokens",
        data={
            "name": "Kecamatan Tekarang",
            "role": "district",
            "csrf_token": csrf_from(page),
        },
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "desa_" in body
    token = db.session.scalar(select(ApiToken))
    resp = client.post(
        f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(body)}
    )
    assert resp.status_code == 302
    db.session.rollback()  # end the test's read snapshot
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_audit_details_never_hold_a_full_nik(db):
    audit.record(
        "residents.update",
        object_type="resident",
        object_id=7,
        detail="NIK 6101124503090001 → 6101124503090002",
    )
    db.session.commit()
    detail = db.session.scalar(select(AuditEvent.detail))
    assert "6101124503090001" not in detail and "6101********0001" in detail


def test_audit_log_is_append_only(db):
    audit.record("test.event")
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "test.event"


def test_audit_page_filters_and_csv(client, login, db):
    admin = login("admin")
    audit.record("residents.update", detail="=cmd|' /C calc'!A0", actor_name="operator")
    db.session.commit()
    page = client.get("/admin/audit?action=auth.sign_in").get_data(as_text=True)
    assert "auth.sign_in" in page and "residents.update" not in page
    resp = client.get("/admin/audit.csv?action=residents")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    csv_text = resp.get_data().decode("utf-8-sig")
    assert "'=cmd" in csv_text  # formula injection escaped
    assert "auth.sign_in" not in csv_text
    # Downloading the log is itself audited.
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "audit.export", AuditEvent.actor_id == admin.id
        )
    )


def test_audit_page_rejects_bad_dates_without_500(client, login):
    login("head")
    assert client.get("/admin/audit?date_from=kemarin").status_code == 422


def test_audit_api_paginates_and_validates(client, make_token, db):
    for i in range(7):
        audit.record(f"test.event{i}")
    db.session.commit()
    auth = {"Authorization": f"Bearer {make_token('admin')}"}
    body = client.get(
        "/api/v1/audit-events?action=test.&per_page=3&page=2", headers=auth
    )
    body = body.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 3, 7)
    assert [e["action"] for e in body["items"]] == [
        "test.event3",
        "test.event2",
        "test.event1",
    ]
    for query in ("per_page=501", "per_page=0", "page=0", "page=dua"):
        resp = client.get(f"/api/v1/audit-events?{query}", headers=auth)
        assert resp.status_code == 422, query
        assert resp.get_json()["error"]["fields"]
    district = {"Authorization": f"Bearer {make_token('district')}"}
    assert client.get("/api/v1/audit-events", headers=district).status_code == 403
