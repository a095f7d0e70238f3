"""Security baseline: headers, CSRF, errors, limits, the API description."""

import json

import pytest
from conftest import csrf_token
from openapi_spec_validator import validate


def test_security_headers_on_every_page(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in resp.headers


def test_pages_have_no_inline_script_and_no_outside_assets(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html
    assert "http://" not in html.replace("http://desa.test", "")
    assert "https://" not in html


def test_session_cookie_flags(client, make_user):
    user = make_user("clerk")
    token = csrf_token(client)
    resp = client.post(
        "/login",
        data={
            "username": user.username,
            "password": "kata-sandi-uji-2026",
            "csrf_token": token,
        },
    )
    cookie = next(
        c for c in resp.headers.getlist("Set-Cookie") if c.startswith("desa_session")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_https_mode_sets_secure_cookies_and_hsts(database_url, tmp_path):
    from config import TestConfig
    from desa import create_app

    app = create_app(
        TestConfig(
            {
                "DESA_INSTANCE_PATH": str(tmp_path / "i"),
                "DESA_DATABASE_URL": database_url,
                "DESA_HTTPS": "1",
                "DESA_SECRET_KEY": "x" * 32,
            }
        )
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    resp = app.test_client().get("/login")
    assert "max-age=" in resp.headers["Strict-Transport-Security"]


def test_post_without_csrf_token_is_refused_in_indonesian(client, make_user):
    user = make_user("clerk")
    resp = client.post("/login", data={"username": user.username, "password": "x" * 12})
    assert resp.status_code == 400
    assert "Formulir kedaluwarsa" in resp.get_data(as_text=True)


def test_api_post_with_session_needs_the_csrf_header(client, login):
    login("admin")
    resp = client.post("/logout", headers={"Accept": "application/json"})
    assert resp.status_code == 400
    resp = client.post("/api/v1/me")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "csrf_failed"
    resp = client.post("/api/v1/me", headers={"X-CSRFToken": csrf_token(client)})
    assert resp.status_code == 405  # past CSRF: the route simply has no POST


def test_api_errors_have_the_contract_shape(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "not_found"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").get_json()["error"]["code"] == "unauthorized"


def test_html_errors_are_indonesian_pages(client):
    resp = client.get("/tidak-ada")
    assert resp.status_code == 404
    assert "Tidak ditemukan" in resp.get_data(as_text=True)


def test_request_size_is_limited(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    resp = client.post("/login", data={"username": "x" * 4096})
    assert resp.status_code == 413
    assert "terlalu besar" in resp.get_data(as_text=True)


def test_unexpected_errors_are_a_500_page_without_details(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals 6101124503090001")

    resp = client.get("/boom-for-test")
    assert resp.status_code == 500
    text = resp.get_data(as_text=True)
    assert "secret internals" not in text and "Terjadi kesalahan" in text


def test_openapi_is_valid_and_covers_every_api_route(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    assert doc["openapi"].startswith("3.1")
    documented = {
        (path, method) for path, ops in doc["paths"].items() for method in ops
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "home.openapi":
            continue
        path = rule.rule.removeprefix("/api/v1")
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "{" + arg + "}")
            for conv in ("int", "string", "path"):
                path = path.replace(f"<{conv}:{arg}>", "{" + arg + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} undocumented"
    json.dumps(doc)


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example", "/\\evil", "javascript:x"]
)
def test_next_must_stay_on_this_site(target):
    from desa.core.security import is_safe_next

    assert not is_safe_next(target)
    assert is_safe_next("/admin/users?page=2")
