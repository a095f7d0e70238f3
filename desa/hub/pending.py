"""The pending list at the hub: every village's residents who are wajib KTP and
not recorded yet, in CONTRACT §7's columns (the district API served from the
hub), the villages the actor sees only. The village columns (KODE_DESA,
NAMA_DESA, KECAMATAN) are each resident's own village; JADWAL_REKAM stays empty,
as the hub does not hold the villages' bookings person by person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, null, or_, select

from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.pages import Cursor, Key, Page, keyset_page
from desa.exports.pending import COLUMNS, Place, cell_maker
from desa.extensions import db
from desa.hub.figures import wajib_clause
from desa.hub.models import HubResident, HubVillage

_T = HubResident
# In Kemendagri order of the villages, then as a village's own list.
PENDING_KEY = Key((HubVillage.code, _T.rw, _T.rt, _T.name, _T.id))


def _where(actor: Actor) -> list[Any]:
    return [
        _T.village_id.in_(scopes.ids(actor, HubVillage)),
        wajib_clause(actor.today),
        or_(_T.ektp_status.is_(None), _T.ektp_status.in_((1, 2))),
    ]


def pending_count(actor: Actor) -> int:
    """How many residents the actor's kabupaten (or kecamatan) list holds."""
    return (
        db.session.scalar(select(func.count()).select_from(_T).where(*_where(actor)))
        or 0
    )


def page(
    actor: Actor,
    page_no: int,
    per_page: int,
    *,
    cursor: Cursor | None = None,
    context: str = "",
    now: int = 0,
) -> Page:
    """One page of the hub's pending list, items keyed by the section 7 columns."""
    stmt = (
        select(
            _T.id,
            _T.nik,
            _T.kk,
            _T.name,
            _T.sex,
            _T.birth_place,
            _T.birth_date,
            _T.address,
            _T.rt,
            _T.rw,
            _T.dusun,
            _T.ektp_status,
            null().label("booked"),
            _T.village_id,
            HubVillage.code,
        )
        .join(HubVillage, HubVillage.id == _T.village_id)
        .where(*_where(actor))
    )
    found = keyset_page(
        stmt,
        PENDING_KEY,
        per_page=per_page,
        context=context,
        page=page_no,
        cursor=cursor,
        now=now,
        fetch=lambda s: list(db.session.execute(s)),
        counter=lambda: pending_count(actor),
    )
    villages = {
        v.id: v
        for v in db.session.scalars(
            select(HubVillage).where(
                HubVillage.id.in_({row.village_id for row in found.items})
            )
        )
    }
    makers: dict[int, Any] = {}
    items = []
    for i, row in enumerate(found.items, start=1):
        maker = makers.get(row.village_id)
        if maker is None:
            v = villages[row.village_id]
            name = v.name.removeprefix("Desa ").upper()
            place = Place(v.code, name, v.kecamatan_name.upper())
            maker = makers[row.village_id] = cell_maker(actor.today, place)
        items.append(dict(zip(COLUMNS, maker(row[:13], found.offset + i), strict=True)))
    found.items = items
    return found
