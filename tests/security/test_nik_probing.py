"""NIK probing: on every public or self-service surface, a NIK the village does not
know and a NIK it knows (with a wrong PIN, a wrong name, outside one's scope) get
the same answer — same status, same redirect, same page, same message.

Also the CSRF refusal of cookie-authenticated POSTs, and the sign-in throttle per
address across accounts.
"""

from __future__ import annotations

import re

from conftest import PASSWORD, csrf_from, csrf_token, post_login_as
from sqlalchemy import select

from desa.extensions import db as _db

from .conftest import api, post

UNKNOWN_NIK = "6101121705909998"  # valid shape, nobody in the village
_TOKENS = re.compile(r"[A-Za-z0-9._~+/=-]{32,}")


def _norm(body: str) -> str:
    """A page without its per-request tokens (CSRF), to compare two answers."""
    return _TOKENS.sub("<token>", body)


def _answer(resp, client=None) -> tuple:
    """Status, redirect target, and the page (the followed one after a redirect)."""
    body = resp.get_data(as_text=True)
    if resp.status_code in (302, 303) and client is not None:
        body = client.get(resp.location).get_data(as_text=True)
    return resp.status_code, resp.location, _norm(body)


def test_resident_sign_in_answers_alike(world, app):
    from desa.residents.models import Resident

    with app.app_context():  # a known resident who never got a PIN
        no_pin = _db.session.get(Resident, world.people["worker_b"].id)
        no_pin.pin_hash = None
        _db.session.commit()
    answers = []
    for n, (nik, pin) in enumerate(
        [
            (UNKNOWN_NIK, "123456"),
            (world.people["resident_a"].nik, "000000"),  # known, wrong PIN
            (world.people["worker_b"].nik, "123456"),  # known, no PIN at all
        ]
    ):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.8.0.{n}"
        token = csrf_from(client.get("/resident/login").get_data(as_text=True))
        resp = client.post(
            "/resident/login", data={"nik": nik, "pin": pin, "csrf_token": token}
        )
        status, location, body = _answer(resp)
        answers.append((status, location, body.replace(nik, "<nik>")))  # the echo
    assert answers[0][0] == 401
    assert "NIK atau PIN salah." in answers[0][2]
    assert answers[1:] == [answers[0]] * 2


