"""Resident sign-in with NIK + PIN (desa/residents/views.py)."""

import datetime as dt

from conftest import csrf_from


def test_resident_signs_in_with_nik_and_pin(client, make_resident, issue_pin):
    resident = make_resident(
        name="SITI AMINAH", sex="P", birth_date=dt.date(1995, 3, 5)
    )
    pin = issue_pin(resident)
    assert len(pin) == 6 and pin.isdigit()
    token = csrf_from(client.get("/resident/login").get_data(as_text=True))
    resp = client.post(
        "/resident/login",
        data={
            "nik": resident.nik[:4] + " " + resident.nik[4:],
            "pin": pin,
            "csrf_token": token,
        },
    )
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "SITI AMINAH" in page and resident.nik in page


def test_unknown_nik_and_wrong_pin_answer_alike(client, make_resident, issue_pin):
    resident = make_resident()
    issue_pin(resident)
    answers = []
    for nik, pin in (
        (resident.nik, "000000"),
        ("6101120101900099", "123456"),
        ("abc", "1"),
    ):
        token = csrf_from(client.get("/resident/login").get_data(as_text=True))
        resp = client.post(
            "/resident/login", data={"nik": nik, "pin": pin, "csrf_token": token}
        )
        answers.append(
            (resp.status_code, "NIK atau PIN salah." in resp.get_data(as_text=True))
        )
    assert answers == [(401, True)] * 3


def test_reissued_pin_ends_the_old_one(app, make_resident, issue_pin):
    resident = make_resident()
    old = issue_pin(resident)
    issue_pin(resident)
    c = app.test_client()
    token = csrf_from(c.get("/resident/login").get_data(as_text=True))
    resp = c.post(
        "/resident/login", data={"nik": resident.nik, "pin": old, "csrf_token": token}
    )
    assert resp.status_code == 401
