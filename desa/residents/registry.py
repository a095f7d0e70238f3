"""Creating and changing residents, with history; population events.

Services: they validate, change state, write history and the audit line, and raise
ServiceError subclasses. They never commit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.errors import Conflict, ServiceError, ValidationError
from desa.core.formatting import mask_nik
from desa.core.i18n import N_
from desa.core.village import get_village
from desa.extensions import db
from desa.residents import fields, life_events
from desa.residents.models import (
    Area,
    EktpStatus,
    LifeStatus,
    Resident,
    ResidentChange,
    ResidentEvent,
)
from desa.residents.nik import check_nik, is_temporary_nik, temporary_nik
from desa.residents.rules import is_wajib_ktp

# Field name → parser; each parser takes the raw value and returns the stored one.
EDITABLE = (
    "kk",
    "family_relation",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "religion",
    "marital_status",
    "occupation",
    "education",
    "address",
    "dusun",
    "rw",
    "rt",
    "phone",
    "ektp_status",
    "citizenship",
    "disabled",
    "works_away",
    "away_place",
    "away_until",
    "father_name",
    "mother_name",
    "blood_type",
    "marriage_date",
)
LABELS = {
    "nik": "NIK",
    "kk": "Nomor KK",
    "family_relation": "Hubungan keluarga",
    "name": "Nama",
    "sex": "Jenis kelamin",
    "birth_place": "Tempat lahir",
    "birth_date": "Tanggal lahir",
    "religion": "Agama",
    "marital_status": "Status kawin",
    "occupation": "Pekerjaan",
    "education": "Pendidikan",
    "address": "Alamat",
    "dusun": "Dusun",
    "rw": "RW",
    "rt": "RT",
    "phone": "Telepon",
    "ektp_status": "Status e-KTP",
    "life_status": "Status hidup",
    "citizenship": "Kewarganegaraan",
    "disabled": "Disabilitas",
    "works_away": "Bekerja di luar daerah",
    "away_place": "Tempat bekerja",
    "away_until": "Perkiraan pulang",
    "father_name": "Nama ayah",
    "mother_name": "Nama ibu",
    "blood_type": "Golongan darah",
    "marriage_date": "Tanggal perkawinan",
}


class NeedsConfirmation(ServiceError):
    """The NIK has warnings the clerk must confirm before saving."""

    status, code = 422, "needs_confirmation"
    quiet = True  # the form lists the warnings beside the NIK to be confirmed


def parse_field(name: str, value: Any, today: dt.date | None = None) -> Any:
    """One field's stored value; FieldError with an Indonesian message otherwise."""
    if name == "name":
        return fields.name(value)
    if name == "sex":
        return fields.sex(value)
    if name == "birth_date":
        return fields.birth_date(value, today=today, required=False)
    if name == "kk":
        return fields.kk(value)
    if name == "religion":
        return fields.religion(value)
    if name == "marital_status":
        return fields.marital_status(value)
    if name in ("rw", "rt"):
        return fields.rt_rw(value, name.upper())
    if name == "ektp_status":
        return fields.ektp_status(value)
    if name == "phone":
        return fields.phone(value)
    if name in ("disabled", "works_away"):
        return fields.flag(value)
    if name == "away_until":
        return fields.return_date(value)
    if name in ("father_name", "mother_name"):
        return fields.parent_name(value, LABELS[name])
    if name == "blood_type":
        return fields.blood_type(value)
    if name == "marriage_date":
        return fields.marriage_date(value, today=today)
    if name == "citizenship":
        value = fields.text(value, limit=3, upper=True) or "WNI"
        if value not in ("WNI", "WNA"):
            raise fields.FieldError("Kewarganegaraan harus WNI atau WNA.")
        return value
    limits = {
        "family_relation": 40,
        "birth_place": 80,
        "occupation": 80,
        "education": 80,
        "address": 200,
        "dusun": 60,
        "away_place": 80,
    }
    upper = name in ("family_relation", "birth_place", "occupation", "education")
    return fields.text(value, limit=limits[name], upper=upper)


