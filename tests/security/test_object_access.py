"""Every role against other people's objects: 403 or 404, never 200, never their data.

The world (tests/security/conftest.py): RT 001/002 holds resident_a and worker_a
(employer_a's employee), RT 001/003 holds resident_b and worker_b (employer_b's).
Each resident has an issued letter and a booking; there is an export batch and an
import job. Each attempt is paired with the owner's own access (a control) where the
owner has one, so a refusal is known to come from the object check.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desa.extensions import db as _db

from .conftest import api, post

DENIED = (403, 404)
HUGE = "9" * 30  # no id column holds it: a 404, never a database error (500)


def _denied(resp, world, *owners: str) -> None:
    assert resp.status_code in DENIED, (resp.status_code, resp.request.path)
    body = resp.get_data(as_text=True)
    for owner in owners:
        for secret in world.secrets_of(owner):
            assert secret not in body, (secret, resp.request.path)


def _reads(world, owner: str) -> list[str]:
    """GET URLs that show something of `owner`."""
    p = world.people[owner]
    return [
        f"/residents/{p.id}",
        f"/residents/{p.id}/family",
        f"/api/v1/residents/{p.nik}",
        f"/letters/{p.letter}",
        f"/letters/{p.letter}/pdf",
        f"/api/v1/letters/{p.letter}",
        f"/api/v1/letters/{p.letter}/pdf",
        f"/me/letters/{p.letter}/pdf",
        f"/tickets/{p.booking}",
        f"/tickets/{p.booking}.pdf",
    ]


# --- residents ----------------------------------------------------------------------


def test_resident_reaches_only_their_own_letter_booking_and_ticket(world):
    a = world.client("resident_a")
    for url in _reads(world, "resident_b"):
        _denied(a.get(url), world, "resident_b")
    own = world.people["resident_a"]
    for url in (
        f"/me/letters/{own.letter}/pdf",
        f"/api/v1/letters/{own.letter}",
        f"/tickets/{own.booking}",
        f"/tickets/{own.booking}.pdf",
    ):
        assert a.get(url).status_code == 200, url
    b = world.people["resident_b"]
    _denied(api(a, "DELETE", f"/api/v1/bookings/{b.booking}"), world, "resident_b")
    _denied(
        api(
            a,
            "POST",
            f"/api/v1/bookings/{b.booking}/move",
            {"session_id": world.session_id},
        ),
        world,
        "resident_b",
    )
    _denied(
        api(a, "POST", f"/api/v1/bookings/{b.booking}/outcome", {"outcome": "no_show"}),
        world,
        "resident_b",
    )
    _denied(post(a, f"/group/bookings/{b.booking}/cancel"), world, "resident_b")
    _denied(post(a, f"/appointments/bookings/{b.booking}/cancel"), world, "resident_b")
    _denied(
        api(a, "POST", f"/api/v1/letters/{b.letter}/revoke", {"reason": "x"}),
        world,
        "resident_b",
    )
    _denied(post(a, f"/letters/{b.letter}/collected"), world, "resident_b")
    _denied(
        a.get(f"/api/v1/sessions/{world.session_id}/bookings"),
        world,
        "resident_b",
        "worker_a",
        "worker_b",
    )
    _denied(a.get(f"/appointments/{world.session_id}"), world, "resident_b")
    # The resident's own pages carry nothing of the other resident.
    for url in ("/me/letters", "/me/appointments", "/resident/corrections", "/"):
        resp = a.get(url)
        assert resp.status_code == 200, url
        for secret in world.secrets_of("resident_b"):
            assert secret not in resp.get_data(as_text=True), (url, secret)
    _assert_booking_active(world, "resident_b")


def test_rt_head_never_reaches_another_rt(world):
    rt = world.client("rt_a")
    for owner in ("resident_b", "worker_b"):
        p = world.people[owner]
        for url in (
            f"/residents/{p.id}",
            f"/residents/{p.id}/family",
            f"/api/v1/residents/{p.nik}",
            f"/tickets/{p.booking}",
            f"/tickets/{p.booking}.pdf",
        ):
            _denied(rt.get(url), world, owner)
        _denied(post(rt, f"/group/bookings/{p.booking}/cancel"), world, owner)
        _denied(api(rt, "DELETE", f"/api/v1/bookings/{p.booking}"), world, owner)
    b = world.people["resident_b"]
    for url in (
        f"/letters/{b.letter}",
        f"/letters/{b.letter}/pdf",
        f"/api/v1/letters/{b.letter}",
        f"/api/v1/letters/{b.letter}/pdf",
        f"/recording/batches/{world.batch_id}/file",
        f"/recording/batches/{world.batch_id}/manifest",
        f"/residents/import/{world.import_job_id}",
        f"/residents/import/{world.import_job_id}/rejects.csv",
        f"/api/v1/sessions/{world.session_id}/bookings",
    ):
        _denied(rt.get(url), world, "resident_b", "worker_b")
    for url in ("/residents", "/group", "/recording/figures", "/api/v1/residents"):
        resp = rt.get(url)
        assert resp.status_code == 200, url
        for owner in ("resident_b", "worker_b"):
            for secret in world.secrets_of(owner):
                assert secret not in resp.get_data(as_text=True), (url, secret)
    # The control: their own RT's resident and ticket.
    a = world.people["resident_a"]
    assert rt.get(f"/residents/{a.id}").status_code == 200
    assert rt.get(f"/tickets/{a.booking}").status_code == 200
    _assert_booking_active(world, "resident_b")
    _assert_booking_active(world, "worker_b")


def test_employer_never_reaches_another_employers_people(world):
    emp = world.client("employer_a")
    for owner in ("worker_b", "resident_a", "resident_b"):
        p = world.people[owner]
        for url in (
            f"/tickets/{p.booking}",
            f"/tickets/{p.booking}.pdf",
            f"/residents/{p.id}",
            f"/api/v1/residents/{p.nik}",
            f"/letters/{p.letter}",
            f"/api/v1/letters/{p.letter}",
        ):
            _denied(emp.get(url), world, owner)
        _denied(post(emp, f"/group/bookings/{p.booking}/cancel"), world, owner)
        _denied(api(emp, "DELETE", f"/api/v1/bookings/{p.booking}"), world, owner)
    other_entry = world.employee_ids["employer_b"]
    _denied(post(emp, f"/group/employees/{other_entry}/delete"), world, "worker_b")
    for url in ("/group", "/group/employees"):
        resp = emp.get(url)
        assert resp.status_code == 200
        for secret in world.secrets_of("worker_b"):
            assert secret not in resp.get_data(as_text=True), (url, secret)
    for url in (
        f"/recording/batches/{world.batch_id}/file",
        f"/residents/import/{world.import_job_id}",
        f"/appointments/{world.session_id}",
    ):
        _denied(emp.get(url), world, "worker_b")
    # The control: their own employee's ticket.
    assert emp.get(f"/tickets/{world.people['worker_a'].booking}").status_code == 200
    _assert_booking_active(world, "worker_b")
    with world.app.app_context():
        from desa.appointments.models import Employee

        assert _db.session.get(Employee, other_entry) is not None


def test_district_token_reads_figures_but_no_person_object(world, client):
    token = world.district_token
    b = world.people["resident_b"]
    for url in (
        f"/api/v1/residents/{b.nik}",
        "/api/v1/residents",
        f"/api/v1/letters/{b.letter}",
        f"/api/v1/letters/{b.letter}/pdf",
        f"/api/v1/sessions/{world.session_id}/bookings",
        "/api/v1/audit-events",
    ):
        _denied(api(client, "GET", url, token=token), world, "resident_b")
    for method, url, body in (
        ("DELETE", f"/api/v1/bookings/{b.booking}", None),
        ("POST", f"/api/v1/bookings/{b.booking}/outcome", {"outcome": "no_show"}),
        ("POST", f"/api/v1/letters/{b.letter}/revoke", {"reason": "uji"}),
        ("POST", "/api/v1/letters", {"nik": b.nik, "type": "SKD", "purpose": "x"}),
    ):
        _denied(api(client, method, url, body, token=token), world, "resident_b")
    # A token never opens the cookie pages either.
    headers = {"Authorization": f"Bearer {token}"}
    for url in (f"/tickets/{b.booking}", f"/recording/batches/{world.batch_id}/file"):
        assert client.get(url, headers=headers).status_code in (401, 403, 404, 302)
    assert api(client, "GET", "/api/v1/recording/stats", token=token).status_code == 200
    _assert_booking_active(world, "resident_b")


@pytest.mark.parametrize("role", ["clerk", "head"])
def test_staff_with_changed_ids_get_not_found(world, role):
    staff = world.client(role)
    for url in (
        "/residents/999999",
        "/letters/no-such-letter",
        "/letters/no-such-letter/pdf",
        "/api/v1/letters/no-such-letter",
        "/api/v1/residents/6101121705909999",
        "/tickets/999999",
        "/recording/batches/999999/file",
        f"/appointments/{999999}",
        f"/residents/{HUGE}",
        f"/tickets/{HUGE}",
        f"/api/v1/sessions/{HUGE}",
        f"/recording/batches/{HUGE}/file",
    ):
        resp = staff.get(url)
        assert resp.status_code in (403, 404), (url, resp.status_code)
    # A page number no OFFSET can hold is refused with the API's 422, not a 500.
    far = api(staff, "GET", f"/api/v1/sessions?page={HUGE}")
    assert far.status_code == 422 and "page" in far.get_json()["error"]["fields"]
    # The head signs and revokes but never cancels a booking or records an outcome.
    if role == "head":
        b = world.people["resident_b"]
        _denied(api(staff, "DELETE", f"/api/v1/bookings/{b.booking}"), world)
        _denied(
            api(
                staff,
                "POST",
                f"/api/v1/bookings/{b.booking}/outcome",
                {"outcome": "no_show"},
            ),
            world,
        )
        _denied(staff.get(f"/residents/import/{world.import_job_id}"), world)
        _assert_booking_active(world, "resident_b")


def test_import_job_belongs_to_the_staff_who_may_import(world):
    for who in ("rt_a", "employer_a", "resident_a", "head"):
        c = world.client(who)
        for url in (
            f"/residents/import/{world.import_job_id}",
            f"/residents/import/{world.import_job_id}/preview",
            f"/residents/import/{world.import_job_id}/rejects.csv",
        ):
            assert c.get(url).status_code in DENIED, (who, url)
        assert (
            post(c, f"/residents/import/{world.import_job_id}/start").status_code
            in DENIED
        )
    # The control: a clerk reaches it (an uploaded job sends on to its preview).
    resp = world.client("clerk").get(f"/residents/import/{world.import_job_id}")
    assert resp.status_code in (200, 302) and "/login" not in (resp.location or "")


def test_export_batches_are_staff_only(world):
    for who in ("rt_a", "employer_a", "resident_a"):
        c = world.client(who)
        for url in (
            f"/recording/batches/{world.batch_id}/file",
            f"/recording/batches/{world.batch_id}/manifest",
            "/recording",
        ):
            assert c.get(url).status_code in DENIED, (who, url)
    resp = world.client("clerk").get(f"/recording/batches/{world.batch_id}/file")
    assert resp.status_code == 200


def _assert_booking_active(world, owner: str) -> None:
    from desa.appointments.models import Booking

    with world.app.app_context():
        status = _db.session.scalar(
            select(Booking.status).where(Booking.id == world.people[owner].booking)
        )
        _db.session.remove()
    assert status == "active", owner
