"""The village side of the sync: bundles for the hub, the hub's return bundles.

A bundle carries every thing the change log names after the hub's last
acknowledgement, as it is now (or a tombstone when it is gone); the first one,
and any made with `full`, carries everything. The log is read up to its newest
row in one snapshot: on SQLite the export's transaction holds the write lock;
on PostgreSQL it first takes `sync_log` in EXCLUSIVE mode, which waits for every
transaction that has written the log and not committed, so that no change can
commit later with a lower sequence number than one already sent.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from desa.appointments import planned
from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.db import insert_ignore
from desa.core.errors import Conflict
from desa.core.village import require_village, to_village
from desa.extensions import db
from desa.sync import bundle
from desa.sync.models import SyncLog, SyncState
from desa.trust import keys

# The residents' columns a hub keeps (migration 0015's SYNCED).
RESIDENT_FIELDS = (
    "nik",
    "nik_temporary",
    "kk",
    "family_relation",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "marital_status",
    "citizenship",
    "address",
    "dusun",
    "rw",
    "rt",
    "life_status",
    "ektp_status",
    "ektp_status_at",
    "disabled",
    "works_away",
    "away_until",
)
CHUNK = 1000


@dataclass(frozen=True)
class Exported:
    village_code: str
    seq_from: int
    seq_to: int
    changes: int
    full: bool

    @property
    def line(self) -> str:
        """CONTRACT §9's last line of `desa sync export`."""
        return (
            f"bundle {self.village_code} seq {self.seq_from}..{self.seq_to}: "
            f"{self.changes} changes"
        )


def state() -> SyncState:
    """The one sync state row (made on first use)."""
    found = db.session.get(SyncState, 1)
    if found is None:
        db.session.execute(insert_ignore(SyncState.__table__, _dialect()).values(id=1))
        found = db.session.get(SyncState, 1)
    return found


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # to the microsecond: "later" is compared
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def resident_changes(ids: list[int] | None) -> Iterator[dict[str, Any]]:
    """Residents as bundle lines: these ids (a tombstone for each one gone), or
    everyone (None)."""
    from desa.appointments.models import Booking
    from desa.residents.models import Resident

    holds = (
        select(Booking.id)
        .where(Booking.resident_id == Resident.id, Booking.status == "active")
        .exists()
        .label("booked")
    )
    columns = [Resident.id, *(getattr(Resident, f) for f in RESIDENT_FIELDS), holds]
    if ids is None:
        for row in db.session.execute(select(*columns).order_by(Resident.id)):
            yield _resident(row)
        return
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found = {
            row.id: row
            for row in db.session.execute(select(*columns).where(Resident.id.in_(part)))
        }
        for rid in part:
            row = found.get(rid)
            yield _resident(row) if row else {"t": "resident", "id": rid, "gone": True}


def _resident(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"t": "resident", "id": row.id}
    for name in RESIDENT_FIELDS:
        out[name] = _iso(getattr(row, name))
    out["booked"] = bool(row.booked)
    return out


def event_changes(ids: list[int] | None) -> Iterator[dict[str, Any]]:
    """Population events as bundle lines (the type and date; the note stays here)."""
    from desa.residents.models import ResidentEvent as E

    stmt = select(E.id, E.resident_id, E.type, E.date).order_by(E.id)
    if ids is None:
        rows: Any = db.session.execute(stmt)
        for row in rows:
            yield _event(row)
        return
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found = {r.id: r for r in db.session.execute(stmt.where(E.id.in_(part)))}
        for eid in part:
            row = found.get(eid)
            yield _event(row) if row else {"t": "event", "id": eid, "gone": True}


def _event(row: Any) -> dict[str, Any]:
    return {
        "t": "event",
        "id": row.id,
        "resident": row.resident_id,
        "type": row.type,
        "date": row.date.isoformat(),
    }


