"""The register of temporary residents: who came to stay, from where, with whom,
and when they left. The Buku Penduduk Sementara is printed from it.

Services only: they validate, change rows and write the audit line; the request's
unit of work commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, select

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.errors import NotFound, ValidationError
from desa.core.village import get_village
from desa.extensions import db
from desa.papers.models import TemporaryResident
from desa.residents import fields
from desa.residents.nik import check_nik, normalize_nik

# What a clerk types in; `left_on` is set by `mark_left` or corrected by `update`.
EDITABLE = (
    "name",
    "sex",
    "citizenship",
    "id_number",
    "nationality",
    "birth_place",
    "birth_date",
    "occupation",
    "came_from",
    "purpose",
    "host_name",
    "host_address",
    "dusun",
    "rw",
    "rt",
    "arrived_on",
    "note",
)
LABELS = {
    "name": _l("Nama"),
    "sex": _l("Jenis kelamin"),
    "citizenship": _l("Kewarganegaraan"),
    "id_number": _l("NIK / nomor paspor"),
    "nationality": _l("Kebangsaan"),
    "birth_place": _l("Tempat lahir"),
    "birth_date": _l("Tanggal lahir"),
    "occupation": _l("Pekerjaan"),
    "came_from": _l("Datang dari"),
    "purpose": _l("Maksud dan tujuan kedatangan"),
    "host_name": _l("Nama yang didatangi"),
    "host_address": _l("Alamat yang didatangi"),
    "dusun": _l("Dusun"),
    "rw": _l("RW"),
    "rt": _l("RT"),
    "arrived_on": _l("Tanggal datang"),
    "left_on": _l("Tanggal pergi"),
    "note": _l("Keterangan"),
}
# Free text: column limit and whether it is kept in capitals as Disdukcapil writes.
_TEXT = {
    "nationality": (60, True),
    "birth_place": (80, True),
    "occupation": (80, True),
    "came_from": (200, False),
    "purpose": (200, False),
    "host_name": (120, True),
    "host_address": (200, False),
    "dusun": (60, False),
    "note": (300, False),
}
_REQUIRED = ("came_from", "purpose", "host_name", "host_address")
_PASSPORT = re.compile(r"[A-Z0-9]{5,30}")
_DIGITS = re.compile(r"[0-9]+")
# Control characters (a NUL PostgreSQL refuses, pasted terminal codes); tabs and
# line breaks are only spaces to `fields.text`.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NIK_LENGTH = 16

CREATED = "temporary_residents.create"
UPDATED = "temporary_residents.update"
LEFT = "temporary_residents.leave"
LISTED = "temporary_residents.list"


def staying_between(start: dt.date, end: dt.date) -> list[TemporaryResident]:
    """Everyone who stayed in the village on some day from `start` to `end`
    (arrived by `end`, not gone before `start`), by arrival; for the printed book.

    Unscoped: the book is the village's; its caller checks who may print it.
    """
    stmt = (
        select(TemporaryResident)
        .where(*_overlapping(start, end))
        .order_by(TemporaryResident.arrived_on, TemporaryResident.id)
    )
    return list(db.session.scalars(stmt))


def _overlapping(start: dt.date, end: dt.date) -> tuple[Any, ...]:
    return (
        TemporaryResident.arrived_on <= end,
        TemporaryResident.left_on.is_(None) | (TemporaryResident.left_on >= start),
    )


def search(
    actor: Actor,
    *,
    month: tuple[int, int] | None = None,
    q: str | None = None,
) -> Select:
    """The rows the actor may see: those still staying first (latest arrival
    first), then those who left (latest leaving first); optionally only those
    staying in a (year, month) and those whose name contains `q`."""
    stmt = scopes.select(actor, TemporaryResident)
    if month is not None:
        start, end = month_bounds(*month)
        stmt = stmt.where(*_overlapping(start, end))
    name = fields.text(_CONTROL.sub("", q), limit=120, upper=True) if q else None
    if name:
        stmt = stmt.where(TemporaryResident.name.contains(name, autoescape=True))
    gone = case((TemporaryResident.left_on.is_(None), 0), else_=1)
    return stmt.order_by(
        gone,
        TemporaryResident.left_on.desc(),
        TemporaryResident.arrived_on.desc(),
        TemporaryResident.id.desc(),
    )


def record_list_read(
    actor: Actor, *, month: tuple[int, int] | None, q: str | None, shown: int
) -> None:
    """The audit line of a look at the register (it holds personal data)."""
    said = [f"ditampilkan={shown}"]
    if month:
        said.append(f"bulan={month[0]:04d}-{month[1]:02d}")
    if q:
        said.append(f"cari={q[:60]}")
    audit.record(actor, LISTED, object_type="temporary_resident", detail=" ".join(said))


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a month."""
    start = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def get(actor: Actor, row_id: int) -> TemporaryResident:
    """One row the actor may see; 404 alike for one outside their scope."""
    row = scopes.get(actor, TemporaryResident, TemporaryResident.id == row_id)
    if row is None:
        raise NotFound(_("Data penduduk sementara tidak ditemukan."))
    return row


