"""Who sees which rows: the one table of scope rules, model by model, role by role.

The mechanism is `desa.auth.scope`; this module only fills it and is loaded by
`create_app`. A role missing from a model's table sees none of its rows. To add a
role (say a kecamatan officer), give it one entry per model here and its
permissions in `desa/auth/permissions.py`; see docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from desa.appointments.models import (
    Booking,
    Employee,
    Message,
    RecordingSession,
    WaitlistEntry,
)
from desa.auth.actor import SYSTEM, Actor
from desa.auth.permissions import Role
from desa.auth.scope import EVERYTHING, NOTHING, Match, everything, scopes
from desa.hub.models import HubEvent, HubResident, HubVillage
from desa.letters.models import Letter
from desa.papers.models import TemporaryResident
from desa.residents.models import CorrectionRequest, Resident, ResidentEvent


def own_rt(actor: Actor) -> Match:
    """An RT head's own RT."""
    return Match(rw=actor.principal.rw, rt=actor.principal.rt)  # type: ignore[union-attr]


def own_employees(actor: Actor) -> Any:
    """The residents an employer has matched on its staff list, once confirmed."""
    return Resident.id.in_(
        select(Employee.resident_id).where(
            Employee.employer_id == actor.principal.employer_id,  # type: ignore[union-attr]
            Employee.confirmed_at.is_not(None),
        )
    )


def booked_by_employer(actor: Actor) -> Any:
    """The bookings this employer's own accounts made.

    Not every booking of its employees: when a resident or the desk booked them, or
    another employer did, that is none of this employer's business.
    """
    from desa.auth.models import User

    accounts = select(User.id).where(
        User.employer_id == actor.principal.employer_id  # type: ignore[union-attr]
    )
    return (Booking.booked_by_kind == "user") & Booking.booked_by_id.in_(accounts)


def self_only(actor: Actor) -> Match:
    """A resident sees only themself."""
    return Match(id=actor.id)


def token_area(actor: Actor) -> Any:
    """A district token sees the village when the village lies in the token's area.

    A token without an area covers the whole installation (one village here); a
    kecamatan's token names its code prefix (`61.01.12`).
    """
    from desa.core.village import get_village

    area = getattr(actor.principal, "area", None)
    if not area:
        return EVERYTHING
    village = get_village()
    return EVERYTHING if village and village.code.startswith(area) else NOTHING


def hub_area(actor: Actor) -> Any:
    """At a hub, a token or a kecamatan officer sees the villages of its area (a
    kecamatan's `61.01.12`); a token without one sees all of them."""
    area = getattr(actor.principal, "area", None)
    if not area:
        return EVERYTHING
    return HubVillage.code.startswith(area.rstrip(".") + ".", autoescape=True)


def following(column: Any, model: type):
    """Rows that belong to a `model` row the actor sees (that model's rule, followed)."""

    def rule(actor: Actor) -> Any:
        found = scopes.rule(actor, model)
        if found is EVERYTHING or found is NOTHING:
            return found
        return column.in_(scopes.ids(actor, model))

    return rule


def own(column_name: str):
    """Rows whose `column_name` is the acting resident's id."""
    return lambda actor: Match(**{column_name: actor.id})


VILLAGE_STAFF = {SYSTEM: everything, Role.ADMIN: everything, Role.CLERK: everything}

scopes.register(
    Resident,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: own_rt,
        Role.EMPLOYER: own_employees,
        Role.RESIDENT: self_only,
        Role.DISTRICT: token_area,
    },
)
scopes.register(
    ResidentEvent,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: following(ResidentEvent.resident_id, Resident),
    },
)
scopes.register(
    CorrectionRequest,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: following(CorrectionRequest.resident_id, Resident),
        Role.RESIDENT: own("resident_id"),
    },
)
# Temporary residents are placed in the RT they stay in: its head sees them.
scopes.register(
    TemporaryResident, {**VILLAGE_STAFF, Role.HEAD: everything, Role.RT: own_rt}
)
scopes.register(
    Letter,
    {**VILLAGE_STAFF, Role.HEAD: everything, Role.RESIDENT: own("resident_id")},
)
scopes.register(
    Booking,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: following(Booking.resident_id, Resident),
        Role.EMPLOYER: booked_by_employer,
        Role.RESIDENT: own("resident_id"),
    },
)
scopes.register(
    WaitlistEntry,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: following(WaitlistEntry.resident_id, Resident),
        Role.EMPLOYER: following(WaitlistEntry.resident_id, Resident),
        Role.RESIDENT: own("resident_id"),
    },
)
scopes.register(
    Message,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: following(Message.booking_id, Booking),
        Role.EMPLOYER: following(Message.booking_id, Booking),
        Role.RESIDENT: following(Message.booking_id, Booking),
    },
)

# At a hub: Disdukcapil's admin and operators see the kabupaten; a district token
# its area; a hub holds no village staff, so no other role sees anything.
HUB_STAFF = {SYSTEM: everything, Role.ADMIN: everything, Role.CLERK: everything}
# A kecamatan officer sees its own kecamatan's villages, like a kecamatan token.
scopes.register(
    HubVillage, {**HUB_STAFF, Role.DISTRICT: hub_area, Role.KECAMATAN: hub_area}
)
for _model in (HubResident, HubEvent):
    _their_villages = following(_model.village_id, HubVillage)
    scopes.register(
        _model,
        {**HUB_STAFF, Role.DISTRICT: _their_villages, Role.KECAMATAN: _their_villages},
    )

# --- which sessions an actor may book people into ------------------------------------


def _unreserved() -> Any:
    return RecordingSession.rt.is_(None) & RecordingSession.employer_id.is_(None)


def _reserved_for_rt(rw: Any, rt: Any) -> Any:
    return (RecordingSession.rw == rw) & (RecordingSession.rt == rt)


def bookable_by_rt_head(actor: Actor) -> Any:
    """Open sessions, and those reserved for the head's own RT."""
    principal = actor.principal
    return _unreserved() | _reserved_for_rt(principal.rw, principal.rt)  # type: ignore[union-attr]


def bookable_by_employer(actor: Actor) -> Any:
    """Open sessions, and those reserved for this employer."""
    employer_id = actor.principal.employer_id  # type: ignore[union-attr]
    return _unreserved() | (RecordingSession.employer_id == employer_id)


def bookable_by_resident(actor: Actor) -> Any:
    """Open sessions, those of the resident's RT and of any employer they work for."""
    principal = actor.principal
    employers = select(Employee.employer_id).where(
        Employee.resident_id == actor.id, Employee.confirmed_at.is_not(None)
    )
    return (
        _unreserved()
        | _reserved_for_rt(principal.rw, principal.rt)  # type: ignore[union-attr]
        | RecordingSession.employer_id.in_(employers)
    )


scopes.register(
    RecordingSession,
    {
        **VILLAGE_STAFF,
        Role.HEAD: everything,
        Role.RT: bookable_by_rt_head,
        Role.EMPLOYER: bookable_by_employer,
        Role.RESIDENT: bookable_by_resident,
    },
    purpose="book",
)

scopes.register(
    Employee,
    {
        **VILLAGE_STAFF,
        Role.EMPLOYER: lambda actor: Match(employer_id=actor.principal.employer_id),
        Role.RESIDENT: own("resident_id"),
    },
)
