"""Applying a village's bundle at the hub: all of it in the caller's transaction,
or nothing.

Every check comes before the first write: the file (gzip, header, signature by
a key the village registered, digest, count), the sequence against what the hub
applied last, and every line's fields. Then the residents are upserted (the
district's later e-KTP status kept, see `_resident_upsert`), tombstones deleted,
events, revocations and RT summaries written, and the village's sync state and
the ledger updated. The caller commits once; any error before that (a killed
process included) leaves nothing behind. Once a bulk bundle (a village's first,
full one) has committed, the residents' statistics and visibility map are
refreshed when autovacuum's own rules say they are due, so that Table 1 keeps its
plan while a hub fills village by village.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, insert, or_, select, tuple_

from desa.auth import audit
from desa.auth.actor import Actor
from desa.campaign import services as campaign
from desa.core.db import refresh_statistics_when_due
from desa.core.unit_of_work import after_commit
from desa.extensions import db
from desa.hub import reports, services
from desa.hub.models import (
    HubBundle,
    HubEmployee,
    HubEmployer,
    HubEvent,
    HubResident,
    HubRevocation,
    HubRtSummary,
    HubVillage,
    StatusSource,
)
from desa.sync import bundle
from desa.sync.bundle import SyncFileError
from desa.sync.services import RESIDENT_FIELDS

CHUNK = 2000
# A bundle writing this many residents and events is a bulk load: once it has
# committed, the tables' statistics are refreshed when autovacuum's rules say so.
BULK_ROWS = 1000
_NIK = re.compile(r"[0-9]{16}")
_LIFE = ("active", "deceased", "moved", "missing")
_EVENT_TYPES = re.compile(r"[a-z_]{1,20}")


@dataclass(frozen=True)
class Applied:
    village_code: str
    seq_from: int
    seq_to: int
    changes: int
    already: bool
    acked_seq: int

    @property
    def line(self) -> str:
        """CONTRACT §9's line of `desa hub import`."""
        if self.already:
            return "already applied"
        return (
            f"applied {self.changes} changes from {self.village_code} "
            f"seq {self.seq_from}..{self.seq_to}"
        )


def apply_bundle(actor: Actor, raw: bytes, *, source: str = "file") -> Applied:
    """Verifies and applies one village bundle; never commits (see the module)."""
    services.require_hub()
    found: list[HubVillage] = []

    def key_for(claimed: bundle.Header):
        if claimed.kind != "village":
            raise SyncFileError(_("Berkas ini bukan bundel dari desa."))
        found.append(_locked(claimed.village_code))
        return services.village_key(found[0], claimed.kid)

    header, changes = bundle.verify(raw, key_for)
    village = found[0]
    sha = hashlib.sha256(raw).hexdigest()
    if sha == village.last_sha256 or _already(village, header):
        return Applied(
            village.code, header.seq_from, header.seq_to, 0, True, village.last_seq or 0
        )
    _check_sequence(village, header)
    parsed = _parse(changes)
    replacing = header.full and village.last_seq is not None
    _apply_residents(village, parsed["resident"], replacing)
    _apply_events(village, parsed["event"], replacing)
    _apply_revocations(village, parsed["revocation"], replacing)
    _apply_rts(village, parsed["rt"], replacing)
    _apply_employers(village, parsed["employer"], replacing)
    campaign.apply_reports(village, parsed["session"], actor.utcnow)
    reports.apply(village, parsed["report"], actor.utcnow)
    # The monthly reports ride along; "N changes" counts the rest.
    changes = header.changes - len(parsed["report"])
    if len(parsed["resident"]) + len(parsed["event"]) >= BULK_ROWS:
        # Table 1 plans by the statistics (without any, after a first sync, the
        # kabupaten's is a sort spilled to disk, twice as slow) and reads a
        # kecamatan's villages index-only, which needs the visibility map.
        after_commit(lambda: refresh_statistics_when_due("hub_residents", "hub_events"))
    village.last_seq = header.seq_to
    village.last_made_at = header.made_at
    village.last_applied_at = actor.utcnow
    village.last_sha256 = sha
    db.session.add(
        HubBundle(
            village_id=village.id,
            direction="in",
            seq_from=header.seq_from,
            seq_to=header.seq_to,
            full=header.full,
            changes=changes,
            sha256=sha,
            made_at=header.made_at,
            applied_at=actor.utcnow,
            applied_by=f"{actor.display_name} ({source})"[:120],
        )
    )
    audit.record(
        actor,
        "hub.import",
        object_type="hub_village",
        object_id=village.code,
        detail=f"seq {header.seq_from}..{header.seq_to}, {changes} perubahan"
        + (", lengkap" if header.full else ""),
    )
    return Applied(
        village.code,
        header.seq_from,
        header.seq_to,
        changes,
        False,
        header.seq_to,
    )


