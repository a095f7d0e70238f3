"""Export fixtures: a fixed village date and a small hand-built village."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today(freeze):
    """The village's date is 23 November 2026 in every export test."""
    freeze(TODAY)
    return TODAY


@pytest.fixture
def actor(make_actor):
    """actor(principal=None, today=TODAY) → an Actor acting on `today` (None: the
    system, as a CLI command)."""

    def factory(principal=None, today=TODAY):
        return make_actor(principal, today=today)

    return factory


@pytest.fixture
def village(make_resident):
    """Residents of two dusun, three RTs, in every state that the rules tell apart.

    Returns a dict name → Resident. Pending on TODAY: ani, budi, cici (RT 001/002),
    eko (RT 001/003, married at 16), fajar (RT 002/001, status empty).
    """
    d = dt.date
    people = {
        # RW 001 / RT 002, Dusun Sungai Bedung
        "ani": {"birth_date": d(1990, 5, 17), "ektp_status": 2, "sex": "P"},
        "budi": {"birth_date": d(2009, 11, 23), "ektp_status": 1},  # 17 today
        "cici": {"birth_date": d(1980, 1, 2), "ektp_status": 2, "sex": "P"},
        "dedi": {"birth_date": d(2009, 11, 24), "ektp_status": 1},  # 17 tomorrow
        "rekam": {"birth_date": d(1985, 3, 3), "ektp_status": 3},
        "cetak": {"birth_date": d(1975, 3, 3), "ektp_status": 4},
        "mati": {
            "birth_date": d(1950, 3, 3),
            "ektp_status": 2,
            "life_status": "deceased",
        },
        "pindah": {
            "birth_date": d(1991, 3, 3),
            "ektp_status": 2,
            "life_status": "moved",
        },
        "asing": {"birth_date": d(1970, 3, 3), "ektp_status": 2, "citizenship": "WNA"},
        # RW 001 / RT 003, Dusun Sungai Bedung
        "eko": {
            "birth_date": d(2010, 6, 1),
            "ektp_status": 2,
            "rt": "003",
            "marital_status": "KAWIN",
        },
        "terbit": {"birth_date": d(1960, 8, 8), "ektp_status": 8, "rt": "003"},
        "siap": {"birth_date": d(1962, 8, 8), "ektp_status": 5, "rt": "003"},
        # RW 002 / RT 001, Dusun Tanjung
        "fajar": {
            "birth_date": d(1999, 9, 9),
            "ektp_status": None,
            "rw": "002",
            "rt": "001",
            "dusun": "Tanjung",
        },
        "gita": {
            "birth_date": d(1998, 9, 9),
            "ektp_status": 6,
            "rw": "002",
            "rt": "001",
            "dusun": "Tanjung",
            "sex": "P",
        },
        "anak": {
            "birth_date": d(2015, 9, 9),
            "ektp_status": None,
            "rw": "002",
            "rt": "001",
            "dusun": "Tanjung",
        },
    }
    return {
        key: make_resident(name=f"{key.upper()} WARGA", **values)
        for key, values in people.items()
    }


PENDING = {"ani", "budi", "cici", "eko", "fajar"}
