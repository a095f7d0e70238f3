"""The district's recording results, sent to the hub (the district API served
from the hub, or a results file): each NIK's status is set where the hub holds
that person as active, as the district's, and travels back to the village in its
return bundle (desa/hub/services.py `write_return`).

The same file and JSON as a village takes (CONTRACT §4, §7), read by the same
parser; the same rule that a status is not taken back a stage unless confirmed.
"""

from __future__ import annotations

from sqlalchemy import select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.db import database_utcnow
from desa.core.formatting import mask_nik
from desa.exports.results import ParsedResults, ResultsSummary, lowers
from desa.extensions import db
from desa.hub import services
from desa.hub.models import HubResident, HubVillage, StatusSource

_CHUNK = 500


def apply_results(
    actor: Actor,
    parsed: ParsedResults,
    *,
    source: str,
    file_name: str | None = None,
    confirm_lowered: bool = False,
) -> ResultsSummary:
    """Sets the district's status of every active resident with a sent NIK in the
    villages the actor sees (a NIK active in two villages: in both); never commits."""
    services.require_hub()
    codes, first = parsed.codes, parsed.first
    summary = ResultsSummary(skipped=parsed.skipped)
    seen = scopes.ids(actor, HubVillage)
    found: set[str] = set()
    niks = list(codes)
    t = HubResident
    for start in range(0, len(niks), _CHUNK):
        chunk = niks[start : start + _CHUNK]
        rows = db.session.execute(
            select(t.id, t.nik, t.ektp_status, t.ektp_source).where(
                t.nik.in_(chunk), t.life_status == "active", t.village_id.in_(seen)
            )
        ).all()
        for row_id, nik, before, source_ in rows:
            found.add(nik)
            code = codes[nik]
            if before == code and source_ == StatusSource.DISTRICT:
                summary.unchanged += 1
                continue
            if lowers(before, code) and not confirm_lowered:
                summary.lowered.append((first[nik], mask_nik(nik), before, code))
                continue
            db.session.execute(
                update(t)
                .where(t.id == row_id)
                .values(
                    ektp_status=code,
                    ektp_status_at=database_utcnow(),
                    ektp_source=StatusSource.DISTRICT,
                )
            )
            summary.matched += 1
    summary.lowered.sort(key=lambda row: row[0])
    summary.unmatched = [(first[n], mask_nik(n)) for n in niks if n not in found]
    audit.record(
        actor,
        "hub.results",
        object_type="hub_results",
        object_id=source,
        detail=f"{file_name or 'API'}: {summary.line}"
        + (f", {len(summary.lowered)} menurunkan status" if summary.lowered else ""),
    )
    return summary