def _locked(code: str) -> HubVillage:
    """The village row, locked until the commit: two bundles of one village are
    applied one after the other (SQLite: the write transaction does that)."""
    stmt = select(HubVillage).where(HubVillage.code == code)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    village = db.session.scalar(stmt)
    if village is None:
        raise SyncFileError(
            _(
                "Desa %(code)s belum terdaftar di hub ini; daftarkan dulu dengan "
                "`desa hub village add`.",
                code=code,
            )
        )
    return village


def _already(village: HubVillage, header: bundle.Header) -> bool:
    """A bundle whose changes the hub holds already (a repeat): nothing to do."""
    if header.full or village.last_seq is None:
        return False
    return header.seq_to <= village.last_seq


def _check_sequence(village: HubVillage, header: bundle.Header) -> None:
    last_made = services.utc(village.last_made_at or "")
    made = services.utc(header.made_at)
    if made is None:
        raise SyncFileError(_("Kepala berkas sinkronisasi tidak lengkap atau salah."))
    if header.full:
        if last_made is not None and made < last_made:
            raise SyncFileError(
                _(
                    "Bundel lengkap ini dibuat %(made)s, sebelum bundel terakhir yang "
                    "sudah diterapkan; bundel lama tidak diterapkan lagi.",
                    made=header.made_at,
                )
            )
        return
    if village.last_seq is None:
        raise SyncFileError(
            _(
                "Hub belum menerima data lengkap dari desa %(code)s; kirim bundel "
                "lengkap (`desa sync export --full`).",
                code=village.code,
            )
        )
    if header.seq_from > village.last_seq + 1:
        raise SyncFileError(
            _(
                "Bundel ini mulai dari nomor %(start)d, padahal hub baru menerima "
                "sampai nomor %(last)d: ada perubahan yang terlewat. Buat bundel baru "
                "di desa.",
                start=header.seq_from,
                last=village.last_seq,
            )
        )


# --- reading the lines --------------------------------------------------------------


def _bad(no: int) -> SyncFileError:
    return SyncFileError(
        _("Baris %(no)d bundel tidak sah; tidak ada yang diterapkan.", no=no)
    )


def _opt_text(value: Any, size: int) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= size)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _resident(c: dict[str, Any]) -> dict[str, Any]:
    if c.get("gone") is True:
        return {"local_id": _id(c), "gone": True}
    ok = (
        isinstance(c.get("nik"), str)
        and _NIK.fullmatch(c["nik"])
        and isinstance(c.get("name"), str)
        and 0 < len(c["name"]) <= 120
        and c.get("sex") in ("L", "P")
        and c.get("life_status") in _LIFE
        and c.get("citizenship") in ("WNI", "WNA")
        and isinstance(c.get("nik_temporary"), bool)
        and (c.get("ektp_status") is None or c.get("ektp_status") in range(1, 9))
        and all(
            _opt_text(c.get(k), n)
            for k, n in (
                ("kk", 16),
                ("family_relation", 40),
                ("birth_place", 80),
                ("marital_status", 20),
                ("address", 200),
                ("dusun", 60),
                ("rw", 3),
                ("rt", 3),
            )
        )
    )
    if not ok:
        raise ValueError
    return {
        "local_id": _id(c),
        "nik": c["nik"],
        "nik_temporary": c["nik_temporary"],
        "kk": c.get("kk"),
        "family_relation": c.get("family_relation"),
        "name": c["name"],
        "sex": c["sex"],
        "birth_place": c.get("birth_place"),
        "birth_date": _date(c.get("birth_date")),
        "marital_status": c.get("marital_status"),
        "citizenship": c["citizenship"],
        "address": c.get("address"),
        "dusun": c.get("dusun"),
        "rw": c.get("rw"),
        "rt": c.get("rt"),
        "life_status": c["life_status"],
        "ektp_status": c.get("ektp_status"),
        "ektp_status_at": _datetime(c.get("ektp_status_at")),
        "ektp_source": StatusSource.VILLAGE,
        "disabled": c.get("disabled") is True,
        "works_away": c.get("works_away") is True,
        "booked": c.get("booked") is True,
        "away_until": _date(c.get("away_until")),
    }


def _id(c: dict[str, Any]) -> int:
    value = c.get("id")
    if type(value) is not int or not 0 < value < 2**62:
        raise ValueError
    return value


def _event(c: dict[str, Any]) -> dict[str, Any]:
    if c.get("gone") is True:
        return {"local_id": _id(c), "gone": True}
    if not isinstance(c.get("type"), str) or not _EVENT_TYPES.fullmatch(c["type"]):
        raise ValueError
    resident = c.get("resident")
    if type(resident) is not int:
        raise ValueError
    return {
        "local_id": _id(c),
        "resident_local_id": resident,
        "type": c["type"],
        "date": _date(c["date"]),
    }


