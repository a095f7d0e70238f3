"""Cards after recording, at the hub: the print queue in recording order against
each kecamatan's blank cards, printing (the district's status "card printed",
which travels back to the village), and the figures recorded → printed →
collected per kecamatan and per desa.

A card is collected when the village hands it over (status 8, set in the
village and sent up in its bundle). Services: they never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.campaign.models import CardStock
from desa.core.db import database_utcnow
from desa.core.errors import Conflict, ValidationError
from desa.core.numbers import whole_number
from desa.extensions import db
from desa.hub.figures import wajib_clause
from desa.hub.models import HubResident, HubVillage, StatusSource
from desa.residents.models import PRINTED_CODES, RECORDED_CODES, EktpStatus

# Recorded, and the card not printed yet: the print queue.
WAITING = (
    EktpStatus.SUDAH_REKAM,
    EktpStatus.PRINT_READY_RECORD,
    EktpStatus.SENT_FOR_CARD_PRINTING,
)
COLLECTED = EktpStatus.CARD_ISSUED
MAX_PRINT = 5000


def _in(values) -> list[int]:
    return sorted(int(v) for v in values)


def figures(actor: Actor, kecamatan: str | None = None) -> dict[str, Any]:
    """Per kecamatan (or per desa of one kecamatan): recorded, printed, collected,
    waiting to print, blanks held, and blanks short. Active residents only."""
    t, v = HubResident, HubVillage
    by_desa = kecamatan is not None
    key = v.code if by_desa else v.kecamatan_code
    name = v.name if by_desa else v.kecamatan_name

    def count(codes, *also) -> Any:
        return func.sum(case((and_(t.ektp_status.in_(_in(codes)), *also), 1), else_=0))

    stmt = (
        select(
            key,
            name,
            count(RECORDED_CODES),
            count(PRINTED_CODES),
            count([COLLECTED]),
            # Recorded at 16, a card is printed at 17 (or once married).
            count(WAITING, wajib_clause(actor.today)),
        )
        .join(v, v.id == t.village_id)
        .where(
            t.village_id.in_(scopes.ids(actor, HubVillage)), t.life_status == "active"
        )
        .group_by(key, name)
        .order_by(key)
    )
    if by_desa:
        stmt = stmt.where(v.kecamatan_code == kecamatan)
    stock = {c.kecamatan_code: c.blanks for c in db.session.scalars(select(CardStock))}
    rows = []
    for code, label, recorded, printed, collected, waiting in db.session.execute(stmt):
        row = {
            "code": code,
            "name": label,
            "recorded": int(recorded or 0),
            "printed": int(printed or 0),
            "collected": int(collected or 0),
            "waiting": int(waiting or 0),
        }
        if not by_desa:
            row["blanks"] = stock.get(code)
            row["short"] = max(0, row["waiting"] - (row["blanks"] or 0))
        rows.append(row)
    total = {
        k: sum(r[k] for r in rows)
        for k in ("recorded", "printed", "collected", "waiting")
    }
    if not by_desa:
        total["blanks"] = sum(r["blanks"] or 0 for r in rows)
        total["short"] = sum(r["short"] for r in rows)
    return {"rows": rows, "total": total, "by_desa": by_desa}


@dataclass(frozen=True)
class QueueRow:
    id: int
    village: str
    name: str
    nik: str
    recorded_at: dt.datetime | None
    printable: bool


def _queue(actor: Actor, kecamatan: str):
    t, v = HubResident, HubVillage
    return (
        select(t.id, v.name, t.name, t.nik, t.ektp_status_at)
        .join(v, v.id == t.village_id)
        .where(
            t.village_id.in_(scopes.ids(actor, HubVillage)),
            v.kecamatan_code == kecamatan,
            t.life_status == "active",
            t.ektp_status.in_(_in(WAITING)),
            wajib_clause(actor.today),  # a card is printed at 17 (or once married)
        )
        # The longest waiting first; a status without a time last (not known).
        .order_by(t.ektp_status_at.is_(None), t.ektp_status_at, t.id)
    )


def print_queue(
    actor: Actor, kecamatan: str, limit: int = 200
) -> tuple[list[QueueRow], int]:
    """The first `limit` of a kecamatan's print queue, each marked printable while
    the blanks last; and how many wait in all."""
    blanks = _blanks(kecamatan)
    rows = []
    for n, (rid, village, name, nik, at) in enumerate(
        db.session.execute(_queue(actor, kecamatan).limit(limit)), start=1
    ):
        rows.append(QueueRow(rid, village, name, nik, at, n <= blanks))
    waiting = db.session.scalar(
        select(func.count()).select_from(_queue(actor, kecamatan).subquery())
    )
    return rows, int(waiting or 0)


def _blanks(kecamatan: str) -> int:
    found = db.session.get(CardStock, kecamatan)
    return found.blanks if found else 0


def mark_printed(actor: Actor, kecamatan: str, count: Any) -> int:
    """Prints the first `count` of the kecamatan's queue: their status becomes
    "card printed" (the district's, sent back to each village) and as many blanks
    are taken from the stock, in one transaction. Two operators at once cannot
    print the same person twice or take a blank that is not there: the stock is
    taken by a conditional UPDATE and each status only from a waiting one."""
    wanted = whole_number(count, 1, MAX_PRINT)
    if wanted is None:
        raise ValidationError(
            _("Jumlah kartu harus 1 sampai %(n)d.", n=MAX_PRINT), field="count"
        )
    # The stock row is held until the commit (PostgreSQL; SQLite's write lock is
    # already held), so a second print waits and then sees what the first took.
    held = db.session.scalar(
        select(CardStock).where(CardStock.kecamatan_code == kecamatan).with_for_update()
    )
    blanks = held.blanks if held else 0
    if wanted > blanks:
        raise Conflict(
            _(
                "Blangko di kecamatan ini tinggal %(b)d; tidak cukup untuk %(n)d kartu.",
                b=blanks,
                n=wanted,
            ),
            code="no_blanks",
            field="count",
        )
    ids = list(
        db.session.scalars(
            select(_queue(actor, kecamatan).subquery().c.id).limit(wanted)
        )
    )
    if not ids:
        raise Conflict(
            _("Tidak ada yang menunggu cetak di kecamatan ini."), code="empty_queue"
        )
    done = (
        db.session.execute(
            update(HubResident)
            .where(HubResident.id.in_(ids), HubResident.ektp_status.in_(_in(WAITING)))
            .values(
                ektp_status=EktpStatus.CARD_PRINTED,
                ektp_status_at=database_utcnow(),
                ektp_source=StatusSource.DISTRICT,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    if not done:
        raise Conflict(
            _("Kartu-kartu ini baru saja dicetak petugas lain; muat ulang halaman."),
            code="already_printed",
        )
    taken = db.session.execute(
        update(CardStock)
        .where(CardStock.kecamatan_code == kecamatan, CardStock.blanks >= done)
        .values(
            blanks=CardStock.blanks - done,
            updated_at=actor.utcnow,
            updated_by=actor.display_name[:120],
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise Conflict(
            _("Blangko berubah saat dicetak; muat ulang halaman dan coba lagi."),
            code="no_blanks",
        )
    audit.record(
        actor,
        "campaign.cards_printed",
        object_type="kecamatan",
        object_id=kecamatan,
        detail=f"{done} kartu dicetak, blangko {blanks} → {blanks - done}",
    )
    return done
