"""Resident services: lookup with object-level scope, PINs, resident sign-in."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, false, select

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.passwords import hash_secret
from desa.auth.scope import scopes
from desa.auth.services import check_sign_in, register_principal_loader, throttle_key
from desa.core.db import driver_fetchone, prefix_range, refresh_statistics
from desa.core.errors import NotFound
from desa.core.formatting import mask_name, mask_nik
from desa.core.pages import Key
from desa.extensions import db
from desa.residents.models import Resident, warning_codes

_NIK_SEPARATORS = re.compile(r"[\s.\-]")
PIN_LENGTH = 6


def clean_nik(raw: str | None) -> str:
    """Drops the spaces, dots and dashes people type inside a NIK."""
    return _NIK_SEPARATORS.sub("", raw or "")


def scope(stmt: Select, actor: Actor) -> Select:
    """Restricts a resident query to the residents the actor sees (the registry's rule)."""
    return scopes.restrict(stmt, actor, Resident)


def get_visible(actor: Actor, nik: str) -> Resident:
    """The resident with that NIK if the actor may see them; otherwise 404 alike."""
    resident = scopes.get(actor, Resident, Resident.nik == nik)
    if resident is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    return resident


# What `to_json` reads, for the NIK lookup that skips the ORM.
_JSON_COLUMNS = (
    "nik",
    "nik_temporary",
    "kk",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "religion",
    "marital_status",
    "family_relation",
    "occupation",
    "education",
    "address",
    "dusun",
    "rw",
    "rt",
    "phone",
    "life_status",
    "ektp_status",
    "nik_warnings",
    "citizenship",
    "father_name",
    "mother_name",
    "blood_type",
    "marriage_date",
)
_LOOKUP_SQL = f"SELECT id, {', '.join(_JSON_COLUMNS)} FROM residents WHERE nik = ?"  # noqa: S608 - fixed names  # nosec B608


def visible_json(actor: Actor, nik: str) -> dict[str, Any]:
    """`to_json` of the resident with that NIK, read audited; 404 alike outside the scope.

    The API's busiest call, so it is read straight from the driver, with the
    registry's rule in its raw-SQL form; its audit line is the one extra statement.
    """
    rule = scopes.sql(actor, Resident)
    if rule is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    row = driver_fetchone(_LOOKUP_SQL + rule[0], (nik, *rule[1]))
    if row is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    values = dict(zip(_JSON_COLUMNS, row[1:], strict=True))
    record_read(actor, SimpleNamespace(id=row[0], **values))
    values["nik_temporary"] = bool(values["nik_temporary"])
    for name in ("birth_date", "marriage_date"):
        if isinstance(values[name], str):  # SQLite keeps dates as text
            values[name] = dt.date.fromisoformat(values[name])
    return to_json(SimpleNamespace(**values), actor.today)


READ = "residents.read"
FAMILY_READ = "residents.family_read"
SEARCH = "residents.search"


def record_read(actor: Actor, resident: Any, action: str = READ) -> None:
    """One audit line for opening a resident's data (name and NIK masked).

    `resident` is a `Resident` or anything with its `id`, `name` and `nik`.
    """
    audit.record(
        actor,
        action,
        object_type="resident",
        object_id=resident.id,
        detail=describe(resident),
    )


def describe(resident: Any) -> str:
    """`A**** A**** (6101********0001)`: who it is, masked as the audit log keeps it."""
    return f"{mask_name(resident.name)} ({mask_nik(resident.nik)})"


def record_search(actor: Actor, filters: dict[str, Any]) -> None:
    """One audit line for a list of residents read through the API, with its filters."""
    shown = []
    for name, value in filters.items():
        if value is None or value == "":
            continue
        if name == "q" and clean_nik(value).isdigit():
            value = mask_nik(clean_nik(value))
        shown.append(f"{name}={value}")
    audit.record(actor, SEARCH, object_type="resident", detail=", ".join(shown)[:400])


def issue_pin(actor: Actor, resident: Resident) -> str:
    """Makes a new self-service PIN, returned once; older sessions end."""
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
    resident.pin_hash = hash_secret(pin)
    resident.pin_epoch += 1
    audit.record(
        actor,
        "residents.pin_issue",
        object_type="resident",
        object_id=resident.id,
        detail=mask_nik(resident.nik),
    )
    return pin


# An import that wrote this many rows refreshes the planner's statistics.
BULK_ROWS = 1000


def refresh_after_import(result: Any) -> None:
    """Once a large import has committed: fresh statistics and visibility map on
    PostgreSQL (`refresh_statistics`), so the lists stay index scans at once.
    The tallies too: every chunk's trigger rewrote their rows, and the dead
    versions left behind made the figures' read of a few hundred rows 13 ms."""
    if result.committed and result.imported + result.updated >= BULK_ROWS:
        refresh_statistics("residents", "resident_tallies")


def find_by_nik(nik: str) -> Resident | None:
    """The resident with exactly that NIK, or None."""
    return db.session.scalar(select(Resident).where(Resident.nik == clean_nik(nik)))


def authenticate_resident(actor: Actor, nik: str, pin: str) -> Resident:
    """Signs a resident in by NIK and PIN; an unknown NIK answers like a wrong PIN."""
    nik = clean_nik(nik)[:32]
    keys = [throttle_key("nik", nik), throttle_key("ip", actor.ip or "-")]
    return check_sign_in(
        actor,
        keys,
        lambda: find_by_nik(nik) if nik.isascii() and nik.isdigit() else None,
        lambda r: r.pin_hash,
        (pin or "").strip(),
        wrong_message=_("NIK atau PIN salah."),
        subject=mask_nik(nik),
    )


def _load_resident(ident: str, epoch: int) -> Resident | None:
    resident = db.session.get(Resident, int(ident))
    if resident is None or not resident.is_active or resident.pin_epoch != epoch:
        return None
    return resident


register_principal_loader("r", _load_resident)


WARNING_MESSAGES = {
    "wilayah_unknown": "Kode wilayah NIK tidak ada di data Kemendagri terbaru.",
    "birth_date_mismatch": "Tanggal lahir di NIK berbeda dengan tanggal lahir yang diisi.",
    "sex_mismatch": "Jenis kelamin di NIK berbeda dengan yang diisi.",
}


# The order of every resident list, and the key its pages are walked by.
LIST_KEY = Key((Resident.name_key, Resident.id))


def search(
    actor: Actor,
    *,
    q: str | None = None,
    dusun: str | None = None,
    rw: str | None = None,
    rt: str | None = None,
    life_status: str | None = None,
    ektp_status: str | None = None,
    pending: bool | None = None,
    kk: str | None = None,
) -> Select:
    """Residents the actor may see, filtered; ordered by name."""
    from desa.residents import fields
    from desa.residents.rules import pending_clause

    stmt = scopes.select(actor, Resident)
    q = (q or "").strip()
    if "\x00" in q:  # no stored text holds a NUL (PostgreSQL refuses one)
        return stmt.where(false()).order_by(*LIST_KEY.order_by())
    if q:
        digits = clean_nik(q)
        if digits.isascii() and digits.isdigit():
            stmt = stmt.where(prefix_range(Resident.nik, digits))
        else:
            stmt = stmt.where(
                prefix_range(Resident.name_key, " ".join(q.upper().split()))
            )
    if dusun:
        stmt = stmt.where(Resident.dusun == dusun)
    if rw:
        stmt = stmt.where(Resident.rw == fields.rt_rw(rw, "RW"))
    if rt:
        stmt = stmt.where(Resident.rt == fields.rt_rw(rt, "RT"))
    if kk:
        stmt = stmt.where(Resident.kk == kk)
    if life_status:
        stmt = stmt.where(Resident.life_status == life_status)
    if ektp_status:
        code = fields.ektp_status(ektp_status)
        stmt = stmt.where(Resident.ektp_status == code)
    if pending is not None:
        clause = pending_clause(actor.today)
        stmt = stmt.where(clause if pending else ~clause)
    return stmt.order_by(*LIST_KEY.order_by())


def counter(actor: Actor, stmt: Select, **filters: Any) -> Callable[[], int]:
    """Counts `stmt`, made by `search(actor, **filters)`: from the tallies when
    only tally columns filter it (a clerk's or an RT head's list by area, life or
    e-KTP status), else by counting its rows."""
    from desa.core.pages import count
    from desa.exports.figures import tallied_count
    from desa.residents import fields

    tallied = not (filters.get("q") or "").strip() and not filters.get("kk")
    tallied = tallied and filters.get("pending") is None
    equal: dict[str, Any] = {}
    for name in ("dusun", "rw", "rt", "life_status", "ektp_status"):
        value = filters.get(name)
        if value and name in ("rw", "rt"):
            value = fields.rt_rw(value, name.upper())
        elif value and name == "ektp_status":
            value = fields.ektp_status(value)
        if value:
            equal[name] = value

    def total() -> int:
        found = tallied_count(actor, **equal) if tallied else None
        return count(stmt) if found is None else found

    return total


def to_json(resident: Any, today: dt.date) -> dict[str, Any]:
    """A resident (ORM object or Core row) as CONTRACT §4 describes it, on `today`."""
    from desa.residents.models import EKTP_LABELS
    from desa.residents.rules import is_pending_recording, is_wajib_ktp

    return {
        "nik": resident.nik,
        "nik_temporary": resident.nik_temporary,
        "kk": resident.kk,
        "name": resident.name,
        "sex": resident.sex,
        "birth_place": resident.birth_place,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
        "religion": resident.religion,
        "marital_status": resident.marital_status,
        "family_relation": resident.family_relation,
        "occupation": resident.occupation,
        "education": resident.education,
        "address": resident.address,
        "dusun": resident.dusun,
        "rw": resident.rw,
        "rt": resident.rt,
        "phone": resident.phone,
        # Optional (migration 0024): printed on the family forms.
        "father_name": resident.father_name,
        "mother_name": resident.mother_name,
        "blood_type": resident.blood_type,
        "marriage_date": resident.marriage_date.isoformat()
        if resident.marriage_date
        else None,
        "life_status": resident.life_status,
        "ektp_status": {
            "code": resident.ektp_status,
            "label": EKTP_LABELS.get(resident.ektp_status)
            if resident.ektp_status
            else None,
        },
        "wajib_ktp": is_wajib_ktp(resident, today),
        "pending_recording": is_pending_recording(resident, today),
        "warnings": [
            {"code": c, "message": WARNING_MESSAGES.get(c, c)}
            for c in warning_codes(resident.nik_warnings)
        ],
    }


def record_card_received(actor: Actor, resident: Any) -> None:
    """The printed e-KTP handed over to its holder (status 8, KTP-el diterima).

    Only a printed or shipped card can be handed over; the change is logged like
    any edit and reaches the hub in the next bundle, later than the district's
    "printed"."""
    from desa.core.errors import Conflict
    from desa.residents import registry
    from desa.residents.models import EktpStatus

    if resident.ektp_status not in (EktpStatus.CARD_PRINTED, EktpStatus.CARD_SHIPPED):
        raise Conflict(
            _(
                "KTP-el %(n)s belum tercatat dicetak; penyerahan belum dapat dicatat.",
                n=resident.name,
            ),
            code="card_not_printed",
        )
    registry.update_resident(
        actor,
        resident,
        {"ektp_status": int(EktpStatus.CARD_ISSUED)},
        reason=_("KTP-el diserahkan kepada penduduk"),
    )
