"""The scope registry: one rule per model and role, walked for every role.

Each role must see exactly its rows through every door: the ORM select, the
object check, the raw-SQL fast path. A role without a rule sees nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from desa.auth.actor import PUBLIC, SYSTEM, Actor, Via
from desa.auth.permissions import ALL_ROLES
from desa.auth.scope import EVERYTHING, NOTHING, Match, scopes
from desa.extensions import db as _db

TODAY = dt.date(2026, 11, 23)
KNOWN_ROLES = {*ALL_ROLES, SYSTEM, PUBLIC}


class Token:
    """A district token as the request sees it."""

    kind, is_active = "token", True

    def __init__(self, id: int, role: str = "district", area: str | None = None):
        self.id, self.role, self.area = id, role, area
        self.display_name = f"token:{id}"

    def can(self, permission: str) -> bool:
        return True


def test_every_rule_names_a_known_role_and_every_personal_model_has_rules(app):
    from desa.appointments.models import Booking, Employee, Message, WaitlistEntry
    from desa.letters.models import Letter
    from desa.residents.models import CorrectionRequest, Resident, ResidentEvent

    entries = scopes.entries()
    for model, purpose in entries:
        unknown = set(scopes.roles(model, purpose)) - KNOWN_ROLES
        assert not unknown, f"{model.__name__}/{purpose}: {unknown}"
    personal = {
        Resident,
        ResidentEvent,
        CorrectionRequest,
        Letter,
        Booking,
        WaitlistEntry,
        Message,
        Employee,
    }
    assert personal <= {model for model, purpose in entries if purpose == "read"}


def test_a_role_without_a_rule_sees_nothing(db):
    """A new role (a kecamatan officer) sees no rows until it is given a rule."""
    from desa.residents.models import Resident

    officer = Token(9, role="kecamatan")
    actor = Actor(principal=officer, today=TODAY, via=Via.API)
    assert scopes.rule(actor, Resident) is NOTHING
    assert scopes.sql(actor, Resident) is None


@pytest.fixture
def world(db, make_user, make_resident, make_actor, issue_pin):
    """Two RTs, an employer with one matched employee, a letter and a booking each."""
    from desa.appointments import booking, employees
    from desa.appointments.sessions import create_session
    from desa.letters import services as letters
    from desa.residents.models import Resident

    people = {
        "ani": make_resident(name="ANI", rw="001", rt="002"),
        "budi": make_resident(name="BUDI", rw="001", rt="003"),
        "cahyo": make_resident(name="CAHYO", rw="002", rt="001"),
    }
    users = {
        "admin": make_user("admin"),
        "clerk": make_user("clerk"),
        "head": make_user("head"),
        "rt": make_user("rt", rw="001", rt="002"),
        "employer": make_user("employer", employer="PT Sawit"),
    }
    system = make_actor(today=TODAY)
    e = employees.add_employee(
        system.as_(users["employer"]), people["cahyo"].nik, "CAHYO"
    )
    employees.confirm(system, e.id)
    session = create_session(
        system,
        {
            "date": "2026-11-25",
            "start": "08:00",
            "end": "12:00",
            "place": "Kantor Desa",
            "capacity": 10,
            "minutes_per_person": 10,
        },
    )
    for key in people:
        booking.book(system, session, [people[key].nik])
        letters.create_draft(
            system.as_(users["clerk"]),
            "SKD",
            _db.session.get(Resident, people[key].id),
            "Melamar pekerjaan",
            {},
        )
    _db.session.commit()
    issue_pin(people["budi"])  # a resident signs in with a PIN
    budi = _db.session.get(Resident, people["budi"].id)
    principals = {**users, "resident": budi, "district": Token(1)}
    return people, principals


# role → the residents it sees
EXPECTED = {
    "admin": {"ani", "budi", "cahyo"},
    "clerk": {"ani", "budi", "cahyo"},
    "head": {"ani", "budi", "cahyo"},
    "rt": {"ani"},
    "employer": {"cahyo"},
    "resident": {"budi"},
    "district": {"ani", "budi", "cahyo"},
    SYSTEM: {"ani", "budi", "cahyo"},
    PUBLIC: set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_residents_through_every_door(world, role):
    from desa.appointments.models import Booking
    from desa.core.db import driver_fetchone
    from desa.residents.models import Resident

    people, principals = world
    principal = principals.get(role)
    via = Via.CLI if role == SYSTEM else Via.WEB
    actor = Actor(principal=principal, today=TODAY, via=via)
    names = {v.id: k for k, v in people.items()}

    seen = {names[r.id] for r in _db.session.scalars(scopes.select(actor, Resident))}
    assert seen == EXPECTED[role]

    # The object check agrees with the query for every resident.
    for key, person in people.items():
        resident = _db.session.get(Resident, person.id)
        assert scopes.contains(actor, Resident, resident) == (key in EXPECTED[role])

    # The raw-SQL fast path (the NIK lookup) agrees too, where the rule has one.
    rule = scopes.rule(actor, Resident)
    if rule is EVERYTHING or rule is NOTHING or isinstance(rule, Match):
        raw = scopes.sql(actor, Resident)
        for key, person in people.items():
            row = None
            if raw is not None:
                row = driver_fetchone(
                    "SELECT id FROM residents WHERE nik = ?" + raw[0],  # noqa: S608
                    (person.nik, *raw[1]),
                )
            assert (row is not None) == (key in EXPECTED[role])

    # Bookings follow the residents for those who may see bookings at all.
    booked = {
        names[b.resident_id] for b in _db.session.scalars(scopes.select(actor, Booking))
    }
    assert booked <= EXPECTED[role]


def test_letters_are_seen_by_the_office_and_by_their_own_resident_only(world):
    from desa.letters.models import Letter

    people, principals = world
    for role, expected in (
        ("clerk", 3),
        ("head", 3),
        ("resident", 1),
        ("rt", 0),
        ("employer", 0),
    ):
        actor = Actor(principal=principals[role], today=TODAY)
        letters = list(_db.session.scalars(scopes.select(actor, Letter)))
        assert len(letters) == expected, role
        if role == "resident":
            assert letters[0].resident_id == people["budi"].id


def test_a_district_token_sees_the_village_only_inside_its_area(world):
    from desa.residents.models import Resident

    inside = Actor(principal=Token(2, area="61.01.12"), today=TODAY, via=Via.API)
    outside = Actor(principal=Token(3, area="61.02"), today=TODAY, via=Via.API)
    assert len(list(_db.session.scalars(scopes.select(inside, Resident)))) == 3
    assert list(_db.session.scalars(scopes.select(outside, Resident))) == []


def test_the_raw_sql_fast_path_refuses_a_rule_it_cannot_express(world):
    """An employer's rule is a subquery: a fast path must not silently drop it."""
    from desa.residents.models import Resident

    _people, principals = world
    employer = Actor(principal=principals["employer"], today=TODAY)
    with pytest.raises(TypeError):
        scopes.sql(employer, Resident)


def test_an_inactive_principal_sees_nothing(world):
    from desa.residents.models import Resident

    _people, principals = world
    clerk = principals["clerk"]
    clerk.active = False
    actor = Actor(principal=clerk, today=TODAY)
    assert list(_db.session.scalars(scopes.select(actor, Resident))) == []
    assert select(Resident) is not None