def create(actor: Actor, data: Mapping[str, Any]) -> TemporaryResident:
    """Records someone who came to stay; every bad field is named at once."""
    values = clean(data, actor.today)
    left_on = _left_on(data.get("left_on"), values["arrived_on"], actor.today)
    row = TemporaryResident(
        **values,
        left_on=left_on,
        created_by=(actor.display_name or "")[:120],
        created_at=actor.utcnow,
        updated_at=actor.utcnow,
    )
    _check_scope(actor, row)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        CREATED,
        object_type="temporary_resident",
        object_id=row.id,
        detail=f"{row.name} datang {row.arrived_on.isoformat()}",
    )
    return row


def update(actor: Actor, row: TemporaryResident, data: Mapping[str, Any]) -> list[str]:
    """Corrects a row (and its leaving date, when given); returns the changed fields."""
    values = clean(data, actor.today)
    if "left_on" in data:
        values["left_on"] = _left_on(data["left_on"], values["arrived_on"], actor.today)
    elif row.left_on is not None and row.left_on < values["arrived_on"]:
        raise _invalid("arrived_on", _("Tanggal datang sesudah tanggal pergi."))
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(row, name, values[name])
    _check_scope(actor, row)
    row.updated_at = actor.utcnow
    audit.record(
        actor,
        UPDATED,
        object_type="temporary_resident",
        object_id=row.id,
        detail="diubah: " + ", ".join(changed),
    )
    return changed


def mark_left(actor: Actor, row: TemporaryResident, day: Any) -> TemporaryResident:
    """Records the day someone left (a second call corrects the day)."""
    left_on = _left_on(day, row.arrived_on, actor.today)
    if left_on is None:
        raise _invalid("left_on", _("Tanggal pergi wajib diisi."))
    row.left_on = left_on
    row.updated_at = actor.utcnow
    audit.record(
        actor,
        LEFT,
        object_type="temporary_resident",
        object_id=row.id,
        detail=f"pergi {left_on.isoformat()}",
    )
    return row


# --- validation --------------------------------------------------------------------