def _revocation(c: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(c.get("id"), str) or not 0 < len(c["id"]) <= 32:
        raise ValueError
    return {"letter_id": c["id"], "revoked_on": _date(c["revoked_on"])}


def _rt(c: dict[str, Any]) -> dict[str, Any]:
    counts = (c.get("booked"), c.get("recorded"))
    if not all(type(n) is int and 0 <= n < 2**31 for n in counts):
        raise ValueError
    if not (_opt_text(c.get("rw"), 3) and _opt_text(c.get("rt"), 3)):
        raise ValueError
    return {
        "rw": c.get("rw") or "",
        "rt": c.get("rt") or "",
        "booked": counts[0],
        "recorded": counts[1],
    }


def _employer(c: dict[str, Any]) -> dict[str, Any]:
    if c.get("gone") is True:
        return {"local_id": _id(c), "gone": True}
    name, staff = c.get("name"), c.get("staff")
    if not (isinstance(name, str) and 0 < len(name) <= 150):
        raise ValueError
    if not _opt_text(c.get("address"), 250) or not isinstance(staff, list):
        raise ValueError
    if not all(type(r) is int and 0 < r < 2**62 for r in staff):
        raise ValueError
    return {
        "local_id": _id(c),
        "name": name,
        "address": c.get("address"),
        "staff": sorted(set(staff)),
    }


def _session(c: dict[str, Any]) -> dict[str, Any]:
    counts = (c.get("booked"), c.get("recorded"), c.get("no_show"))
    if not all(type(n) is int and 0 <= n < 2**31 for n in counts):
        raise ValueError
    if not (isinstance(c.get("uid"), str) and 0 < len(c["uid"]) <= 24):
        raise ValueError
    return {
        "uid": c["uid"],
        "booked": counts[0],
        "recorded": counts[1],
        "no_show": counts[2],
    }


_PARSERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "resident": _resident,
    "event": _event,
    "revocation": _revocation,
    "rt": _rt,
    "employer": _employer,
    "session": _session,
    "report": reports.parse_line,
}


_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "resident": lambda r: r["local_id"],
    "event": lambda r: r["local_id"],
    "revocation": lambda r: r["letter_id"],
    "rt": lambda r: (r["rw"], r["rt"]),
    "employer": lambda r: r["local_id"],
    "session": lambda r: r["uid"],
    "report": reports.key,
}


def _parse(changes: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every line checked and typed, by kind; the first bad line refuses the file.
    A thing named twice counts as its last line (one upsert cannot take a row
    twice)."""
    out: dict[str, dict[Any, dict[str, Any]]] = {kind: {} for kind in _PARSERS}
    for no, change in enumerate(changes, start=2):
        parser = _PARSERS.get(change["t"])
        if parser is None:
            raise SyncFileError(
                _(
                    "Baris %(no)d bundel berisi jenis data yang tidak dikenal "
                    "(%(kind)s); perbarui aplikasi hub dulu.",
                    no=no,
                    kind=str(change["t"])[:20],
                )
            )
        try:
            row = parser(change)
        except (KeyError, TypeError, ValueError):
            raise _bad(no) from None
        out[change["t"]][_KEYS[change["t"]](row)] = row
    return {kind: list(rows.values()) for kind, rows in out.items()}


# --- writing ------------------------------------------------------------------------


def _upsert(table, rows: list[dict[str, Any]], keys_: list[str], set_: Any) -> None:
    module = _dialect_module()
    for start in range(0, len(rows), CHUNK):
        stmt = module.insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=keys_, set_=set_(stmt))
        db.session.execute(stmt, rows[start : start + CHUNK])


def _dialect_module():
    from sqlalchemy.dialects import postgresql, sqlite

    name = db.session.get_bind().dialect.name
    return postgresql if name == "postgresql" else sqlite


def _resident_set(stmt: Any) -> dict[str, Any]:
    """The columns an update takes from the bundle. The e-KTP status is kept when
    the district set it at the hub later than the village's own last change."""
    t, new = HubResident.__table__.c, stmt.excluded
    keep = and_(
        t.ektp_source == StatusSource.DISTRICT,
        or_(new.ektp_status_at.is_(None), t.ektp_status_at > new.ektp_status_at),
    )
    plain = [f for f in RESIDENT_FIELDS if not f.startswith("ektp_")] + ["booked"]
    out: dict[str, Any] = {name: getattr(new, name) for name in plain}
    out["ektp_status"] = case((keep, t.ektp_status), else_=new.ektp_status)
    out["ektp_status_at"] = case((keep, t.ektp_status_at), else_=new.ektp_status_at)
    out["ektp_source"] = case((keep, t.ektp_source), else_=new.ektp_source)
    return out


def _delete_missing(model: Any, village: HubVillage, column: Any, keep: set) -> None:
    """A full bundle replaces: what the hub holds and the bundle does not, goes."""
    held = set(db.session.scalars(select(column).where(model.village_id == village.id)))
    gone = sorted(held - keep)
    for start in range(0, len(gone), CHUNK):
        db.session.execute(
            delete(model).where(
                model.village_id == village.id,
                column.in_(gone[start : start + CHUNK]),
            )
        )


def _apply_residents(
    village: HubVillage, rows: list[dict[str, Any]], replacing: bool
) -> None:
    live = [dict(r, village_id=village.id) for r in rows if not r.get("gone")]
    gone = [r["local_id"] for r in rows if r.get("gone")]
    if replacing:
        _delete_missing(
            HubResident, village, HubResident.local_id, {r["local_id"] for r in live}
        )
    _upsert(HubResident.__table__, live, ["village_id", "local_id"], _resident_set)
    _delete_ids(HubResident, village, HubResident.local_id, gone)


def _delete_ids(model: Any, village: HubVillage, column: Any, ids: list) -> None:
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            delete(model).where(
                model.village_id == village.id, column.in_(ids[start : start + CHUNK])
            )
        )


