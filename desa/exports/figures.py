"""The district's table of e-KTP figures per dusun/RW/RT (CONTRACT §4), and the
recordings per month read from the residents' history.

Only active residents who are wajib KTP on the date count: the dead and the moved
no longer weigh on "not recorded". The counts come from `resident_tallies`, which
the database keeps by trigger (migration 0012): wajib is "married or ever married,
or born on or before the date 17 years back", so every tally of an earlier birth
year counts whole, and only the residents born in that boundary year are read
from the register (a short range of `ix_residents_birth`). A scope the tallies
cannot express (an employer's workers) is counted from the register itself, in
one GROUP BY over the covering index `ix_residents_figures`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, or_, select

from desa.auth.actor import Actor
from desa.auth.scope import EVERYTHING, NOTHING, Match, scopes
from desa.core.village import get_village, village_zone
from desa.exports.models import (
    UNKNOWN_STATUS,
    UNKNOWN_TEXT,
    ResidentTally,
)
from desa.extensions import db
from desa.residents.models import (
    PRINTED_CODES,
    RECORDED_CODES,
    EktpStatus,
    LifeStatus,
    Resident,
    ResidentChange,
    ResidentEvent,
)
from desa.residents.rules import WAJIB_AGE, is_wajib_ktp, wajib_clause, years_before

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


def with_shares(counts: dict[str, Any]) -> dict[str, Any]:
    """Counts with their shares, as CONTRACT §4 gives them (printed: of recorded)."""
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


def area_key(row: dict[str, Any]) -> tuple:
    """The table's order: dusun, RW, RT, the unknown last."""
    return tuple((row[k] is None, row[k] or "") for k in ("dusun", "rw", "rt"))


