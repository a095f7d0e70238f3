"""Bad input to the API is a 400/422 in the CONTRACT §4 envelope, never a 500."""

from __future__ import annotations

import pytest

NIK = "6101124503090001"

NOT_OBJECTS = ["[1, 2]", '"teks"', "null", "5", "true", "{bukan json"]


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _error(resp) -> dict:
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("raw", NOT_OBJECTS)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sessions",
        "/api/v1/sessions/1/cancel",
        "/api/v1/sessions/1/bookings",
        "/api/v1/bookings/1/move",
        f"/api/v1/residents/{NIK}/events",
        "/api/v1/residents",
        "/api/v1/letters",
        "/api/v1/recording/results",
    ],
)
def test_a_body_that_is_not_an_object_is_a_400(client, make_token, url, raw):
    resp = client.post(
        url,
        data=raw,
        content_type="application/json",
        headers=_bearer(make_token("clerk")),
    )
    assert resp.status_code == 400
    assert _error(resp)["code"] == "malformed_json"


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("POST", "/api/v1/sessions", {"capacity": "x"}, "capacity"),
        ("POST", "/api/v1/sessions", {"capacity": 2**64}, "capacity"),
        ("POST", "/api/v1/sessions", {"kind": {}}, "kind"),
        ("PATCH", "/api/v1/sessions/1", {"place": ["a"]}, "place"),
        ("POST", "/api/v1/sessions/1/cancel", {"reason": 5}, "reason"),
        ("POST", "/api/v1/sessions/1/bookings", {"niks": "abc"}, "niks"),
        ("POST", "/api/v1/sessions/1/bookings", {"niks": [5]}, "niks[0]"),
        ("POST", "/api/v1/bookings/1/move", {"session_id": "x"}, "session_id"),
        ("POST", "/api/v1/bookings/1/move", {"session_id": 10**30}, "session_id"),
        ("POST", "/api/v1/bookings/1/outcome", {"outcome": 1}, "outcome"),
        ("POST", f"/api/v1/residents/{NIK}/events", {"type": {}}, "type"),
        ("POST", "/api/v1/residents", {"confirm_warnings": "yes"}, "confirm_warnings"),
        ("POST", "/api/v1/residents", {"name": 5}, "name"),
        ("PATCH", f"/api/v1/residents/{NIK}", {"rt": []}, "rt"),
        ("POST", "/api/v1/letters", {"fields": []}, "fields"),
        ("POST", "/api/v1/letters", {"nik": 6101124503090001}, "nik"),
        ("POST", "/api/v1/recording/results", {"results": "semua"}, "results"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_422_naming_it(
    client, make_token, method, url, body, field
):
    resp = client.open(
        url, method=method, json=body, headers=_bearer(make_token("clerk"))
    )
    assert resp.status_code == 422
    error = _error(resp)
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_a_move_to_a_session_id_no_column_holds_is_not_found(client, make_token):
    resp = client.post(
        "/api/v1/bookings/1/move",
        json={"session_id": 2**40},
        headers=_bearer(make_token("clerk")),
    )
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "query",
    [f"page={2**64}", f"per_page={10**30}", "page=1_0", "page=%205", "per_page=null"],
)
def test_page_numbers_past_64_bits_or_not_digits_are_a_422(client, make_token, query):
    resp = client.get(
        f"/api/v1/residents?{query}", headers=_bearer(make_token("clerk"))
    )
    assert resp.status_code == 422
    assert set(_error(resp)["fields"]) & {"page", "per_page"}


@pytest.mark.parametrize("huge", [str(2**64), "9" * 40, "9" * 5000])
def test_ids_no_column_holds_are_not_found_for_every_method(client, make_token, huge):
    auth = _bearer(make_token("clerk"))
    for method in ("GET", "PATCH"):
        resp = client.open(
            f"/api/v1/sessions/{huge}", method=method, json={}, headers=auth
        )
        assert resp.status_code == 404, method


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/sessions"),
        ("PATCH", "/api/v1/sessions/1"),
        ("POST", "/api/v1/letters"),
        ("PATCH", f"/api/v1/residents/{NIK}"),
        ("DELETE", "/api/v1/bookings/1"),
    ],
)
def test_unauthenticated_api_writes_are_401_not_a_csrf_failure(client, method, url):
    resp = client.open(url, method=method, json={})
    assert resp.status_code == 401
    assert _error(resp)["code"] == "unauthorized"