def clean(data: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """The stored values of every editable field; ValidationError naming each bad one."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in EDITABLE:
        value = data.get(name)
        if isinstance(value, str) and _CONTROL.search(value):
            errors[name] = [_("Isian berisi karakter yang tidak dapat dicetak.")]
            continue
        if name == "id_number":
            continue  # needs the citizenship, sex and birth date: checked below
        try:
            out[name] = _parse(name, data.get(name), today)
        except fields.FieldError as err:
            errors[name] = [str(err)]
    try:
        if "id_number" not in errors:
            out["id_number"] = _id_number(data.get("id_number"), out, today)
    except fields.FieldError as err:
        errors["id_number"] = [str(err)]
    if out.get("citizenship") == "WNA" and not out.get("nationality"):
        errors["nationality"] = [_("Kebangsaan wajib diisi untuk WNA.")]
    if out.get("citizenship") == "WNI":
        out["nationality"] = None
    if errors:
        raise ValidationError(
            _(
                "Data penduduk sementara belum benar: %(f)s.",
                f=", ".join(str(LABELS[n]) for n in errors),
            ),
            fields=errors,
        )
    return out


def _parse(name: str, value: Any, today: dt.date) -> Any:
    if name == "name":
        return fields.name(value)
    if name == "sex":
        return fields.sex(value)
    if name == "citizenship":
        value = fields.text(value, limit=3, upper=True) or "WNI"
        if value not in ("WNI", "WNA"):
            raise fields.FieldError(_("Kewarganegaraan harus WNI atau WNA."))
        return value
    if name == "birth_date":
        return fields.birth_date(value, today=today, required=False)
    if name in ("rw", "rt"):
        return fields.rt_rw(value, name.upper())
    if name == "arrived_on":
        day = _date(value, _("Tanggal datang"), today)
        if day is None:
            raise fields.FieldError(_("Tanggal datang wajib diisi."))
        return day
    limit, upper = _TEXT[name]
    text = fields.text(value, limit=limit, upper=upper)
    if text is None and name in _REQUIRED:
        raise fields.FieldError(_("%(f)s wajib diisi.", f=LABELS[name]))
    return text


def _id_number(value: Any, parsed: Mapping[str, Any], today: dt.date) -> str:
    """A NIK for a WNI (checked like any NIK when it is one), a passport number
    for a WNA (letters and digits)."""
    typed = normalize_nik(value if value is not None else "").upper()
    if not typed:
        raise fields.FieldError(_("NIK atau nomor paspor wajib diisi."))
    if len(typed) > 30:
        raise fields.FieldError(_("Terlalu panjang (paling banyak 30 karakter)."))
    if parsed.get("citizenship") == "WNA":
        if not _PASSPORT.fullmatch(typed):
            raise fields.FieldError(
                _("Nomor paspor berisi 5–30 huruf dan angka, tanpa tanda baca.")
            )
        return typed
    if not _DIGITS.fullmatch(typed):
        raise fields.FieldError(
            _("NIK hanya berisi angka; untuk WNA pilih kewarganegaraan WNA.")
        )
    village = get_village()
    check = check_nik(
        typed,
        birth_date=parsed.get("birth_date"),
        sex=parsed.get("sex"),
        village_code=village.code if village else None,
        today=today,
    )
    if check.errors:
        raise fields.FieldError(check.errors[0].message)
    # Warnings (an old wilayah code, a birth date that differs from the NIK's) are
    # kept for the resident's own register; a visitor's NIK is written as shown.
    return check.nik or typed


def _date(value: Any, label: str, today: dt.date) -> dt.date | None:
    day = fields._day(value, label)
    if day is None:
        return None
    if day.year < 1900:
        raise fields.FieldError(_("%(f)s terlalu lama.", f=label))
    if day > today:
        raise fields.FieldError(_("%(f)s tidak boleh di masa depan.", f=label))
    return day


def _left_on(value: Any, arrived_on: dt.date, today: dt.date) -> dt.date | None:
    if isinstance(value, str) and _CONTROL.search(value):
        raise _invalid("left_on", _("Tanggal pergi tidak ada di kalender."))
    try:
        day = _date(value, _("Tanggal pergi"), today)
    except fields.FieldError as err:
        raise _invalid("left_on", str(err)) from None
    if day is not None and day < arrived_on:
        raise _invalid(
            "left_on", _("Tanggal pergi tidak boleh sebelum tanggal datang.")
        )
    return day


def _invalid(name: str, message: str) -> ValidationError:
    return ValidationError(message, fields={name: [message]})


def _check_scope(actor: Actor, row: TemporaryResident) -> None:
    """A row is written only where the actor may see it (an RT head: their RT)."""
    if not scopes.contains(actor, TemporaryResident, row):
        raise _invalid("rt", _("RT ini di luar wilayah Anda."))
