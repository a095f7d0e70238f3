"""Letter numbers: a counter row per scope and year, bumped in the issuing transaction.

The number is never `MAX()+1`: `INSERT … ON CONFLICT DO UPDATE SET last = last + 1
RETURNING last` takes the row's write lock (PostgreSQL) or runs inside the
BEGIN IMMEDIATE transaction (SQLite), so concurrent issuers queue up and every
committed letter gets the next number; a rolled-back issue gives its number back.

Pattern placeholders: `{code}` the type's code, `{seq}` the sequence (`{seq:03}`
pads to three digits), `{village}` the last four digits of the village's
Kemendagri code (`2002` for 61.01.12.2002: short, stable, and unique within its
kecamatan), `{village_code}` the whole code, `{month_roman}` (XI), `{month}` (11),
`{year}` (2026).
"""

from __future__ import annotations

import datetime as dt
import string

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from desa.core.db import insert_ignore
from desa.core.errors import ValidationError
from desa.core.formatting import month_roman
from desa.extensions import db
from desa.letters.models import LetterCounter

PLACEHOLDERS = (
    "code",
    "seq",
    "village",
    "village_code",
    "month_roman",
    "month",
    "year",
)
REQUIRED = ("code", "seq", "year")
_FORMATTER = string.Formatter()


def check_pattern(pattern: str) -> None:
    """Refuses a pattern with unknown placeholders or without code, sequence and year."""
    try:
        parts = list(_FORMATTER.parse(pattern or ""))
    except ValueError:
        parts = None
    names = [p[1] for p in parts or [] if p[1] is not None]
    problem = None
    if parts is None:
        problem = _("Kurung kurawal pada pola nomor tidak seimbang.")
    elif unknown := [n for n in names if n not in PLACEHOLDERS]:
        problem = _("Isian tidak dikenal pada pola nomor: %(n)s.", n=", ".join(unknown))
    elif missing := [n for n in REQUIRED if n not in names]:
        problem = _(
            "Pola nomor harus memuat {code}, {seq} dan {year}; belum ada: %(n)s.",
            n=", ".join("{" + n + "}" for n in missing),
        )
    elif any(p[2] and p[1] != "seq" for p in parts if p[1]):
        problem = _("Hanya {seq} yang boleh diberi format (mis. {seq:03}).")
    else:
        try:
            format_number(pattern, "X", 1, "61.01.12.2002", dt.date(2026, 1, 1))
        except (ValueError, KeyError, IndexError):
            problem = _("Format {seq} tidak sah; contoh yang benar: {seq:03}.")
    if problem:
        raise ValidationError(problem, fields={"number_pattern": [problem]})


def format_number(
    pattern: str, code: str, seq: int, village_code: str, on: dt.date
) -> str:
    """The number for sequence `seq` issued on `on`."""
    return pattern.format(
        code=code,
        seq=seq,
        village=village_code.replace(".", "")[-4:],
        village_code=village_code,
        month_roman=month_roman(on.month),
        month=f"{on.month:02d}",
        year=on.year,
    )


def counter_scope(type_id: int, shared: bool) -> int:
    """The counter a type draws from: its own, or 0 when the village shares one."""
    return 0 if shared else type_id


def allocate(scope: int, year: int) -> int:
    """The next sequence number of `scope` in `year`; call inside the issuing transaction.

    One upsert: the year's first letter creates the counter at 1, every later one
    bumps it under the row's lock (two first letters at once: the second waits on
    the key, then bumps).
    """
    dialect = db.session.get_bind().dialect.name
    counters = LetterCounter.__table__
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(counters)
    return db.session.execute(
        insert.values(scope=scope, year=year, last=1)
        .on_conflict_do_update(
            index_elements=[counters.c.scope, counters.c.year],
            set_={"last": counters.c.last + 1},
        )
        .returning(counters.c.last)
    ).scalar_one()


def align_counters(year: int, type_ids: list[int], shared: bool) -> None:
    """Moves counters past each other when the village switches sequence mode.

    Switching mid-year must not hand out a number already used under the other
    mode, so the new counters start after the highest one used this year.
    """
    dialect = db.session.get_bind().dialect.name
    scopes = [0] if shared else list(type_ids)
    high = db.session.scalar(
        select(LetterCounter.last)
        .where(LetterCounter.year == year)
        .order_by(LetterCounter.last.desc())
        .limit(1)
    )
    if not high:
        return
    for scope in scopes:
        db.session.execute(
            insert_ignore(LetterCounter.__table__, dialect).values(
                scope=scope, year=year, last=0
            )
        )
        db.session.execute(
            update(LetterCounter)
            .where(
                LetterCounter.scope == scope,
                LetterCounter.year == year,
                LetterCounter.last < high,
            )
            .values(last=high)
        )
