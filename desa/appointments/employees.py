"""An employer's list of employees, matched against residents by NIK and name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desa.appointments.models import Employee
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.permissions import Role
from desa.auth.scope import scopes
from desa.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationError,
)
from desa.core.formatting import mask_nik, mask_text
from desa.extensions import db
from desa.residents.models import Resident
from desa.residents.services import clean_nik

# One answer for both reasons: telling "NIK unknown" from "name differs" would let an
# employer probe which NIKs live in the village. The code is still kept per employee.
_NO_MATCH = _l(
    "NIK dan nama tidak cocok dengan data penduduk desa ini. Periksa NIK "
    "pada KTP/KK dan tulis nama seperti di KK."
)
MISMATCH_LABELS = {"nik_unknown": _NO_MATCH, "name_differs": _NO_MATCH}


def _name_key(name: str) -> str:
    return " ".join(name.upper().replace(".", " ").replace(",", " ").split())


def _match(nik: str, name: str) -> tuple[Resident | None, str | None]:
    resident = db.session.scalar(select(Resident).where(Resident.nik == nik))
    if resident is None:
        return None, "nik_unknown"
    if _name_key(resident.name) != _name_key(name):
        return None, "name_differs"
    return resident, None


def _employer_id(actor: Actor) -> int:
    employer_id = getattr(actor.principal, "employer_id", None)
    if employer_id is None:
        raise Forbidden(_("Hanya akun pemberi kerja yang menyimpan daftar karyawan."))
    return employer_id


def add_employee(actor: Actor, nik_raw: Any, name_raw: Any, email: Any = None):
    """Adds a person to the employer's list; the match (or why not) is kept with them."""
    employer_id = _employer_id(actor)
    nik = clean_nik(str(nik_raw or ""))
    name = " ".join(str(name_raw or "").split())
    errors: dict[str, list[str]] = {}
    if not (nik.isascii() and nik.isdigit() and len(nik) == 16):
        errors["nik"] = [_("NIK harus 16 angka.")]
    if not name or len(name) > 120:
        errors["name"] = [_("Nama wajib diisi (paling banyak 120 karakter).")]
    email = str(email or "").strip() or None
    if email and ("@" not in email or len(email) > 200 or " " in email):
        errors["email"] = [_("Alamat e-mail tidak valid.")]
    if errors:
        raise ValidationError(_("Data karyawan belum benar."), fields=errors)
    resident, mismatch = _match(nik, name)
    employee = Employee(
        employer_id=employer_id,
        nik=nik,
        name=name.upper(),
        email=email,
        resident=resident,
        mismatch=mismatch,
        created_by=actor.display_name,
        created_at=actor.utcnow,
    )
    try:
        with db.session.begin_nested():
            db.session.add(employee)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("NIK %(n)s sudah ada di daftar Anda.", n=mask_nik(nik)),
            code="duplicate",
            fields={"nik": [_("Sudah ada di daftar.")]},
        ) from None
    audit.record(
        actor,
        "appointments.employee_add",
        object_type="employee",
        object_id=employee.id,
        detail=f"{mask_nik(nik)} {'cocok' if resident else mismatch}",
    )
    return employee


MAX_PASTED = 500
_SEPARATORS = re.compile(r"\t|;|,")


@dataclass(frozen=True)
class PastedLine:
    """What became of one line of a pasted list."""

    line: int
    text: str
    added: Employee | None = None
    problem: str | None = None


