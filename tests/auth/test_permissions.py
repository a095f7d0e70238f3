"""Every route, for every role: allowed, or 401/403 (never a silent leak)."""

import pytest
from conftest import csrf_token
from werkzeug.routing import IntegerConverter

from desa.auth.permissions import role_can

# Routes anyone may open; every other route must declare a permission via @require.
PUBLIC = {
    "static",
    "home.index",
    "home.healthz",
    "home.openapi",
    "home.api_root",
    "home.set_language",
    "auth.login",
    "auth.logout",  # needs a session, checked below
    "resident.login",
    "auth_api.me",  # answers about the caller, 401 when anonymous
    "letters_public.verify_page",  # anyone holding a letter (throttled)
    "letters_public.verify_upload",
    "trust.keys_json",  # the public keys that verify letters (CONTRACT §8)
    "letters_api.verify",
    # Staff with letters:read, or the resident the letter is for: checked in the
    # view (401 anonymous, 403 other roles, 404 someone else's letter).
    "letters_api.get_letter",
    "letters_api.letter_pdf",
    "appointments_public.calendar",  # the public session calendar, no personal data
    "appointments_public.feed",  # its iCalendar feed
}
ROLES = [
    "anonymous",
    "admin",
    "clerk",
    "head",
    "rt",
    "employer",
    "resident",
    "district",
]
SAMPLE_ARGS = {"int": 1, "default": "id"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule):
    values = {}
    for arg in rule.arguments:
        is_int = isinstance(rule._converters[arg], IntegerConverter)
        values[arg] = SAMPLE_ARGS["int"] if is_int else SAMPLE_ARGS["default"]
    return rule.build(values, append_unknown=False)[1]


def test_every_route_is_public_or_guarded(app):
    unguarded = {
        rule.endpoint
        for rule, _m in _routes(app)
        if not hasattr(app.view_functions[rule.endpoint], "required_permission")
    }
    assert unguarded <= PUBLIC, f"routes without a permission: {unguarded - PUBLIC}"


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, app, client, login, make_token, make_user):
    make_user("clerk")  # so that /admin/users/1 exists for whoever may see it
    headers = {}
    if role == "district":
        headers["Authorization"] = f"Bearer {make_token('district')}"
    elif role != "anonymous":
        login(role)
    token = csrf_token(client)
    routes = sorted(_routes(app), key=lambda rm: rm[0].endpoint == "auth.logout")
    for rule, method in routes:
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        url = _url(rule)
        resp = client.open(
            url,
            method=method,
            headers={**headers, "X-CSRFToken": token},
            data={"csrf_token": token} if method != "GET" else None,
        )
        where = f"{role}: {method} {url} -> {resp.status_code}"
        assert resp.status_code < 500, where
        if permission is None:
            continue
        to_login = resp.status_code == 302 and "/login" in resp.headers.get(
            "Location", ""
        )
        if role != "anonymous" and role_can(role, permission):
            assert resp.status_code not in (401, 403) and not to_login, where
        else:
            assert resp.status_code in (401, 403) or to_login, where
            if resp.status_code == 403:
                assert "Tidak berhak" in resp.get_data(as_text=True) or resp.is_json
