"""Letter fixtures: a fixed village date, and helpers that draft and issue letters
through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from desa.extensions import db as _db


def _csrf(client):
    from conftest import csrf_token

    return csrf_token(client)


TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today(freeze):
    """The village's date is 23 November 2026 in every letter test."""
    freeze(TODAY)
    return TODAY


@pytest.fixture
def holder(make_resident):
    """The resident most letters are for."""
    return make_resident(
        name="SITI AMINAH",
        sex="P",
        birth_date=dt.date(1988, 4, 12),
        birth_place="SAMBAS",
        occupation="PETANI/PEKEBUN",
        address="Jl. Parit Baru",
    )


@pytest.fixture
def letters(app, make_user, make_actor):
    """Service helpers: draft(...), issue(...), each committing like a view does;
    actor(principal) and as_clerk / as_head: actors on TODAY for direct calls."""
    from desa.auth.actor import Actor
    from desa.core.db import mark_write_intent
    from desa.letters import services
    from desa.letters.models import Letter
    from desa.residents.models import Resident

    class Helper:
        clerk = make_user("clerk", full_name="Operator Uji")
        head = make_user("head", full_name="H. Abdul Rahman")

        def actor(self, principal=None, today=TODAY) -> Actor:
            """`principal` (a user or a resident; None: the system) acting on `today`."""
            if isinstance(principal, Actor):
                return principal
            return make_actor(principal, today=today)

        @property
        def as_clerk(self) -> Actor:
            return make_actor(self.clerk, today=TODAY)

        @property
        def as_head(self) -> Actor:
            return make_actor(self.head, today=TODAY)

        def draft(
            self, resident, type_code="SKD", purpose="Melamar pekerjaan", fields=None
        ) -> str:
            with app.app_context():
                mark_write_intent()
                letter = services.create_draft(
                    self.as_clerk,
                    type_code,
                    _db.session.get(Resident, resident.id),
                    purpose,
                    fields or {},
                )
                _db.session.commit()
                return letter.public_id

        def issue(self, public_id, actor=None) -> Letter:
            """Issues as the head, or as `actor` (a user, or an Actor)."""
            with app.app_context():
                mark_write_intent()
                letter = self.get(public_id)
                services.issue(self.actor(actor or self.head), letter)
                _db.session.commit()
                _db.session.refresh(letter)
                _db.session.expunge(letter)
                return letter

        def get(self, public_id) -> Letter:
            from sqlalchemy import select

            return _db.session.scalar(
                select(Letter).where(Letter.public_id == public_id)
            )

    return Helper()


@pytest.fixture
def api(client):
    """call(method, url, json=None, token=None): bearer token, or the session + CSRF."""

    def call(method, url, json=None, token=None):
        headers = (
            {"Authorization": f"Bearer {token}"}
            if token
            else {"X-CSRFToken": _csrf(client)}
        )
        return client.open(url, method=method, json=json, headers=headers)

    return call


@pytest.fixture
def clerk_token(make_token):
    return make_token("clerk")


@pytest.fixture
def head_token(make_token):
    return make_token("head")