def add_employees(actor: Actor, text: str) -> list[PastedLine]:
    """Adds a pasted list, one person a line (`NIK, Nama[, e-mail]`, separated by a
    comma, a semicolon or a tab, as a spreadsheet copies it).

    Each line stands alone: a wrong line is reported with its reason and the others
    are still added (each in its own savepoint). A header line is skipped.
    """
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = [(n, raw) for n, raw in lines if raw]
    if not lines:
        raise ValidationError(
            _("Tempelkan daftar karyawan: satu orang satu baris, NIK lalu nama."),
            fields={"pasted": [_("Daftar kosong.")]},
        )
    if len(lines) > MAX_PASTED:
        raise ValidationError(
            _("Paling banyak %(m)d baris sekali tempel.", m=MAX_PASTED),
            fields={"pasted": [_("Terlalu banyak baris.")]},
        )
    out: list[PastedLine] = []
    for n, raw in lines:
        cells = [c.strip() for c in _SEPARATORS.split(raw)]
        if n == lines[0][0] and cells and cells[0].upper() in ("NIK", "NO NIK"):
            continue  # the header row of a copied spreadsheet
        nik, name, email = (cells + ["", "", ""])[:3]
        try:
            with db.session.begin_nested():
                added = add_employee(actor, nik, name, email)
        except ServiceError as err:
            problem = (
                " ".join(m for ms in err.fields.values() for m in ms) or err.message
            )
            out.append(PastedLine(n, mask_text(raw), problem=problem))
        else:
            out.append(PastedLine(n, mask_text(raw), added=added))
    return out


def remove_employee(actor: Actor, employee_id: int) -> None:
    """Takes a person off the list (their bookings stay)."""
    employee = scopes.get(actor, Employee, Employee.id == employee_id)
    if employee is None:
        raise NotFound(_("Karyawan tidak ditemukan."))
    audit.record(
        actor,
        "appointments.employee_remove",
        object_type="employee",
        object_id=employee.id,
        detail=mask_nik(employee.nik),
    )
    db.session.delete(employee)


def recheck(actor: Actor) -> int:
    """Matches again the people not yet matched (the register may have changed)."""
    employer_id = _employer_id(actor)
    fixed = 0
    for employee in db.session.scalars(
        scopes.select(actor, Employee).where(Employee.resident_id.is_(None))
    ):
        resident, mismatch = _match(employee.nik, employee.name)
        employee.resident, employee.mismatch = resident, mismatch
        fixed += resident is not None
    audit.record(
        actor,
        "appointments.employee_recheck",
        object_type="employer",
        object_id=employer_id,
        detail=f"{fixed} kini cocok",
    )
    return fixed


def proposed(actor: Actor) -> list[Employee]:
    """Matched rows waiting for a confirmation the actor may give, oldest first.

    The desk sees every employer's proposals; a resident sees the employers that
    named them.
    """
    return list(
        db.session.scalars(
            scopes.select(actor, Employee)
            .where(Employee.resident_id.is_not(None), Employee.confirmed_at.is_(None))
            .order_by(Employee.created_at, Employee.id)
        )
    )


def _proposal(actor: Actor, employee_id: int) -> Employee:
    if actor.role == Role.EMPLOYER:
        raise Forbidden(_("Karyawan dikonfirmasi oleh warga itu atau kantor desa."))
    employee = scopes.get(actor, Employee, Employee.id == employee_id)
    if employee is None or employee.resident_id is None:
        raise NotFound(_("Usulan karyawan tidak ditemukan."))
    return employee


def confirm(actor: Actor, employee_id: int) -> Employee:
    """The resident or the desk confirms that the person works for the employer."""
    employee = _proposal(actor, employee_id)
    if employee.confirmed_at is not None:
        raise Conflict(_("Usulan ini sudah dikonfirmasi."), code="already_confirmed")
    employee.confirmed_at = actor.utcnow
    employee.confirmed_by = actor.display_name[:120]
    audit.record(
        actor,
        "appointments.employee_confirm",
        object_type="employee",
        object_id=employee.id,
        detail=f"{mask_nik(employee.nik)} {employee.employer.name}",
    )
    return employee


def decline(actor: Actor, employee_id: int) -> None:
    """The resident or the desk refuses the proposal: the row is taken off the list."""
    employee = _proposal(actor, employee_id)
    audit.record(
        actor,
        "appointments.employee_decline",
        object_type="employee",
        object_id=employee.id,
        detail=f"{mask_nik(employee.nik)} {employee.employer.name}",
    )
    db.session.delete(employee)


def of_employer(actor: Actor) -> list[Employee]:
    """The employees the actor sees (an employer: its own list), by name."""
    return list(
        db.session.scalars(
            scopes.select(actor, Employee).order_by(Employee.name, Employee.id)
        )
    )