def clean(
    data: Mapping[str, Any], names: tuple[str, ...] | list[str], today: dt.date
) -> dict[str, Any]:
    """Parses the given fields; raises ValidationError listing every bad one."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        try:
            out[name] = parse_field(name, data.get(name), today)
        except fields.FieldError as err:
            errors[name] = [str(err)]
    if errors:
        raise ValidationError(
            _(
                "Data penduduk belum benar: %(f)s.",
                f=", ".join(LABELS[n] for n in errors),
            ),
            fields=errors,
        )
    return out


def _nik_issues(
    nik_raw: Any, birth: dt.date | None, sex: str | None, confirm: bool, today: dt.date
) -> tuple[str, list[str]]:
    village = get_village()
    check = check_nik(
        nik_raw,
        birth_date=birth,
        sex=sex,
        village_code=village.code if village else None,
        today=today,
    )
    if check.errors:
        raise ValidationError(
            check.errors[0].message, fields={"nik": [e.message for e in check.errors]}
        )
    if check.warnings and not confirm:
        raise NeedsConfirmation(
            _(
                "NIK perlu dikonfirmasi: %(w)s",
                w=" ".join(w.message for w in check.warnings),
            ),
            fields={"nik": [w.message for w in check.warnings]},
            extra={
                "warnings": [
                    {"code": w.code, "message": w.message} for w in check.warnings
                ]
            },
        )
    return check.nik or "", [w.code for w in check.warnings]


def log_change(
    actor: Actor,
    resident: Resident,
    field: str,
    before: Any,
    after: Any,
    reason: str | None = None,
) -> None:
    """Appends one history row (who, when, field, before → after)."""
    db.session.add(
        ResidentChange(
            resident=resident,
            changed_at=actor.utcnow,
            changed_by=actor.display_name,
            field=field,
            before=None if before is None else str(before),
            after=None if after is None else str(after),
            reason=reason,
        )
    )


def ensure_area(dusun: str | None, rw: str | None, rt: str | None) -> None:
    """Makes sure the RT exists in the area list (created on first use)."""
    if not (rw and rt):
        return
    area = db.session.scalar(select(Area).where(Area.rw == rw, Area.rt == rt))
    if area is None:
        db.session.add(Area(dusun=dusun, rw=rw, rt=rt))
        db.session.flush()
    elif dusun and not area.dusun:
        area.dusun = dusun


def create_resident(
    actor: Actor, data: Mapping[str, Any], *, confirm_warnings: bool = False
) -> Resident:
    """Adds a resident; a NIK that exists is a 409, NIK warnings need confirming.

    A NIK already in the register is said first, before anything else on the form:
    the clerk is most likely about to enter that person twice.
    """
    typed = "".join(ch for ch in str(data.get("nik") or "") if ch.isdigit())
    if len(typed) == 16 and db.session.scalar(
        select(Resident.id).where(Resident.nik == typed)
    ):
        raise _duplicate(typed)
    values = clean(data, list(EDITABLE), actor.today)
    if values["birth_date"] is None:
        raise ValidationError(
            _("Tanggal lahir wajib diisi."), fields={"birth_date": [_("Wajib diisi.")]}
        )
    temporary = bool(data.get("nik_temporary")) and not data.get("nik")
    if temporary:
        nik, warnings = next_temporary_nik(), []
    else:
        nik, warnings = _nik_issues(
            data.get("nik"),
            values["birth_date"],
            values["sex"],
            confirm_warnings,
            actor.today,
        )
        temporary = is_temporary_nik(nik, get_village().code if get_village() else None)
    if db.session.scalar(select(Resident.id).where(Resident.nik == nik)):
        raise _duplicate(nik)
    resident = Resident(
        nik=nik,
        nik_temporary=temporary,
        name_key=values["name"],
        nik_warnings=json.dumps(warnings),
        **values,
    )
    try:
        with db.session.begin_nested():
            db.session.add(resident)
    except IntegrityError:  # a concurrent insert of the same NIK won the race
        raise Conflict(
            _("NIK %(n)s sudah terdaftar.", n=mask_nik(nik)), code="duplicate"
        ) from None
    ensure_area(resident.dusun, resident.rw, resident.rt)
    log_change(actor, resident, "created", None, mask_nik(nik), "data baru")
    audit.record(
        actor,
        "residents.create",
        object_type="resident",
        object_id=resident.id,
        detail=f"{mask_nik(nik)} {resident.area_label}",
    )
    return resident


def _duplicate(nik: str) -> Conflict:
    return Conflict(
        _("NIK %(n)s sudah terdaftar.", n=mask_nik(nik)),
        code="duplicate",
        fields={"nik": [_("NIK sudah terdaftar.")]},
    )


def next_temporary_nik() -> str:
    """The next free temporary NIK of this village: 0 + village code + sequence."""
    village = get_village()
    if village is None:
        raise ValidationError(_("Desa belum diatur."))
    prefix = temporary_nik(village.code, 1)[:11]
    last = db.session.scalar(
        select(func.max(Resident.nik)).where(Resident.nik.startswith(prefix))
    )
    sequence = int(last[11:]) + 1 if last else 1
    return temporary_nik(village.code, sequence)


def update_resident(
    actor: Actor,
    resident: Resident,
    changes: Mapping[str, Any],
    *,
    confirm_warnings: bool = False,
    reason: str | None = None,
) -> list[str]:
    """Changes fields (never life status); returns the names of fields that changed."""
    unknown = set(changes) - set(EDITABLE) - {"nik", "confirm_warnings"}
    if "life_status" in unknown:
        raise ValidationError(
            _("Status hidup hanya berubah lewat peristiwa kependudukan."),
            fields={
                "life_status": [_("Gunakan peristiwa (meninggal, pindah, datang).")]
            },
        )
    if unknown:
        raise ValidationError(
            _("Kolom tidak dikenal: %(f)s.", f=", ".join(sorted(unknown))),
            fields={k: [_("Tidak dikenal.")] for k in unknown},
        )
    names = [n for n in EDITABLE if n in changes]
    values = clean(changes, names, actor.today)
    if "name" in values and values["name"] is None:
        raise ValidationError(
            _("Nama wajib diisi."), fields={"name": [_("Wajib diisi.")]}
        )
    changed = []
    if "nik" in changes and fields.text(changes["nik"], limit=64) != resident.nik:
        replace_nik(
            actor,
            resident,
            changes["nik"],
            confirm_warnings=confirm_warnings,
            birth=values.get("birth_date", resident.birth_date),
            sex=values.get("sex", resident.sex),
        )
        changed.append("nik")
    for name, value in values.items():
        before = getattr(resident, name)
        if before != value:
            if name in ("name", "sex") and value is None:
                continue
            setattr(resident, name, value)
            log_change(actor, resident, name, before, value, reason)
            changed.append(name)
    if "name" in values:
        resident.name_key = resident.name
    if "marital_status" in changed and "ektp_status" not in values:
        follow_wajib(actor, resident, actor.today, reason)
    if {"rw", "rt", "dusun"} & set(changed):
        ensure_area(resident.dusun, resident.rw, resident.rt)
    if changed:
        audit.record(
            actor,
            "residents.update",
            object_type="resident",
            object_id=resident.id,
            detail=f"{mask_nik(resident.nik)}: {', '.join(changed)}",
        )
    return changed


def replace_nik(
    actor: Actor,
    resident: Resident,
    raw: Any,
    *,
    confirm_warnings: bool,
    birth: dt.date | None,
    sex: str | None,
) -> None:
    """Replaces a temporary NIK with the real one (history kept); real NIKs never change."""
    if not resident.nik_temporary:
        raise Conflict(
            _(
                "NIK tetap tidak dapat diubah. Hanya NIK sementara yang diganti NIK asli."
            ),
            code="nik_fixed",
            fields={"nik": [_("Tidak dapat diubah.")]},
        )
    nik, warnings = _nik_issues(raw, birth, sex, confirm_warnings, actor.today)
    if db.session.scalar(select(Resident.id).where(Resident.nik == nik)):
        raise Conflict(
            _("NIK %(n)s sudah terdaftar.", n=mask_nik(nik)),
            code="duplicate",
            fields={"nik": [_("NIK sudah terdaftar.")]},
        )
    log_change(
        actor, resident, "nik", resident.nik, nik, "NIK sementara diganti NIK asli"
    )
    resident.nik, resident.nik_temporary = nik, False
    resident.nik_warnings = json.dumps(warnings)


# --- population events ----------------------------------------------------------------

EVENT_LABELS = {
    "birth": N_("Kelahiran"),
    "death": N_("Kematian"),
    "move_out": N_("Pindah keluar"),
    "move_in": N_("Datang / kembali"),
    "marriage": N_("Perkawinan"),
    "divorce": N_("Perceraian"),
}


def record_event(
    actor: Actor,
    resident: Resident,
    type_: str,
    date: Any,
    note: str | None,
    *,
    child: Mapping[str, Any] | None = None,
) -> ResidentEvent:
    """Records a dated population event and applies it (life or marital status).

    A birth is recorded on a parent with the child's data (`child`): the newborn
    joins the parent's family card and the event is the child's; see record_birth.
    """
    if type_ == "birth":
        return record_birth(actor, resident, date, note, child)
    errors: dict[str, list[str]] = {}
    if not isinstance(type_, str) or type_ not in EVENT_LABELS:
        errors["type"] = [
            _(
                "Jenis peristiwa harus salah satu dari: %(t)s.",
                t=", ".join(EVENT_LABELS),
            )
        ]
    try:
        day = fields.birth_date(date, today=actor.today)
    except fields.FieldError:
        day = None
        errors["date"] = [
            _("Tanggal peristiwa harus YYYY-MM-DD dan tidak di masa depan.")
        ]
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > 1000:
        errors["note"] = [_("Catatan paling banyak 1000 karakter.")]
    if errors:
        raise ValidationError(_("Data peristiwa belum benar."), fields=errors)
    if resident.birth_date and day < resident.birth_date:
        raise ValidationError(
            _("Tanggal peristiwa tidak boleh sebelum tanggal lahir."),
            fields={"date": [_("Sebelum tanggal lahir.")]},
        )
    field, after = _event_effect(resident, type_)
    before = getattr(resident, field)
    setattr(resident, field, after)
    if field == "marital_status":
        follow_wajib(actor, resident, day, f"{EVENT_LABELS[type_]} {day.isoformat()}")
    event = _add_event(actor, resident, type_, day, note)
    log_change(
        actor,
        resident,
        field,
        before,
        after,
        f"{EVENT_LABELS[type_]} {day.isoformat()}",
    )
    audit.record(
        actor,
        f"residents.event.{type_}",
        object_type="resident",
        object_id=resident.id,
        detail=f"{mask_nik(resident.nik)} {day.isoformat()}",
    )
    db.session.flush()
    life_events.notify(actor, resident, event)
    return event


def follow_wajib(
    actor: Actor, resident: Resident, day: dt.date, reason: str | None
) -> None:
    """A stored 1 BELUM WAJIB becomes 2 BELUM REKAM once the person is wajib KTP
    (17, or married), with its history line; other statuses are left alone."""
    if resident.ektp_status == EktpStatus.BELUM_WAJIB and is_wajib_ktp(resident, day):
        resident.ektp_status = EktpStatus.BELUM_REKAM
        log_change(
            actor,
            resident,
            "ektp_status",
            EktpStatus.BELUM_WAJIB,
            EktpStatus.BELUM_REKAM,
            reason,
        )


# What a newborn takes from the parent it is recorded on.
_FROM_PARENT = (
    "kk",
    "religion",
    "address",
    "dusun",
    "rw",
    "rt",
    "citizenship",
)


def record_birth(
    actor: Actor,
    parent: Resident,
    date: Any,
    note: str | None,
    child: Mapping[str, Any] | None,
) -> ResidentEvent:
    """A newborn joins the family of `parent` (mother or father).

    The child is a new resident on the parent's KK, `ANAK`, born on the event's
    date, not yet wajib KTP; without a NIK it gets a temporary one. The event is
    the child's; the parent's history notes the birth.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(child, Mapping):
        child = {}
        errors["child"] = [_("Data anak (nama dan jenis kelamin) wajib diisi.")]
    try:
        day = fields.birth_date(date, today=actor.today)
    except fields.FieldError:
        day = None
        errors["date"] = [
            _("Tanggal peristiwa harus YYYY-MM-DD dan tidak di masa depan.")
        ]
    if day is None and "date" not in errors:
        errors["date"] = [_("Tanggal lahir anak wajib diisi.")]
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > 1000:
        errors["note"] = [_("Catatan paling banyak 1000 karakter.")]
    if errors:
        raise ValidationError(_("Data peristiwa belum benar."), fields=errors)
    if parent.life_status != LifeStatus.ACTIVE:
        raise Conflict(
            _(
                "Peristiwa hanya untuk penduduk aktif; status sekarang: %(s)s.",
                s=parent.life_status,
            ),
            code="state_conflict",
        )
    if not parent.kk:
        raise Conflict(
            _("Orang tua belum punya Nomor KK; lengkapi dulu datanya."),
            code="no_family_card",
        )
    if parent.birth_date and day <= parent.birth_date:
        raise ValidationError(
            _("Tanggal lahir anak harus sesudah tanggal lahir orang tua."),
            fields={"date": [_("Sebelum tanggal lahir orang tua.")]},
        )
    data: dict[str, Any] = {name: getattr(parent, name) for name in _FROM_PARENT}
    for name in ("name", "sex", "birth_place", "nik"):
        value = child.get(name)
        data[name] = value if isinstance(value, str) else None
    data.update(
        family_relation="ANAK",
        birth_date=day.isoformat(),
        marital_status="BELUM KAWIN",
        ektp_status=EktpStatus.BELUM_WAJIB,
        phone=None,
        occupation=None,
        education=None,
        nik_temporary=not (data["nik"] or "").strip(),
    )
    if not data["name"] or not str(data["name"]).strip():
        raise ValidationError(
            _("Nama anak wajib diisi."), fields={"child.name": [_("Wajib diisi.")]}
        )
    try:
        baby = create_resident(
            actor, data, confirm_warnings=child.get("confirm_warnings") is True
        )
    except ServiceError as err:
        # The child's fields, named as they came: `child.nik`, `child.sex`, …
        err.fields = {
            ("date" if name == "birth_date" else f"child.{name}"): messages
            for name, messages in err.fields.items()
        }
        raise
    event = _add_event(actor, baby, "birth", day, note)
    log_change(
        actor,
        parent,
        "family",
        None,
        mask_nik(baby.nik),
        f"{EVENT_LABELS['birth']} {day.isoformat()}: {baby.name}",
    )
    audit.record(
        actor,
        "residents.event.birth",
        object_type="resident",
        object_id=baby.id,
        detail=f"{mask_nik(baby.nik)} {day.isoformat()}, "
        f"orang tua {mask_nik(parent.nik)}",
    )
    db.session.flush()
    life_events.notify(actor, baby, event)
    return event


