"""One person in two villages: a NIK the hub holds from more than one village.

Two kinds, each listed with every village that holds the NIK:

- **duplicate**: active in two or more villages. Registered twice, or moved with
  the move recorded on one side only: one of the villages must correct it.
- **move**: active in one village and moved out of the others: the move-out in A
  and the move-in in B, matched. Nothing to correct; shown so the kecamatan sees
  the person arrived.

Temporary NIKs are left out: they are the village's own numbers and mean nothing
across villages. One GROUP BY over `ix_hub_residents_nik`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select

from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.extensions import db
from desa.hub.models import HubResident, HubVillage

DUPLICATE, MOVE = "duplicate", "move"


@dataclass
class Holder:
    village_code: str
    village_name: str
    local_id: int
    name: str
    birth_date: dt.date | None
    life_status: str


@dataclass
class Crossing:
    nik: str
    kind: str
    holders: list[Holder] = field(default_factory=list)


def crossings(actor: Actor) -> list[Crossing]:
    """Every NIK held by more than one village, where one of them is a village
    the actor sees, by NIK. A holder in a village the actor does not see (another
    kecamatan's) is listed by its village only, without the person's details."""
    t = HubResident
    seen_ids = scopes.ids(actor, HubVillage)
    mine = set(db.session.scalars(seen_ids))
    listed = t.life_status.in_(("active", "moved"))
    shared = (
        select(t.nik)
        .where(t.nik_temporary.is_(False), listed)
        .group_by(t.nik)
        .having(func.count(distinct(t.village_id)) > 1)
    )
    ours = select(t.nik).where(t.village_id.in_(seen_ids), listed)
    rows = db.session.execute(
        select(
            t.nik,
            HubVillage.id,
            HubVillage.code,
            HubVillage.name,
            t.local_id,
            t.name,
            t.birth_date,
            t.life_status,
        )
        .join(HubVillage, HubVillage.id == t.village_id)
        .where(t.nik.in_(shared), t.nik.in_(ours), listed)
        .order_by(t.nik, HubVillage.code, t.local_id)
    )
    out: list[Crossing] = []
    for nik, village_id, code, village, local_id, name, born, life in rows:
        if not out or out[-1].nik != nik:
            out.append(Crossing(nik, DUPLICATE))
        if village_id in mine:
            out[-1].holders.append(Holder(code, village, local_id, name, born, life))
        else:
            out[-1].holders.append(Holder(code, village, 0, "—", None, life))
    for crossing in out:
        active = sum(h.life_status == "active" for h in crossing.holders)
        crossing.kind = DUPLICATE if active > 1 else MOVE
    return [c for c in out if any(h.life_status == "active" for h in c.holders)]


def summary(found: list[Crossing]) -> dict[str, Any]:
    """How many of each kind."""
    return {
        DUPLICATE: sum(c.kind == DUPLICATE for c in found),
        MOVE: sum(c.kind == MOVE for c in found),
    }