def _apply_events(
    village: HubVillage, rows: list[dict[str, Any]], replacing: bool
) -> None:
    live = [dict(r, village_id=village.id) for r in rows if not r.get("gone")]
    gone = [r["local_id"] for r in rows if r.get("gone")]
    if replacing:
        _delete_missing(
            HubEvent, village, HubEvent.local_id, {r["local_id"] for r in live}
        )
    _upsert(
        HubEvent.__table__,
        live,
        ["village_id", "local_id"],
        lambda s: {
            k: getattr(s.excluded, k) for k in ("resident_local_id", "type", "date")
        },
    )
    _delete_ids(HubEvent, village, HubEvent.local_id, gone)


def _apply_revocations(
    village: HubVillage, rows: list[dict[str, Any]], replacing: bool
) -> None:
    live = [dict(r, village_id=village.id) for r in rows]
    if replacing:
        _delete_missing(
            HubRevocation,
            village,
            HubRevocation.letter_id,
            {r["letter_id"] for r in live},
        )
    _upsert(
        HubRevocation.__table__,
        live,
        ["village_id", "letter_id"],
        lambda s: {"revoked_on": s.excluded.revoked_on},
    )


def _apply_rts(
    village: HubVillage, rows: list[dict[str, Any]], replacing: bool
) -> None:
    live = [dict(r, village_id=village.id) for r in rows]
    if replacing:
        held = {
            (rw, rt)
            for rw, rt in db.session.execute(
                select(HubRtSummary.rw, HubRtSummary.rt).where(
                    HubRtSummary.village_id == village.id
                )
            )
        }
        gone = sorted(held - {(r["rw"], r["rt"]) for r in live})
        if gone:
            db.session.execute(
                delete(HubRtSummary).where(
                    HubRtSummary.village_id == village.id,
                    tuple_(HubRtSummary.rw, HubRtSummary.rt).in_(gone),
                )
            )
    _upsert(
        HubRtSummary.__table__,
        live,
        ["village_id", "rw", "rt"],
        lambda s: {"booked": s.excluded.booked, "recorded": s.excluded.recorded},
    )


def _apply_employers(
    village: HubVillage, rows: list[dict[str, Any]], replacing: bool
) -> None:
    """Employers and their confirmed staff: each line replaces its employer's list."""
    touched = [r["local_id"] for r in rows]
    if replacing:
        for model in (HubEmployee, HubEmployer):
            db.session.execute(delete(model).where(model.village_id == village.id))
    else:
        _delete_ids(HubEmployee, village, HubEmployee.employer_local_id, touched)
        _delete_ids(HubEmployer, village, HubEmployer.local_id, touched)
    live = [r for r in rows if not r.get("gone")]
    if live:
        db.session.execute(
            insert(HubEmployer),
            [
                {
                    "village_id": village.id,
                    "local_id": r["local_id"],
                    "name": r["name"],
                    "address": r["address"],
                }
                for r in live
            ],
        )
    staff = [
        {
            "village_id": village.id,
            "employer_local_id": r["local_id"],
            "resident_local_id": rid,
        }
        for r in live
        for rid in r["staff"]
    ]
    for start in range(0, len(staff), CHUNK):
        db.session.execute(insert(HubEmployee), staff[start : start + CHUNK])
