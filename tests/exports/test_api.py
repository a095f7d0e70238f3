"""The district API: roles, pagination, figures, results, throttle, audit."""

from __future__ import annotations

import pytest
from conftest import csrf_token
from sqlalchemy import func, select

from desa.auth.models import AuditEvent
from desa.exports import pending
from desa.extensions import db as _db

from .conftest import PENDING


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def _audits(app, action):
    with app.app_context():
        return _db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )


def test_district_token_pages_through_the_pending_list(
    app, client, make_token, village
):
    auth = _bearer(make_token("district"))
    first = client.get("/api/v1/recording/pending?per_page=2", headers=auth).get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, len(PENDING))
    assert list(first["items"][0]) == list(pending.COLUMNS)
    assert [i["NO"] for i in first["items"]] == [1, 2]
    third = client.get("/api/v1/recording/pending?per_page=2&page=3", headers=auth)
    items = third.get_json()["items"]
    assert [(i["NO"], i["NAMA_LGKP"]) for i in items] == [(5, "FAJAR WARGA")]
    assert items[0]["NIK"] == village["fajar"].nik  # the district gets full NIKs
    assert items[0]["TGL_LHR"] == "09-09-1999" and items[0]["UMUR"] == 27
    beyond = client.get("/api/v1/recording/pending?page=9", headers=auth).get_json()
    assert beyond["items"] == [] and beyond["total"] == len(PENDING)
    far = client.get(f"/api/v1/recording/pending?page={2**63 - 1}", headers=auth)
    assert far.status_code == 200 and far.get_json()["items"] == []
    # Past 64 bits a page number is refused (CONTRACT §4), never a 500.
    huge = client.get(f"/api/v1/recording/pending?page={10**30}", headers=auth)
    assert huge.status_code == 422 and "page" in huge.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "query",
    [
        "per_page=0",
        "per_page=501",
        "page=x",
        "page=0",
        "page=1_0",
        "page=%205",
        "page=",
    ],
)
def test_bad_paging_is_a_422(client, make_token, query):
    resp = client.get(
        f"/api/v1/recording/pending?{query}", headers=_bearer(make_token("district"))
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "invalid"


def test_stats_shape_and_as_of(client, make_token, village):
    auth = _bearer(make_token("district"))
    data = client.get(
        "/api/v1/recording/stats?as_of=2026-11-23", headers=auth
    ).get_json()
    assert set(data) == {"as_of", "rows", "total"}
    assert data["total"]["wajib"] == 10 and data["total"]["recorded_pct"] == 50.0
    default = client.get("/api/v1/recording/stats", headers=auth).get_json()
    assert default["as_of"] == "2026-11-23"
    for bad in ("23-11-2026", "0001-01-01", "9999-12-31", "2026-02-30"):
        resp = client.get(f"/api/v1/recording/stats?as_of={bad}", headers=auth)
        assert resp.status_code == 422 and "as_of" in resp.get_json()["error"]["fields"]
    resp = client.get("/api/v1/recording/stats?by=kabupaten", headers=auth)
    assert resp.status_code == 422


def test_rt_head_sees_only_own_rt_figures_and_no_pending_list(client, login, village):
    login("rt", rw="001", rt="003")
    data = client.get("/api/v1/recording/stats").get_json()
    assert [(r["rw"], r["rt"]) for r in data["rows"]] == [("001", "003")]
    assert data["total"]["wajib"] == 3
    assert client.get("/api/v1/recording/pending").status_code == 403


@pytest.mark.parametrize("role", ["employer", "resident"])
def test_other_roles_are_refused(client, login, role):
    login(role)
    for path in ("/api/v1/recording/pending", "/api/v1/recording/stats"):
        assert client.get(path).status_code == 403


def test_anonymous_and_revoked_tokens_get_401(app, client, make_token):
    assert client.get("/api/v1/recording/stats").status_code == 401
    assert (
        client.get(
            "/api/v1/recording/pending", headers=_bearer("desa_bukan-token")
        ).status_code
        == 401
    )


def test_head_reads_but_may_not_send_results(client, login, village):
    login("head")
    assert client.get("/api/v1/recording/pending").status_code == 200
    resp = client.post(
        "/api/v1/recording/results",
        json={"results": []},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert resp.status_code == 403


def test_district_sends_results_twice(app, client, make_token, village):
    auth = _bearer(make_token("district"))
    body = {
        "results": [
            {"nik": village["ani"].nik, "status": 3},
            {"nik": village["budi"].nik, "status": "SUDAH REKAM"},
            {"nik": "6101125505990001", "status": 3},
        ]
    }
    resp = client.post("/api/v1/recording/results", json=body, headers=auth)
    assert resp.status_code == 200
    data = resp.get_json()
    assert (data["matched"], data["unchanged"], data["unmatched"]) == (2, 0, 1)
    assert data["unmatched_items"] == [{"index": 2, "nik": "6101********0001"}]
    assert data["summary"] == "matched 2, unchanged 0, unmatched 1"
    again = client.post("/api/v1/recording/results", json=body, headers=auth).get_json()
    assert again["summary"] == "matched 0, unchanged 2, unmatched 1"
    listed = client.get("/api/v1/recording/pending", headers=auth).get_json()
    assert listed["total"] == len(PENDING) - 2


def test_clerk_sends_results_with_the_session_and_csrf(client, login, village):
    login("clerk")
    body = {"results": [{"nik": village["eko"].nik, "status": 8}]}
    assert client.post("/api/v1/recording/results", json=body).status_code == 400
    resp = client.post(
        "/api/v1/recording/results",
        json=body,
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert resp.get_json()["matched"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"results": "semua"}, "results"),
        ({"results": []}, "results"),
        ({"hasil": []}, "results"),
        ({"results": [5]}, "results[0]"),
        ({"results": [{"nik": "123", "status": 3}]}, "results[0]"),
        ({"results": [{"nik": "6101125705900001", "status": 12}]}, "results[0]"),
        ({"results": [{"nik": "6101125705900001", "status": True}]}, "results[0]"),
        ({"results": [{"nik": 6101125705900001, "status": 3}]}, "results[0]"),
    ],
)
def test_bad_results_are_422_and_change_nothing(client, make_token, body, field):
    resp = client.post(
        "/api/v1/recording/results", json=body, headers=_bearer(make_token("district"))
    )
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert field in error["fields"]
    assert error["message"]