def _forged_tokens(app, public_id: str) -> list[str]:
    """A token for no letter, a tampered token of a real letter, a foreign signature."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desa.letters import token as tokens
    from desa.letters.models import Letter

    with app.app_context():
        real = _db.session.scalar(
            select(Letter.token).where(Letter.public_id == public_id)
        )
        _db.session.remove()
    from dataclasses import replace

    sealed = tokens.read(real)
    claims = sealed.claims
    unknown = tokens.sign(
        replace(claims, letter_id="x" * 16), Ed25519PrivateKey.generate()
    )
    foreign = tokens.sign(claims, Ed25519PrivateKey.generate())
    masked = UNKNOWN_NIK[:4] + "*" * 8 + UNKNOWN_NIK[-4:]
    tampered = tokens.encode(replace(claims, nik=masked)) + sealed.signature
    return [unknown, foreign, str(int.from_bytes(tampered, "big"))]


def test_letter_verification_answers_alike(world, app, client):
    forged = _forged_tokens(app, world.people["resident_a"].letter)
    pages = [_answer(client.get(f"/v/{t}")) for t in forged]
    assert pages[0][0] == 200 and "tidak" in pages[0][2].lower()
    assert pages[1:] == [pages[0]] * 2
    answers = [client.get(f"/api/v1/verify/{t}") for t in forged]
    assert {r.status_code for r in answers} == {answers[0].status_code}
    assert all(r.get_json() == answers[0].get_json() for r in answers)
    assert answers[0].get_json()["valid"] is False
    for secret in world.secrets_of("resident_a"):
        assert all(secret not in r.get_data(as_text=True) for r in answers)


def test_booking_by_nik_answers_alike_outside_ones_scope(world):
    """Through the API with a cookie: an RT head, an employer and a resident."""
    other = {"rt_a": "resident_b", "employer_a": "worker_b", "resident_a": "resident_b"}
    url = f"/api/v1/sessions/{world.session_id}/bookings"
    for who, victim in other.items():
        c = world.client(who)
        answers = []
        for nik in (UNKNOWN_NIK, world.people[victim].nik):
            resp = api(c, "POST", url, {"niks": [nik]})
            body = resp.get_json()
            for item in body.get("refused", []):
                assert item.pop("nik") == nik
            body["error"]["fields"] = list(body["error"]["fields"].values())
            answers.append((resp.status_code, body))
        assert answers[0][0] == 422, (who, answers[0])
        assert answers[0] == answers[1], who


def test_group_booking_form_answers_alike_for_ids_outside_the_scope(world):
    for who, victim in (("rt_a", "resident_b"), ("employer_a", "worker_b")):
        c = world.client(who)
        answers = []
        for resident_id in ("999999", str(world.people[victim].id)):
            resp = post(
                c,
                "/group/book",
                {"session_id": str(world.session_id), "people": [resident_id]},
            )
            answers.append(_answer(resp, c))
        assert answers[0][0] == 303, who
        assert answers[0] == answers[1], who


def test_employer_employee_list_answers_alike_for_unknown_nik_and_wrong_name(world):
    emp = world.client("employer_a")
    known = world.people["resident_b"]  # a villager, not on this employer's list
    answers = []
    for nik in (UNKNOWN_NIK, known.nik):
        resp = post(emp, "/group/employees", {"nik": nik, "name": "ORANG LAIN"})
        assert resp.status_code == 303
        flash = emp.get(resp.location).get_data(as_text=True)
        answers.append(re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', flash, re.S))
    assert answers[0] and answers[0] == answers[1]
    page = emp.get("/group/employees").get_data(as_text=True)
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    mine = [_norm(r) for r in rows if "ORANG LAIN" in r]
    assert len(mine) == 2
    # The two rows differ only in the masked NIK.
    assert re.sub(r"\d{4}\*+\d{0,4}|\d+", "#", mine[0]) == re.sub(
        r"\d{4}\*+\d{0,4}|\d+", "#", mine[1]
    )
    for secret in world.secrets_of("resident_b"):
        assert secret not in page


# --- CSRF ------------------------------------------------------------------------------


def test_cookie_posts_without_the_csrf_token_are_refused(world):
    from desa.letters.models import Letter

    clerk = world.client("clerk")
    a = world.people["resident_a"]
    for url, data in (
        ("/residents/new", {"nik": UNKNOWN_NIK, "name": "X"}),
        ("/letters/new", {"nik": a.nik, "type": "SKD", "purpose": "x"}),
        (f"/letters/{a.letter}/collected", {}),
        (f"/appointments/bookings/{a.booking}/cancel", {}),
        ("/recording/export", {"format": "csv"}),
        ("/logout", {}),
    ):
        resp = clerk.post(url, data=data)
        assert resp.status_code == 400, url
        assert "Formulir kedaluwarsa" in resp.get_data(as_text=True), url
    for method, url, body in (
        ("POST", "/api/v1/letters", {"nik": a.nik, "type": "SKD", "purpose": "x"}),
        ("DELETE", f"/api/v1/bookings/{a.booking}", None),
        ("POST", "/api/v1/sessions", {"date": "2027-02-04"}),
        ("PATCH", f"/api/v1/residents/{a.nik}", {"name": "X"}),
    ):
        resp = clerk.open(url, method=method, json=body)
        assert resp.status_code == 400, url
        assert resp.get_json()["error"]["code"] == "csrf_failed", url
    # A bogus bearer header does not let the cookie ride along without the token.
    resp = clerk.post(
        "/api/v1/letters",
        json={"nik": a.nik, "type": "SKD", "purpose": "x"},
        headers={"Authorization": "Bearer nope"},
    )
    assert resp.status_code == 401
    for who, url in (
        ("resident_a", "/me/appointments/cancel"),
        ("employer_a", "/group/employees"),
        ("rt_a", f"/group/bookings/{a.booking}/cancel"),
    ):
        assert world.client(who).post(url, data={"nik": UNKNOWN_NIK}).status_code == 400
    with world.app.app_context():
        assert (
            _db.session.scalar(
                select(Letter.collected_at).where(Letter.public_id == a.letter)
            )
            is None
        )
        _db.session.remove()
    # The control: with the token the same session gets through.
    assert post(clerk, f"/letters/{a.letter}/collected").status_code in (302, 303)
    assert csrf_token(clerk)


# --- sign-in brute force ------------------------------------------------------------


def test_sixth_sign_in_from_one_address_across_usernames_is_refused(app, make_user):
    users = [make_user("clerk") for _ in range(6)]
    client = app.test_client()
    for n, user in enumerate(users[:5]):
        resp = post_login_as(
            client,
            user.username if n % 2 else f"tidakada{n}",
            "salah-salah-salah",
            address="10.7.0.1",
        )
        assert resp.status_code == 401
    resp = post_login_as(client, users[5].username, PASSWORD, address="10.7.0.1")
    assert resp.status_code == 429
    assert "Terlalu banyak percobaan" in resp.get_data(as_text=True)
    # The resident form shares the address limit.
    token = csrf_from(client.get("/resident/login").get_data(as_text=True))
    resp = client.post(
        "/resident/login",
        data={"nik": UNKNOWN_NIK, "pin": "123456", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.7.0.1"},
    )
    assert resp.status_code == 429
