"""Wajib KTP and pending recording, computed from dates (never a year difference)."""

import datetime as dt

import pytest
from sqlalchemy import select

from desa.residents.models import Resident
from desa.residents.rules import (
    age_on,
    is_pending_recording,
    is_wajib_ktp,
    pending_clause,
    years_before,
)


def person(**kw) -> Resident:
    values = {
        "citizenship": "WNI",
        "marital_status": "BELUM KAWIN",
        "life_status": "active",
        "ektp_status": 2,
        "birth_date": dt.date(2009, 11, 23),
    }
    values.update(kw)
    return Resident(**values)


def test_seventeenth_birthday_is_the_day_one_becomes_wajib():
    p = person()
    assert not is_wajib_ktp(p, dt.date(2026, 11, 22))
    assert is_wajib_ktp(p, dt.date(2026, 11, 23))


@pytest.mark.parametrize(
    ("day", "wajib"),
    [
        (dt.date(2025, 2, 28), False),
        (dt.date(2025, 3, 1), True),
        (dt.date(2028, 2, 29), True),
    ],
)
def test_born_on_29_february(day, wajib):
    assert is_wajib_ktp(person(birth_date=dt.date(2008, 2, 29)), day) is wajib
    assert (age_on(dt.date(2008, 2, 29), day) >= 17) is wajib


def test_years_before_a_leap_day():
    assert years_before(dt.date(2028, 2, 29), 17) == dt.date(2011, 2, 28)
    assert years_before(dt.date(2026, 11, 23), 17) == dt.date(2009, 11, 23)


def test_married_minor_is_wajib_and_foreigners_are_not():
    minor = person(birth_date=dt.date(2010, 6, 1), marital_status="KAWIN")
    assert is_wajib_ktp(minor, dt.date(2026, 11, 23))
    assert not is_wajib_ktp(person(citizenship="WNA"), dt.date(2030, 1, 1))


@pytest.mark.parametrize(
    ("changes", "pending"),
    [
        ({}, True),
        ({"ektp_status": None}, True),
        ({"ektp_status": 1}, True),
        ({"ektp_status": 3}, False),
        ({"ektp_status": 8}, False),
        ({"life_status": "deceased"}, False),
        ({"life_status": "moved"}, False),
        ({"birth_date": dt.date(2012, 1, 1)}, False),
        ({"birth_date": None}, False),
    ],
)
def test_pending_recording(changes, pending, db, make_resident):
    day = dt.date(2026, 11, 23)
    assert is_pending_recording(person(**changes), day) is pending
    # The SQL twin agrees with the Python rule.
    overrides = {"birth_date": dt.date(2009, 11, 23), **changes}
    resident = make_resident(**overrides)
    found = db.session.scalar(
        select(Resident.id).where(Resident.id == resident.id, pending_clause(day))
    )
    assert (found is not None) is pending
