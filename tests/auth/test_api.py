"""The auth API: bearer tokens on /api/v1/me, and the audit log's /audit-events."""

import pytest
from sqlalchemy import select

from desa.auth import audit
from desa.auth.models import ApiToken


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


def test_revoked_token_stops_working(client, make_token, make_actor, db):
    from desa.auth.services import revoke_token

    secret = make_token("clerk")
    token_id = db.session.scalar(select(ApiToken.id))
    revoke_token(make_actor(), token_id)
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


def test_audit_api_paginates_and_validates(client, make_token, make_actor, db):
    for i in range(7):
        audit.record(make_actor(), f"test.event{i}")
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


def test_audit_api_walks_by_next_newest_first(client, make_token, make_actor, db):
    for i in range(11):
        audit.record(make_actor(), f"test.walk{i:02d}")
    db.session.commit()
    auth = {"Authorization": f"Bearer {make_token('admin')}"}
    body = client.get("/api/v1/audit-events?action=test.&per_page=4", headers=auth)
    body = body.get_json()
    seen = [e["action"] for e in body["items"]]
    while body["next"]:
        body = client.get(
            f"/api/v1/audit-events?action=test.&per_page=4&after={body['next']}",
            headers=auth,
        ).get_json()
        assert body["total"] == 11
        seen += [e["action"] for e in body["items"]]
    assert seen == [f"test.walk{i:02d}" for i in reversed(range(11))]
    bad = client.get("/api/v1/audit-events?after=bukan-penanda", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_cursor"
