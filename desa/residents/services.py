"""Resident services: lookup with object-level scope, PINs, resident sign-in."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from desa.auth import audit
from desa.auth.passwords import hash_secret
from desa.auth.services import check_sign_in, register_principal_loader, throttle_key
from desa.core.errors import NotFound
from desa.core.formatting import mask_nik
from desa.extensions import db
from desa.residents.models import Resident

_NIK_SEPARATORS = re.compile(r"[\s.\-]")
PIN_LENGTH = 6


def clean_nik(raw: str | None) -> str:
    """Drops the spaces, dots and dashes people type inside a NIK."""
    return _NIK_SEPARATORS.sub("", raw or "")


def scope(stmt: Select, principal: Any) -> Select:
    """Restricts a resident query to what the principal may see (RT heads: own RT)."""
    if principal.role == "rt":
        return stmt.where(Resident.rw == principal.rw, Resident.rt == principal.rt)
    if principal.can("residents:read"):
        return stmt
    if principal.role == "resident":
        return stmt.where(Resident.id == principal.id)
    return stmt.where(False)


def get_visible(principal: Any, nik: str) -> Resident:
    """The resident with that NIK if the principal may see them; otherwise 404 alike."""
    resident = db.session.scalar(
        scope(select(Resident), principal).where(Resident.nik == nik)
    )
    if resident is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    return resident


def issue_pin(resident: Resident) -> str:
    """Makes a new self-service PIN, returned once; older sessions end."""
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
    resident.pin_hash = hash_secret(pin)
    resident.pin_epoch += 1
    audit.record(
        "residents.pin_issue",
        object_type="resident",
        object_id=resident.id,
        detail=mask_nik(resident.nik),
    )
    return pin


def find_by_nik(nik: str) -> Resident | None:
    """The resident with exactly that NIK, or None."""
    return db.session.scalar(select(Resident).where(Resident.nik == clean_nik(nik)))


def authenticate_resident(nik: str, pin: str, address: str | None) -> Resident:
    """Signs a resident in by NIK and PIN; an unknown NIK answers like a wrong PIN."""
    nik = clean_nik(nik)[:32]
    keys = [throttle_key("nik", nik), throttle_key("ip", address or "-")]
    return check_sign_in(
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
