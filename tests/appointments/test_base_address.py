"""Tickets, PIN slips and the calendar feed carry the address phones can open: the
village's stored one when DESA_BASE_URL is not set."""

from __future__ import annotations

import pytest
from conftest import csrf_token
from scanning import pdf_qr_codes

from desa.core import addresses
from desa.core.models import Village

STORED = "http://192.168.1.10:5000"


@pytest.fixture
def stored(app, db, monkeypatch):
    """No DESA_BASE_URL; the admin stored the laptop's LAN address."""
    monkeypatch.setitem(app.config, "BASE_URL_SET", False)
    monkeypatch.setitem(app.config, "BASE_URL", addresses.DEFAULT_BASE_URL)
    db.session.get(Village, 1).base_url = STORED
    db.session.commit()
    return STORED


def test_the_ticket_url_starts_with_the_stored_address(
    client, stored, make_session, make_resident, bearer
):
    s = make_session()
    resident = make_resident()
    resp = client.post(
        f"/api/v1/sessions/{s.id}/bookings",
        json={"niks": [resident.nik]},
        headers=bearer("clerk"),
    )
    assert resp.status_code == 201, resp.get_json()
    (made,) = resp.get_json()["bookings"]
    assert made["ticket_url"] == f"{STORED}/tickets/{made['id']}"


def test_the_calendar_feed_names_events_after_the_stored_host(
    client, stored, make_session
):
    s = make_session()
    text = client.get("/jadwal.ics").get_data(as_text=True)
    assert f"UID:session-{s.id}@192.168.1.10:5000" in text


def test_a_printed_pin_slip_qr_opens_the_resident_sign_in(
    client, stored, login, make_resident, tmp_path
):
    make_resident(name="SLIP SATU", rw="001", rt="002")
    login("rt")
    resp = client.post("/group/pin-slips", data={"csrf_token": csrf_token(client)})
    assert resp.headers["Content-Type"] == "application/pdf"
    (page,) = pdf_qr_codes(resp.data, tmp_path, 72)
    assert page == [f"{STORED}/resident/login"]