def _day_end_utc(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the village, as the naive UTC of history rows."""
    zone = village_zone(get_village())
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return end.astimezone(dt.UTC).replace(tzinfo=None)


# Fields whose history is replayed for a past date, and the events that move a
# resident's life status (dated by the event, not by when it was entered).
_REPLAYED = ("ektp_status", "marital_status")
_LIFE_EVENTS = ("death", "move_out", "move_in")


def _touched_since(as_of: dt.date) -> Any:
    """A select of the residents whose status, marital status or life changed after
    `as_of`: their figures are taken from the history, everyone else's from today."""
    cutoff = _day_end_utc(as_of)
    changed = select(ResidentChange.resident_id).where(
        ResidentChange.field.in_(_REPLAYED), ResidentChange.changed_at >= cutoff
    )
    moved = select(ResidentEvent.resident_id).where(
        ResidentEvent.type.in_(_LIFE_EVENTS), ResidentEvent.date > as_of
    )
    return changed.union(moved)


def states_on(actor: Actor, as_of: dt.date) -> list[tuple[Resident, SimpleNamespace]]:
    """The residents changed since `as_of` (in the actor's scope), each with how it
    was on that date: e-KTP and marital status from the earliest later change's
    `before`, life status from the earliest later life event."""
    cutoff = _day_end_utc(as_of)
    touched = _touched_since(as_of).subquery()
    people = db.session.scalars(
        in_scope(
            select(Resident).where(Resident.id.in_(select(touched.c.resident_id))),
            actor,
        )
    ).all()
    if not people:
        return []
    ids = [p.id for p in people]
    earlier: dict[tuple[int, str], str | None] = {}
    for resident_id, name, before in db.session.execute(
        select(ResidentChange.resident_id, ResidentChange.field, ResidentChange.before)
        .where(
            ResidentChange.resident_id.in_(ids),
            ResidentChange.field.in_(_REPLAYED),
            ResidentChange.changed_at >= cutoff,
        )
        .order_by(ResidentChange.changed_at.desc(), ResidentChange.id.desc())
    ):
        earlier[(resident_id, name)] = before  # the last one written is the earliest
    life: dict[int, str] = {}
    for resident_id, type_ in db.session.execute(
        select(ResidentEvent.resident_id, ResidentEvent.type)
        .where(
            ResidentEvent.resident_id.in_(ids),
            ResidentEvent.type.in_(_LIFE_EVENTS),
            ResidentEvent.date > as_of,
        )
        .order_by(ResidentEvent.date.desc(), ResidentEvent.id.desc())
    ):
        # Before a death or a move-out the person lived here; before a move-in not.
        life[resident_id] = (
            LifeStatus.MOVED if type_ == "move_in" else LifeStatus.ACTIVE
        )
    out = []
    for p in people:
        ektp = earlier.get((p.id, "ektp_status"), p.ektp_status)
        if isinstance(ektp, str):
            ektp = int(ektp) if ektp.isdigit() else None
        out.append(
            (
                p,
                SimpleNamespace(
                    rw=p.rw,
                    rt=p.rt,
                    dusun=p.dusun,
                    citizenship=p.citizenship,
                    birth_date=p.birth_date,
                    marital_status=earlier.get(
                        (p.id, "marital_status"), p.marital_status
                    ),
                    ektp_status=ektp,
                    life_status=life.get(p.id, p.life_status),
                ),
            )
        )
    return out


def tally_scope(actor: Actor) -> list[ColumnElement[bool]] | None:
    """The actor's scope as conditions on the tallies; None when it has no such form."""
    found = scopes.rule(actor, Resident)
    if found is EVERYTHING:
        return []
    if found is NOTHING:
        return [false()]
    if isinstance(found, Match) and set(found.values) <= {"dusun", "rw", "rt"}:
        return [
            getattr(ResidentTally, k) == (UNKNOWN_TEXT if v is None else v)
            for k, v in found.values.items()
        ]
    return None


def tallied_count(actor: Actor, **equal: Any) -> int | None:
    """How many residents in the actor's scope have these values (tally columns:
    dusun, rw, rt, life_status, ektp_status), summed from the tallies; None when
    the scope has no form there. One short read instead of PostgreSQL's count(*),
    which visits every row of a long list."""
    where = tally_scope(actor)
    if where is None:
        return None
    t = ResidentTally
    where += [getattr(t, name) == value for name, value in equal.items()]
    return db.session.scalar(select(func.coalesce(func.sum(t.n), 0)).where(*where))


def _active(*, whole_village: bool) -> ColumnElement[bool]:
    """`life_status = 'active'`, for the boundary year's query.

    For the whole village it is wrapped so that no index can seek on it: without
    statistics SQLite would take the figures index's two equalities over the
    birth date range (ix_residents_birth) and read every active citizen. An RT's
    query keeps it plain: then the figures index's four equalities (life status,
    citizenship, RW, RT) are the shortest way.
    """
    if whole_village:
        return func.coalesce(Resident.life_status, "") == LifeStatus.ACTIVE
    return Resident.life_status == LifeStatus.ACTIVE


def _tallied(actor: Actor, as_of: dt.date, where: list) -> list[tuple]:
    """(rw, rt, dusun, status, count) of everyone in scope who is active and wajib
    KTP on `as_of` by their values today: tallies, and the boundary birth year."""
    cutoff = years_before(as_of, WAJIB_AGE)
    t = ResidentTally
    whole = (
        select(t.rw, t.rt, t.dusun, t.ektp_status, func.sum(t.n))
        .where(
            t.life_status == LifeStatus.ACTIVE,
            t.citizenship == "WNI",
            t.n > 0,
            or_(t.married == 1, t.birth_year < cutoff.year),
            *where,
        )
        .group_by(t.rw, t.rt, t.dusun, t.ektp_status)
    )
    rows = [
        (rw or None, rt or None, dusun or None, None if s == UNKNOWN_STATUS else s, n)
        for rw, rt, dusun, s, n in db.session.execute(whole)
    ]
    # Unmarried and born in the cutoff's year, on or before it: by date.
    boundary = (
        select(
            Resident.rw, Resident.rt, Resident.dusun, Resident.ektp_status, func.count()
        )
        .where(
            Resident.birth_date >= dt.date(cutoff.year, 1, 1),
            Resident.birth_date <= cutoff,
            _active(whole_village=not where),
            Resident.citizenship == "WNI",
            Resident.marital_status.is_(None)
            | (Resident.marital_status == "BELUM KAWIN"),
        )
        .group_by(Resident.rw, Resident.rt, Resident.dusun, Resident.ektp_status)
    )
    rows.extend(db.session.execute(in_scope(boundary, actor)))
    return rows


def _counted_from_register(actor: Actor, as_of: dt.date) -> list[tuple]:
    """The same counts straight from the register, less those changed since."""
    touched = _touched_since(as_of).subquery()
    stmt = (
        select(
            Resident.rw, Resident.rt, Resident.dusun, Resident.ektp_status, func.count()
        )
        .where(
            Resident.life_status == LifeStatus.ACTIVE,
            wajib_clause(as_of),
            Resident.id.not_in(select(touched.c.resident_id)),
        )
        .group_by(Resident.rw, Resident.rt, Resident.dusun, Resident.ektp_status)
    )
    return list(db.session.execute(in_scope(stmt, actor)))


def _counts(state: Any, as_of: dt.date) -> bool:
    return state.life_status == LifeStatus.ACTIVE and is_wajib_ktp(state, as_of)


def figures(actor: Actor, as_of: dt.date, level: str = "rt") -> dict[str, Any]:
    """`{"as_of", "rows": [...], "total": {...}}` per RT (or per RW / dusun).

    Each resident counts as they were on `as_of`: those changed since are read
    from the history (states_on), the others as they are in the register.
    """
    where = tally_scope(actor)
    from_tallies = where is not None
    counted = (
        _tallied(actor, as_of, where)
        if from_tallies
        else _counted_from_register(actor, as_of)
    )
    for now, then in states_on(actor, as_of):
        if from_tallies and _counts(now, as_of):  # counted as they are today
            counted.append((now.rw, now.rt, now.dusun, now.ektp_status, -1))
        if _counts(then, as_of):
            counted.append((then.rw, then.rt, then.dusun, then.ektp_status, 1))
    grouped: dict[tuple, dict[str, Any]] = {}
    for rw, rt, dusun, status, count in counted:
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
    rows = sorted((r for r in grouped.values() if r["wajib"]), key=area_key)
    total = {k: sum(r[k] for r in rows) for k in ("wajib", "recorded", "printed")}
    return {
        "as_of": as_of.isoformat(),
        "rows": [with_shares(r) for r in rows],
        "total": with_shares(total),
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
