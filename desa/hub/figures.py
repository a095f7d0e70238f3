"""Table 1, live: the recording figures per kecamatan and per desa of the hub's
kabupaten, with the definitions of the village figures (CONTRACT §4, §9).

A village's row counts its residents as its last applied bundle had them: active
citizens who are wajib KTP on the date (17 or older, or married or ever married),
recorded when their e-KTP status says so, printed likewise. So no row can pass
100 %: the dead and the moved are not in the denominator, and each village's
count is its own register, not a projection. One GROUP BY per village over the
covering index `ix_hub_residents_figures`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from desa.auth.actor import Actor
from desa.auth.scope import EVERYTHING, scopes
from desa.core.village import to_village
from desa.exports.figures import area_key, with_shares
from desa.extensions import db
from desa.hub.models import HubResident, HubVillage
from desa.residents.models import PRINTED_CODES, RECORDED_CODES
from desa.residents.rules import WAJIB_AGE, years_before

LEVELS = ("kecamatan", "desa")
# A village whose last bundle is older than this is marked stale.
STALE_AFTER = dt.timedelta(days=7)


def wajib_clause(day: dt.date) -> Any:
    """Active citizens who are wajib KTP on `day` (rules.wajib_clause, at the hub)."""
    t = HubResident
    return and_(
        t.life_status == "active",
        t.citizenship == "WNI",
        or_(
            and_(t.marital_status.is_not(None), t.marital_status != "BELUM KAWIN"),
            t.birth_date <= years_before(day, WAJIB_AGE),
        ),
    )


def villages_in_scope(actor: Actor, kecamatan: str | None = None) -> Any:
    """The villages the actor sees (a kecamatan's token: its own), in code order."""
    stmt = scopes.select(actor, HubVillage)
    if kecamatan:
        stmt = stmt.where(HubVillage.kecamatan_code == kecamatan)
    return stmt.order_by(HubVillage.code)


def _counts_by_village(day: dt.date, village_ids: list[int] | None) -> dict:
    t = HubResident
    stmt = (
        select(
            t.village_id,
            func.count(),
            func.sum(case((t.ektp_status.in_(sorted(RECORDED_CODES)), 1), else_=0)),
            func.sum(case((t.ektp_status.in_(sorted(PRINTED_CODES)), 1), else_=0)),
        )
        .where(wajib_clause(day))
        .group_by(t.village_id)
    )
    if village_ids is not None:
        stmt = stmt.where(t.village_id.in_(village_ids))
    return {
        vid: {"wajib": w, "recorded": int(r or 0), "printed": int(p or 0)}
        for vid, w, r, p in db.session.execute(stmt)
    }


def last_sync_text(value: dt.datetime | None) -> str | None:
    """A stored last-applied time as the API gives it (ISO, the hub's zone)."""
    return to_village(value).isoformat(timespec="seconds") if value else None


def table(
    actor: Actor,
    as_of: dt.date,
    level: str = "kecamatan",
    kecamatan: str | None = None,
) -> dict[str, Any]:
    """Table 1 as the API gives it: rows per kecamatan or per desa (of one
    kecamatan when `kecamatan` is given), in Kemendagri code order, and the total."""
    villages = list(db.session.scalars(villages_in_scope(actor, kecamatan)))
    # Only the villages asked for are counted: a kecamatan's token (or a
    # ?kecamatan=) reads its own residents, not the kabupaten's.
    whole = kecamatan is None and scopes.rule(actor, HubVillage) is EVERYTHING
    counted = _counts_by_village(as_of, None if whole else [v.id for v in villages])
    zero = {"wajib": 0, "recorded": 0, "printed": 0}
    rows: dict[str, dict[str, Any]] = {}
    for village in villages:
        counts = counted.get(village.id, zero)
        if level == "desa":
            code, name = village.code, village.name
        else:
            code, name = village.kecamatan_code, village.kecamatan_name
        row = rows.setdefault(
            code,
            {"code": code, "name": name, **zero, "synced": [], "villages": 0},
        )
        for key in zero:
            row[key] += counts[key]
        row["villages"] += 1
        row["synced"].append(village.last_applied_at)
    out_rows = []
    for code in sorted(rows):
        row = rows[code]
        synced = row.pop("synced")
        row.pop("villages")
        # A kecamatan is as fresh as its stalest village (None: one never synced).
        row["last_sync"] = None if None in synced else last_sync_text(min(synced))
        out_rows.append(with_shares(row))
    total = {k: sum(r[k] for r in out_rows) for k in zero}
    return {"as_of": as_of.isoformat(), "rows": out_rows, "total": with_shares(total)}


def village_table(
    actor: Actor, village: HubVillage, as_of: dt.date, level: str = "rt"
) -> dict[str, Any]:
    """One village's figures per dusun, RW or RT, as its last bundle had them:
    the village's own table (CONTRACT §4), read at the hub."""
    t = HubResident
    keys = {"dusun": [t.dusun], "rw": [t.dusun, t.rw], "rt": [t.dusun, t.rw, t.rt]}
    columns = keys[level]
    stmt = (
        select(
            *columns,
            func.count(),
            func.sum(case((t.ektp_status.in_(sorted(RECORDED_CODES)), 1), else_=0)),
            func.sum(case((t.ektp_status.in_(sorted(PRINTED_CODES)), 1), else_=0)),
        )
        .where(t.village_id == village.id, wajib_clause(as_of))
        .group_by(*columns)
    )
    rows = []
    for found in db.session.execute(stmt):
        area = dict(zip(("dusun", "rw", "rt"), found[: len(columns)], strict=False))
        area.setdefault("rw", None)
        area.setdefault("rt", None)
        wajib, recorded, printed = found[len(columns) :]
        counts = {"wajib": wajib, "recorded": int(recorded or 0)}
        rows.append({**area, **counts, "printed": int(printed or 0)})
    rows.sort(key=area_key)
    total = {k: sum(r[k] for r in rows) for k in ("wajib", "recorded", "printed")}
    return {
        "as_of": as_of.isoformat(),
        "rows": [with_shares(r) for r in rows],
        "total": with_shares(total),
    }


def is_stale(last_sync: str | None, now: dt.datetime) -> bool:
    """Whether a row's last sync is missing or older than STALE_AFTER at `now`."""
    if last_sync is None:
        return True
    return now - dt.datetime.fromisoformat(last_sync) > STALE_AFTER
