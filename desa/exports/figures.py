"""The district's table of e-KTP figures per dusun/RW/RT (CONTRACT §4), and the
recordings per month read from the residents' history.

Only active residents who are wajib KTP on the date count: the dead and the moved
no longer weigh on "not recorded". One GROUP BY over a covering index
(`ix_residents_figures`) answers an RT or the whole village.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.village import get_village, village_zone
from desa.extensions import db
from desa.residents.models import (
    PRINTED_CODES,
    RECORDED_CODES,
    EktpStatus,
    LifeStatus,
    Resident,
    ResidentChange,
)
from desa.residents.rules import wajib_clause

LEVELS = ("rt", "rw", "dusun")
COUNTS = ("wajib", "recorded", "not_recorded", "printed")
_RECORDED = tuple(sorted(RECORDED_CODES))
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def pct(part: int, whole: int) -> float:
    """`part` as a percentage of `whole`, two decimals (half up); 0 when whole is 0."""
    if not whole:
        return 0.0
    return float(
        (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_CENT, ROUND_HALF_UP)
    )


def _with_shares(counts: dict[str, Any]) -> dict[str, Any]:
    wajib, recorded, printed = counts["wajib"], counts["recorded"], counts["printed"]
    not_recorded = wajib - recorded
    return {
        **{k: v for k, v in counts.items() if k not in COUNTS},
        "wajib": wajib,
        "recorded": recorded,
        "recorded_pct": pct(recorded, wajib),
        "not_recorded": not_recorded,
        "not_recorded_pct": pct(not_recorded, wajib),
        "printed": printed,
        "printed_pct": pct(printed, recorded),
    }


def in_scope(stmt: Any, actor: Actor) -> Any:
    """Only the residents the actor sees are counted (an RT head: own RT)."""
    return scopes.restrict(stmt, actor, Resident)


def _area_key(row: dict[str, Any]) -> tuple:
    return tuple((row[k] is None, row[k] or "") for k in ("dusun", "rw", "rt"))


def figures(actor: Actor, as_of: dt.date, level: str = "rt") -> dict[str, Any]:
    """`{"as_of", "rows": [...], "total": {...}}` per RT (or per RW / dusun)."""
    # Grouped in index order, statuses included, and only counted: the shares of
    # each status are added up here, which costs the database less than CASEs.
    stmt = (
        select(
            Resident.rw, Resident.rt, Resident.dusun, Resident.ektp_status, func.count()
        )
        .where(Resident.life_status == LifeStatus.ACTIVE, wajib_clause(as_of))
        .group_by(Resident.rw, Resident.rt, Resident.dusun, Resident.ektp_status)
    )
    grouped: dict[tuple, dict[str, Any]] = {}
    for rw, rt, dusun, status, count in db.session.execute(in_scope(stmt, actor)):
        area = {
            "dusun": dusun,
            "rw": rw if level in ("rt", "rw") else None,
            "rt": rt if level == "rt" else None,
        }
        key = (area["dusun"], area["rw"], area["rt"])
        row = grouped.setdefault(key, {**area, "wajib": 0, "recorded": 0, "printed": 0})
        row["wajib"] += count
        if status in RECORDED_CODES:
            row["recorded"] += count
        if status in PRINTED_CODES:
            row["printed"] += count
    rows = sorted(grouped.values(), key=_area_key)
    total = {k: sum(r[k] for r in rows) for k in ("wajib", "recorded", "printed")}
    return {
        "as_of": as_of.isoformat(),
        "rows": [_with_shares(r) for r in rows],
        "total": _with_shares(total),
    }


def month_starts(as_of: dt.date, months: int) -> list[dt.date]:
    """The first day of each of the `months` months ending with as_of's month."""
    year, month = as_of.year, as_of.month
    out = []
    for _month in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def recordings_per_month(
    actor: Actor, as_of: dt.date, months: int = 12
) -> list[dict[str, Any]]:
    """Residents whose status went from not recorded to recorded, per village month.

    Read from the history: a change of `ektp_status` from empty, 1 or 2 to 3–8.
    """
    starts = month_starts(as_of, months)
    zone = village_zone(get_village())
    # History times are naive UTC; a month is counted in the village's time zone.
    first = dt.datetime.combine(starts[0], dt.time(), zone).astimezone(dt.UTC)
    end_day = as_of + dt.timedelta(days=1)
    last = dt.datetime.combine(end_day, dt.time(), zone).astimezone(dt.UTC)
    stmt = (
        select(ResidentChange.changed_at)
        .join(Resident, Resident.id == ResidentChange.resident_id)
        .where(
            ResidentChange.field == "ektp_status",
            ResidentChange.after.in_([str(c) for c in _RECORDED]),
            ResidentChange.before.is_(None)
            | ResidentChange.before.in_(
                (str(EktpStatus.BELUM_WAJIB), str(EktpStatus.BELUM_REKAM), "")
            ),
            ResidentChange.changed_at >= first.replace(tzinfo=None),
            ResidentChange.changed_at < last.replace(tzinfo=None),
        )
    )
    counts: Counter[tuple[int, int]] = Counter()
    for (changed_at,) in db.session.execute(in_scope(stmt, actor)):
        local = changed_at.replace(tzinfo=dt.UTC).astimezone(zone)
        counts[(local.year, local.month)] += 1
    return [
        {
            "month": f"{s.year:04d}-{s.month:02d}",
            "year": s.year,
            "month_no": s.month,
            "recorded": counts[(s.year, s.month)],
        }
        for s in starts
    ]


def area_label(row: dict[str, Any]) -> str:
    """`Dusun X · RW 001 · RT 002`, as far as the row goes."""
    parts = []
    if row.get("dusun"):
        parts.append(_("Dusun %(d)s", d=row["dusun"]))
    elif "dusun" in row:
        parts.append(_("Tanpa dusun"))
    if row.get("rw"):
        parts.append(f"RW {row['rw']}")
    if row.get("rt"):
        parts.append(f"RT {row['rt']}")
    return " · ".join(parts)
