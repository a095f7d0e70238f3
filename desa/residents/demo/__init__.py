"""Demo residents: a believable Desa Merubung (Tekarang, Sambas, West Kalimantan).

`build_rows` is pure and deterministic for a seed: it makes the resident rows of
about one family per 3.3 people, with valid NIKs and KK numbers, a rural age
pyramid, Sambas Malay names (and a few Chinese-Indonesian and Dayak families),
and the e-KTP picture of a border village: most adults recorded, a group recorded
without a printed card (the blank-card shortage), and the rest still pending.
`populate` inserts those rows with Core inserts and never commits.

The village itself (names, dusun and lanes, kecamatan, and every weighted table) is
data in `data/*.json`, read once by `tables`; `people` draws one person's
attributes and `village` runs the generation.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from desa.extensions import db
from desa.residents.demo.tables import EMPLOYERS
from desa.residents.demo.village import Builder
from desa.residents.models import RECORDED_CODES, Resident, ResidentChange

__all__ = ["EMPLOYERS", "DemoResult", "build_rows", "populate"]

INSERT_CHUNK = 5000


@dataclass
class DemoResult:
    """Who is who in the demo village, for `desa demo` to make accounts with."""

    rt_head_area: tuple[str, str]
    employers: list[str]
    head_name: str
    self_service_resident_id: int


def build_rows(
    count: int, seed: int, today: dt.date, village_code: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Resident rows for a Core insert (keys are Resident columns) and their meta.

    Pure and deterministic for (count, seed, today, village_code). The meta holds
    `rt_head_area` (rw, rt), `employers`, `head_nik`, `head_name` and
    `self_service_nik`.
    """
    if count < 2:
        raise ValueError("count must be at least 2")
    # Hundreds of thousands of new dicts that all live on would make the cyclic
    # garbage collector rescan them over and over; none of them form cycles.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # Seeded on purpose: the same demo village every time, not a secret.
        rng = random.Random(seed)  # nosec B311
        return Builder(rng, today, village_code).build(count)
    finally:
        if gc_was_enabled:
            gc.enable()


def populate(count: int, seed: int, today: dt.date, village_code: str) -> DemoResult:
    """Inserts `build_rows()` in chunks, flushes, and says who is who. Never commits."""
    rows, meta = build_rows(count, seed, today, village_code)
    table = Resident.__table__
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(insert(table), rows[start : start + INSERT_CHUNK])
    db.session.flush()
    _recording_history(seed, today)
    resident_id = db.session.scalar(
        select(Resident.id).where(Resident.nik == meta["self_service_nik"])
    )
    if resident_id is None:  # pragma: no cover - the rows were just inserted
        raise RuntimeError("demo resident not found after insert")
    return DemoResult(
        rt_head_area=meta["rt_head_area"],
        employers=list(meta["employers"]),
        head_name=meta["head_name"],
        self_service_resident_id=resident_id,
    )


HISTORY_DAYS = 330  # about the eleven months before today


def _recording_history(seed: int, today: dt.date) -> None:
    """e-KTP history for about a third of the recorded residents, over past months.

    The figures' monthly chart counts changes from "not recorded" to "recorded";
    without these rows a fresh demo village would show an empty chart.
    """
    rng = random.Random(seed + 1)  # nosec B311 - demo data, not security
    recorded = db.session.execute(
        select(Resident.id, Resident.ektp_status)
        .where(Resident.ektp_status.in_([int(c) for c in RECORDED_CODES]))
        .order_by(Resident.id)
    ).all()
    rows = []
    for resident_id, status in recorded:
        if rng.random() >= 0.35:
            continue
        day = today - dt.timedelta(days=rng.randint(1, HISTORY_DAYS))
        rows.append(
            {
                "resident_id": resident_id,
                "changed_at": dt.datetime.combine(day, dt.time(3, 0)),
                "changed_by": "Operator Desa",
                "field": "ektp_status",
                "before": "2",
                "after": str(int(status)),
                "reason": "hasil perekaman dari Disdukcapil (data contoh)",
            }
        )
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(
            insert(ResidentChange.__table__), rows[start : start + INSERT_CHUNK]
        )