def revocation_changes(public_ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """Revoked letters (public id and the village's date), as the trust list has them."""
    from desa.letters.models import Letter, LetterStatus

    stmt = select(Letter.public_id, Letter.revoked_at).where(
        Letter.status == LetterStatus.REVOKED, Letter.revoked_at.is_not(None)
    )
    if public_ids is not None:
        stmt = stmt.where(Letter.public_id.in_(public_ids))
    for public_id, revoked_at in db.session.execute(stmt.order_by(Letter.public_id)):
        yield {
            "t": "revocation",
            "id": public_id,
            "revoked_on": to_village(revoked_at).date().isoformat(),
        }


def rt_changes(keys_: list[str] | None) -> Iterator[dict[str, Any]]:
    """Each RT's booking summary: active bookings and recordings at sessions."""
    from desa.appointments.models import Booking, BookingStatus
    from desa.residents.models import Resident

    rw = func.coalesce(Resident.rw, "")
    rt = func.coalesce(Resident.rt, "")
    stmt = (
        select(rw, rt, Booking.status, func.count())
        .join(Resident, Resident.id == Booking.resident_id)
        .where(Booking.status.in_((BookingStatus.ACTIVE, BookingStatus.RECORDED)))
        .group_by(rw, rt, Booking.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for rw_, rt_, status, n in db.session.execute(stmt):
        entry = counts.setdefault(f"{rw_}/{rt_}", {"booked": 0, "recorded": 0})
        entry["booked" if status == BookingStatus.ACTIVE else "recorded"] += n
    wanted = sorted(counts) if keys_ is None else sorted(set(keys_))
    for key in wanted:
        rw_, _sep, rt_ = key.partition("/")
        entry = counts.get(key, {"booked": 0, "recorded": 0})
        yield {"t": "rt", "rw": rw_ or None, "rt": rt_ or None, **entry}


def employer_changes(ids: list[int] | None) -> Iterator[dict[str, Any]]:
    """Each employer with its confirmed staff (residents' ids), for the hub's
    employer sessions; a tombstone for an employer gone."""
    from desa.appointments.models import Employee
    from desa.auth.models import Employer

    stmt = select(Employer.id, Employer.name, Employer.address).order_by(Employer.id)
    if ids is not None:
        stmt = stmt.where(Employer.id.in_(ids))
    found = {row.id: row for row in db.session.execute(stmt)}
    staff: dict[int, list[int]] = {}
    members = (
        select(Employee.employer_id, Employee.resident_id)
        .where(Employee.confirmed_at.is_not(None), Employee.resident_id.is_not(None))
        .order_by(Employee.employer_id, Employee.resident_id)
    )
    if ids is not None:
        members = members.where(Employee.employer_id.in_(ids))
    for employer_id, resident_id in db.session.execute(members):
        staff.setdefault(employer_id, []).append(resident_id)
    for eid in sorted(found) if ids is None else sorted(set(ids)):
        row = found.get(eid)
        if row is None:
            yield {"t": "employer", "id": eid, "gone": True}
            continue
        yield {
            "t": "employer",
            "id": eid,
            "name": row.name,
            "address": row.address,
            "staff": staff.get(eid, []),
        }


def session_changes(uids: list[str] | None) -> Iterator[dict[str, Any]]:
    """The bookings of each session the hub planned: booked, recorded, no-show."""
    from desa.appointments.models import Booking, RecordingSession

    stmt = (
        select(RecordingSession.hub_uid, Booking.status, func.count(Booking.id))
        .outerjoin(Booking, Booking.session_id == RecordingSession.id)
        .where(RecordingSession.hub_uid.is_not(None))
        .group_by(RecordingSession.hub_uid, Booking.status)
    )
    if uids is not None:
        stmt = stmt.where(RecordingSession.hub_uid.in_(uids))
    counts: dict[str, dict[str, int]] = {}
    for uid, status, n in db.session.execute(stmt):
        entry = counts.setdefault(uid, {"booked": 0, "recorded": 0, "no_show": 0})
        key = {"active": "booked", "recorded": "recorded", "no_show": "no_show"}.get(
            status or ""
        )
        if key:
            entry[key] += n
    for uid in sorted(counts) if uids is None else sorted(set(uids)):
        if uid in counts:
            yield {"t": "session", "uid": uid, **counts[uid]}


REPORT_MONTHS = 3  # the running month and the two before it (late records)


def _report_counts(row: dict[str, Any]) -> dict[str, int]:
    """A Rekapitulasi row (desa.papers.report's shape) as the bundle's counts."""
    out: dict[str, int] = {}
    for ours, theirs in (
        ("start", "awal"),
        ("births", "lahir"),
        ("deaths", "meninggal"),
        ("in", "datang"),
        ("out", "pindah"),
        ("end", "akhir"),
    ):
        counts = row[theirs]
        out[f"{ours}_l"] = counts["WNA_L"] + counts["WNI_L"]
        out[f"{ours}_p"] = counts["WNA_P"] + counts["WNI_P"]
    out["start_kk"] = row["awal"]["kk"]
    out["end_kk"] = row["akhir"]["kk"]
    return out


def report_changes(today: dt.date) -> Iterator[dict[str, Any]]:
    """The monthly report to the kecamatan (docs/sync.md), for the running month
    and the two before it: computed as the bundle is made, never logged."""
    from desa.papers.books import Registry
    from desa.papers.report import monthly

    registry = Registry()
    year, month = today.year, today.month
    for back in range(REPORT_MONTHS):
        report = monthly(year, month, today, registry).to_dict()
        rows = [{"dusun": r["dusun"], **_report_counts(r)} for r in report["rows"]]
        total = (
            {k: sum(r[k] for r in rows) for k in rows[0] if k != "dusun"}
            if rows
            else _report_counts(report["total"])
        )
        yield {
            "t": "report",
            "year": year,
            "month": month,
            "final": back > 0,
            "made_on": today.isoformat(),
            "rows": rows,
            "total": total,
        }
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def _touched(after: int, upto: int) -> dict[str, list[str]]:
    """Each entity's keys the log names in (after, upto], in order of first mention."""
    rows = db.session.execute(
        select(SyncLog.entity, SyncLog.key, func.min(SyncLog.seq))
        .where(SyncLog.seq > after, SyncLog.seq <= upto)
        .group_by(SyncLog.entity, SyncLog.key)
        .order_by(func.min(SyncLog.seq))
    )
    out: dict[str, list[str]] = {}
    for entity, key, _first in rows:
        out.setdefault(entity, []).append(key)
    return out


def _changes(touched: dict[str, list[str]] | None) -> Iterator[dict[str, Any]]:
    if touched is None:
        yield from resident_changes(None)
        yield from event_changes(None)
        yield from revocation_changes(None)
        yield from rt_changes(None)
        yield from employer_changes(None)
        yield from session_changes(None)
        return
    if "resident" in touched:
        yield from resident_changes([int(k) for k in touched["resident"]])
    if "event" in touched:
        yield from event_changes([int(k) for k in touched["event"]])
    if "revocation" in touched:
        yield from revocation_changes(touched["revocation"])
    if "rt" in touched:
        yield from rt_changes(touched["rt"])
    if "employer" in touched:
        yield from employer_changes([int(k) for k in touched["employer"]])
    if "session" in touched:
        yield from session_changes(touched["session"])


def _hold_log() -> None:
    """No change may commit with a lower sequence number than the export reads
    (see the module's docstring); SQLite's write lock already sees to that."""
    if _dialect() == "postgresql":
        db.session.execute(db.text("LOCK TABLE sync_log IN EXCLUSIVE MODE"))


def export_bundle(actor: Actor, path: Path, *, full: bool = False) -> Exported:
    """Writes the bundle of every change the hub has not acknowledged to `path`."""
    village = require_village()
    _hold_log()
    current = state()
    upto = db.session.scalar(select(func.max(SyncLog.seq))) or 0
    acked = current.acked_seq or 0
    if acked > upto:  # restored from a backup older than what the hub has
        acked = 0
    full = full or acked == 0
    kid, private_key = keys.signing_key()
    header = {
        "kind": "village",
        "village": {"code": village.code, "name": village.title},
        "issuer": {"code": village.code},
        "seq_from": 1 if full else acked + 1,
        "seq_to": upto,
        "full": full,
        "made_at": actor.now.isoformat(timespec="seconds"),
    }
    touched = None if full else _touched(acked, upto)
    lines = itertools.chain(_changes(touched), report_changes(actor.today))
    try:
        # The reports are not changes of the log: "N changes" counts the rest.
        count = bundle.write(path, header, lines, kid=kid, private_key=private_key)
        count -= REPORT_MONTHS
    except OSError as err:
        raise Conflict(
            _(
                "Berkas sinkronisasi tidak dapat ditulis: %(why)s.",
                why=err.strerror or err.__class__.__name__,
            ),
            code="write_failed",
        ) from None
    current.last_export_seq = upto
    current.last_export_at = actor.utcnow
    result = Exported(village.code, header["seq_from"], upto, count, full)
    audit.record(
        actor,
        "sync.export",
        object_type="sync_bundle",
        object_id=f"{result.seq_from}..{result.seq_to}",
        detail=f"{count} perubahan{', lengkap' if full else ''}",
    )
    return result


# --- the hub's return bundle -----------------------------------------------------


@dataclass(frozen=True)
class Returned:
    hub_code: str
    acked_seq: int
    statuses: int
    sessions: int
    trust_villages: int


def trust_list_path(instance_path: str | Path) -> Path:
    """Where the kabupaten trust list from the last return bundle is kept."""
    return Path(instance_path) / "sync" / "kabupaten-trust.json"


def import_return(actor: Actor, raw: bytes, instance_path: str | Path) -> Returned:
    """Applies a hub's return bundle: its acknowledgement, the district's e-KTP
    statuses (only where later than the village's own), the kabupaten trust list.
    Idempotent: reading it twice changes nothing more."""
    from desa.residents.models import Resident

    village = require_village()
    current = state()
    header, changes = bundle.verify(raw, lambda h: _hub_key(current, h))
    if header.kind != "return":
        raise bundle.SyncFileError(_("Berkas ini bukan berkas balasan dari hub."))
    if header.village_code != village.code:
        raise bundle.SyncFileError(
            _(
                "Berkas balasan ini untuk desa %(code)s, bukan untuk desa ini.",
                code=header.village_code,
            )
        )
    acked = header.extra.get("acked_seq")
    if type(acked) is not int or acked < 0:
        raise bundle.SyncFileError(_("Kepala berkas balasan tidak lengkap atau salah."))
    pinned = current.hub_public_key is None
    current.hub_code = header.issuer_code
    current.hub_name = str(header.extra.get("hub_name") or header.issuer_code)[:120]
    current.hub_kid = header.kid
    current.hub_public_key = str(header.extra.get("hub_public_key"))
    upto = db.session.scalar(select(func.max(SyncLog.seq))) or 0
    if acked <= upto and acked > (current.acked_seq or 0):
        current.acked_seq = acked
        current.acked_at = actor.utcnow
    statuses = sessions = 0
    trust = None
    elsewhere: dict[int, dict[str, Any]] | None = None
    for no, change in enumerate(changes, start=2):
        if change["t"] == "ektp":
            statuses += _apply_status(Resident, change, no)
        elif change["t"] == "trust":
            trust = change.get("list")
        elif change["t"] == "session":
            sessions += planned.apply(actor, change, no, current.hub_name or "")
        elif change["t"] == "elsewhere":
            elsewhere = elsewhere or {}
            elsewhere[_elsewhere_id(change, no)] = change
        elif change["t"] == "elsewhere_end":
            elsewhere = elsewhere or {}
    # An older return file read again must not undo a newer one's lists.
    stale = _older(header.made_at, current.last_return_made_at)
    if elsewhere is not None and not stale:
        _apply_elsewhere(Resident, elsewhere, actor.utcnow)
    if trust is not None and not stale:
        target = trust_list_path(instance_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        from desa.core.files import write_atomic

        write_atomic(target, json.dumps(trust, ensure_ascii=False).encode("utf-8"))
    if not stale:
        current.last_return_made_at = header.made_at
    current.last_return_at = actor.utcnow
    audit.record(
        actor,
        "sync.return",
        object_type="sync_bundle",
        object_id=header.issuer_code,
        detail=f"dikonfirmasi s.d. {acked}, {statuses} status e-KTP, "
        f"{sessions} jadwal" + (", kunci hub disematkan" if pinned else ""),
    )
    return Returned(
        header.issuer_code,
        current.acked_seq,
        statuses,
        sessions,
        len(trust.get("villages", [])) if isinstance(trust, dict) else 0,
    )


def _older(made_at: str | None, than: str | None) -> bool:
    """True when `made_at` is before `than` (both ISO times with an offset)."""
    if not made_at or not than:
        return False
    try:
        return dt.datetime.fromisoformat(made_at) < dt.datetime.fromisoformat(than)
    except (TypeError, ValueError):  # unreadable, or one without an offset
        return False


def _elsewhere_id(change: dict[str, Any], no: int) -> int:
    ok = (
        type(change.get("id")) is int
        and isinstance(change.get("nik"), str)
        and isinstance(change.get("code"), str)
        and len(change["code"]) <= 13
        and isinstance(change.get("name"), str)
    )
    if not ok:
        raise bundle.bad_return_line(no)
    return change["id"]


def _apply_elsewhere(model: Any, found: dict[int, dict[str, Any]], now) -> None:
    """Marks the residents the hub found recorded in another village; clears the
    mark of everyone else (the hub sends the whole list)."""
    from sqlalchemy import update

    db.session.execute(
        update(model)
        .where(model.elsewhere_code.is_not(None), model.id.not_in(list(found) or [0]))
        .values(elsewhere_code=None, elsewhere_name=None, elsewhere_at=None)
        .execution_options(synchronize_session=False)
    )
    for rid, change in found.items():
        db.session.execute(
            update(model)
            .where(model.id == rid, model.nik == change["nik"])
            .values(
                elsewhere_code=change["code"],
                elsewhere_name=change["name"][:120],
                elsewhere_at=now,
            )
            .execution_options(synchronize_session=False)
        )


def _hub_key(current: SyncState, header: bundle.Header):
    """The hub's key: pinned on the first return bundle, the same one after."""
    if current.hub_public_key is None:
        return bundle.public_key(str(header.extra.get("hub_public_key", "")))
    if header.kid != current.hub_kid or header.issuer_code != current.hub_code:
        raise bundle.SyncFileError(
            _(
                "Berkas balasan ini ditandatangani kunci hub lain (%(kid)s), bukan "
                "kunci hub %(hub)s yang dikenal desa ini.",
                kid=header.kid,
                hub=current.hub_code,
            )
        )
    return bundle.public_key(current.hub_public_key)


def _apply_status(model: Any, change: dict[str, Any], no: int) -> int:
    """One district status, applied when it is later than the village's own."""
    from sqlalchemy import or_, update

    status, at = change.get("status"), change.get("at")
    if not (
        type(change.get("id")) is int
        and (status is None or (type(status) is int and 1 <= status <= 8))
        and isinstance(at, str)
    ):
        raise bundle.bad_return_line(no)
    try:
        when = dt.datetime.fromisoformat(at).replace(tzinfo=None)
    except ValueError:
        raise bundle.bad_return_line(no) from None
    done = db.session.execute(
        update(model)
        .where(
            model.id == change["id"],
            model.nik == change.get("nik"),
            or_(model.ektp_status_at.is_(None), model.ektp_status_at < when),
        )
        .values(ektp_status=status, ektp_status_at=when)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount or 0