def test_malformed_json_is_a_400(client, make_token):
    resp = client.post(
        "/api/v1/recording/results",
        data="{nik",
        headers={**_bearer(make_token("district")), "Content-Type": "application/json"},
    )
    assert resp.status_code == 400


def test_throttled_per_token_in_indonesian_and_audited(
    app, client, make_token, village
):
    app.config["RECORDING_API_PER_MINUTE"] = 3
    first, second = _bearer(make_token("district")), _bearer(make_token("district"))
    for _ in range(3):
        assert client.get("/api/v1/recording/stats", headers=first).status_code == 200
    resp = client.get("/api/v1/recording/stats", headers=first)
    assert resp.status_code == 429
    error = resp.get_json()["error"]
    assert error["code"] == "too_many_requests" and "Terlalu banyak" in error["message"]
    # Another token has its own budget.
    assert client.get("/api/v1/recording/stats", headers=second).status_code == 200
    assert _audits(app, "recording.api.stats") == 4
    assert _audits(app, "recording.api.stats.throttled") == 1


def test_every_access_is_audited_even_a_refused_one(app, client, make_token, village):
    auth = _bearer(make_token("district"))
    client.get("/api/v1/recording/pending", headers=auth)
    client.get("/api/v1/recording/pending?per_page=9999", headers=auth)
    assert _audits(app, "recording.api.pending") == 2
    with app.app_context():
        details = _db.session.scalars(select(AuditEvent.detail)).all()
    assert not any(village["ani"].nik in d for d in details)


def test_openapi_describes_the_recording_endpoints(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    assert {"/recording/pending", "/recording/stats", "/recording/results"} <= set(
        doc["paths"]
    )


def test_the_pending_list_walks_by_next(
    app, client, make_token, village, make_resident
):
    # A resident without RW/RT sorts where the database puts NULL; the cursor too.
    make_resident(name="TANPA RT", rw=None, rt=None, ektp_status=2)
    auth = _bearer(make_token("district"))
    body = client.get("/api/v1/recording/pending?per_page=2", headers=auth).get_json()
    seen = [(i["NO"], i["NAMA_LGKP"]) for i in body["items"]]
    while body["next"]:
        body = client.get(
            f"/api/v1/recording/pending?per_page=2&after={body['next']}", headers=auth
        ).get_json()
        assert list(body) == ["items", "page", "per_page", "total", "next"]
        seen += [(i["NO"], i["NAMA_LGKP"]) for i in body["items"]]
    by_page = []
    for number in (1, 2, 3):
        page = client.get(
            f"/api/v1/recording/pending?per_page=2&page={number}", headers=auth
        ).get_json()
        by_page += [(i["NO"], i["NAMA_LGKP"]) for i in page["items"]]
    assert seen == by_page and [n for n, _ in seen] == list(range(1, 7))
    assert {name for _, name in seen} == {f"{k.upper()} WARGA" for k in PENDING} | {
        "TANPA RT"
    }
    bad = client.get("/api/v1/recording/pending?after=xyz", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_cursor"