def _add_event(
    actor: Actor, resident: Resident, type_: str, day: dt.date, note: str | None
) -> ResidentEvent:
    """The event row itself: what happened to whom, on which day, entered by whom."""
    event = ResidentEvent(
        resident=resident,
        type=type_,
        date=day,
        note=note,
        created_by=actor.display_name,
        created_at=actor.utcnow,
    )
    db.session.add(event)
    return event


def _event_effect(resident: Resident, type_: str) -> tuple[str, str]:
    """Which field the event changes and to what; refuses events that make no sense."""
    state = resident.life_status
    if type_ == "move_in":
        if state == LifeStatus.ACTIVE:
            raise Conflict(
                _("Penduduk ini sudah tercatat tinggal di desa."), code="state_conflict"
            )
        if state == LifeStatus.DECEASED:
            raise Conflict(_("Penduduk ini tercatat meninggal."), code="state_conflict")
        return "life_status", LifeStatus.ACTIVE
    if state != LifeStatus.ACTIVE:
        raise Conflict(
            _("Peristiwa hanya untuk penduduk aktif; status sekarang: %(s)s.", s=state),
            code="state_conflict",
        )
    if type_ == "death":
        return "life_status", LifeStatus.DECEASED
    if type_ == "move_out":
        return "life_status", LifeStatus.MOVED
    if type_ == "marriage":
        if resident.marital_status == "KAWIN":
            raise Conflict(
                _("Penduduk ini sudah berstatus kawin."), code="state_conflict"
            )
        return "marital_status", "KAWIN"
    if resident.marital_status != "KAWIN":
        raise Conflict(
            _("Perceraian hanya untuk penduduk berstatus kawin."), code="state_conflict"
        )
    return "marital_status", "CERAI HIDUP"
