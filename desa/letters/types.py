"""Letter types (admin) and the village's letter settings. Services: never commit."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.errors import Conflict, ValidationError
from desa.core.models import Village
from desa.core.village import require_village
from desa.extensions import db
from desa.letters import numbering
from desa.letters.models import (
    DEFAULT_LIFE_STATUSES,
    DEFAULT_NUMBER_PATTERN,
    FIELD_TYPES,
    ISSUERS,
    KINDS,
    LetterType,
)
from desa.residents.models import LifeStatus

_CODE = re.compile(r"[A-Z0-9][A-Z0-9.-]{0,19}")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_FIELDS = 20
BODY_MAX = 8000
RESERVED = frozenset(
    {
        "nama",
        "nik",
        "no_kk",
        "tempat_lahir",
        "tanggal_lahir",
        "jenis_kelamin",
        "agama",
        "status_kawin",
        "pekerjaan",
        "kewarganegaraan",
        "alamat",
        "rt",
        "rw",
        "dusun",
        "desa",
        "kecamatan",
        "kabupaten",
        "provinsi",
        "keperluan",
    }
)
_REQUIRED_WORDS = {"wajib", "ya", "required", "1", "true"}
_TYPE_WORDS = {
    "text": "text",
    "teks": "text",
    "date": "date",
    "tanggal": "date",
    "number": "number",
    "angka": "number",
}


def fields_to_text(fields: list[dict[str, Any]]) -> str:
    """One line per field, `name | label | type | wajib`, for the admin's textarea."""
    return "\n".join(
        " | ".join(
            [f["name"], f.get("label", ""), f.get("type", "text")]
            + (["wajib"] if f.get("required") else [])
        )
        for f in fields or []
    )


def fields_from_text(text: str) -> list[dict[str, Any]]:
    """Parses the admin's field lines; errors name the line."""
    fields: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        name = parts[0].lower()
        label = parts[1] if len(parts) > 1 and parts[1] else name
        kind = _TYPE_WORDS.get(
            parts[2].lower() if len(parts) > 2 and parts[2] else "text"
        )
        required = len(parts) > 3 and parts[3].lower() in _REQUIRED_WORDS
        if kind is None:
            errors.append(
                _("Baris %(n)d: jenis isian harus teks, tanggal atau angka.", n=number)
            )
            continue
        fields.append(
            {"name": name, "label": label, "type": kind, "required": required}
        )
    if errors:
        raise ValidationError(errors[0], fields={"fields": errors})
    return fields


def _check_fields(fields: Any) -> list[dict[str, Any]]:
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        message = _("Paling banyak %(n)d isian tambahan.", n=MAX_FIELDS)
        raise ValidationError(message, fields={"fields": [message]})
    seen: set[str] = set()
    clean = []
    for item in fields:
        name = str(item.get("name", "")).strip() if isinstance(item, dict) else ""
        problem = None
        if not _FIELD_NAME.fullmatch(name):
            problem = _(
                "Nama isian %(n)s harus huruf kecil, angka atau garis bawah.",
                n=name or "?",
            )
        elif name in RESERVED:
            problem = _(
                "Nama isian %(n)s sudah dipakai untuk data penduduk atau desa.", n=name
            )
        elif name in seen:
            problem = _("Nama isian %(n)s muncul dua kali.", n=name)
        elif item.get("type", "text") not in FIELD_TYPES:
            problem = _("Jenis isian %(n)s tidak dikenal.", n=name)
        if problem:
            raise ValidationError(problem, fields={"fields": [problem]})
        seen.add(name)
        label = " ".join(str(item.get("label") or name).split())[:80]
        clean.append(
            {
                "name": name,
                "label": label,
                "type": item.get("type", "text"),
                "required": bool(item.get("required")),
            }
        )
    return clean


def _check_life_statuses(raw: Any, errors: dict[str, list[str]]) -> list[str]:
    """The served statuses in LifeStatus order (absent: the default); a problem
    goes into `errors`."""
    if raw is None:
        return [str(s) for s in DEFAULT_LIFE_STATUSES]
    known = [str(s) for s in LifeStatus]
    chosen = {str(s) for s in raw} if isinstance(raw, (list, tuple, set)) else set()
    if not chosen or not chosen <= set(known):
        errors["life_statuses"] = [
            _("Pilih paling sedikit satu status warga yang dilayani jenis surat ini.")
        ]
    return [s for s in known if s in chosen]


def clean_type(
    data: dict[str, Any], *, code_fixed: str | None = None
) -> dict[str, Any]:
    """The type's values checked; `code_fixed` keeps an existing type's code."""
    errors: dict[str, list[str]] = {}
    code = code_fixed or str(data.get("code") or "").strip().upper()
    if not _CODE.fullmatch(code):
        errors["code"] = [_("Kode 1–20 huruf besar, angka, titik atau tanda minus.")]
    title = " ".join(str(data.get("title") or "").split())
    if not 3 <= len(title) <= 150:
        errors["title"] = [_("Judul 3–150 karakter.")]
    kind = data.get("kind") or "letter"
    if kind not in KINDS:
        errors["kind"] = [_("Pilih surat keterangan atau surat pengantar.")]
    issuer = data.get("issuer") or "head"
    if issuer not in ISSUERS:
        errors["issuer"] = [_("Pilih kepala desa atau operator.")]
    body = str(data.get("body") or "").replace("\r\n", "\n").strip()
    if not body or len(body) > BODY_MAX:
        errors["body"] = [
            _("Isi surat wajib diisi (paling banyak %(n)d karakter).", n=BODY_MAX)
        ]
    validity = data.get("validity_days")
    if validity in (None, ""):
        validity = None
    else:
        try:
            validity = int(validity)
        except (TypeError, ValueError):
            validity = -1
        if not 1 <= validity <= 3650:
            errors["validity_days"] = [_("Masa berlaku 1–3650 hari, atau kosong.")]
    addressee = " ".join(str(data.get("addressee") or "").split())[:250] or None
    life_statuses = _check_life_statuses(data.get("life_statuses"), errors)
    if errors:
        raise ValidationError(_("Data jenis surat belum benar."), fields=errors)
    pattern = str(data.get("number_pattern") or DEFAULT_NUMBER_PATTERN).strip()
    numbering.check_pattern(pattern)
    return {
        "code": code,
        "title": title,
        "kind": kind,
        "issuer": issuer,
        "body": body,
        "validity_days": validity,
        "addressee": addressee,
        "number_pattern": pattern,
        "fields": _check_fields(data.get("fields") or []),
        "life_statuses": life_statuses,
        "active": bool(data.get("active", True)),
    }


def create_type(actor: Actor, data: dict[str, Any]) -> LetterType:
    """Adds a letter type; 409 when the code exists."""
    values = clean_type(data)
    if db.session.scalar(
        select(LetterType.id).where(LetterType.code == values["code"])
    ):
        raise Conflict(
            _("Kode %(c)s sudah dipakai.", c=values["code"]),
            code="duplicate",
            fields={"code": [_("Sudah dipakai.")]},
        )
    letter_type = LetterType(**values)
    db.session.add(letter_type)
    db.session.flush()
    audit.record(
        actor,
        "letter_types.create",
        object_type="letter_type",
        object_id=letter_type.code,
        detail=letter_type.title,
    )
    return letter_type


def update_type(
    actor: Actor, letter_type: LetterType, data: dict[str, Any]
) -> LetterType:
    """Changes a type; its code stays (issued QR tokens carry it)."""
    values = clean_type(data, code_fixed=letter_type.code)
    for name, value in values.items():
        setattr(letter_type, name, value)
    audit.record(
        actor,
        "letter_types.update",
        object_type="letter_type",
        object_id=letter_type.code,
        detail=letter_type.title,
    )
    return letter_type


def sample_resident() -> SimpleNamespace:
    """The made-up resident a type preview shows."""
    return SimpleNamespace(
        name="NAMA WARGA CONTOH",
        nik="6101120000000001",
        kk="6101120000000002",
        birth_place="SAMBAS",
        birth_date=dt.date(1990, 1, 1),
        sex="L",
        religion="ISLAM",
        marital_status="KAWIN",
        occupation="PETANI/PEKEBUN",
        citizenship="WNI",
        address="Jalan Contoh",
        rt="001",
        rw="001",
        dusun="Contoh",
        area_label="RT 001 / RW 001, Dusun Contoh",
    )


def preview_type_pdf(data: dict[str, Any], today: dt.date) -> bytes:
    """A DRAFT letter from unsaved type values, with sample data (admin's live preview)."""
    from desa.letters import layouts

    # Whom the type serves does not change its text: no box ticked yet is no
    # reason to withhold the preview.
    data = {**data, "life_statuses": data.get("life_statuses") or None}
    values = clean_type(
        data, code_fixed=str(data.get("code") or "").strip().upper() or "CONTOH"
    )
    letter_type = SimpleNamespace(**values)
    village = require_village()
    samples = {"date": today.isoformat(), "number": 1}
    fields = {
        f["name"]: samples.get(f["type"], f"({f['label']})") for f in values["fields"]
    }
    return layouts.render(
        layouts.Paper(
            letter_type=letter_type,
            resident=sample_resident(),
            purpose="(keperluan yang ditulis warga)",
            fields=fields,
            village=village,
            on=today,
            signer_name=village.head_name or "(nama penanda tangan)",
            signer_title=village.head_title or f"Kepala {village.title}",
            draft=True,
        )
    )


def update_settings(
    actor: Actor, village: Village, *, clerk_may_issue: bool, shared_sequence: bool
) -> Village:
    """Who may issue and how letters are numbered; switching keeps numbers unique."""
    if bool(shared_sequence) != bool(village.shared_letter_sequence):
        type_ids = list(db.session.scalars(select(LetterType.id)))
        numbering.align_counters(actor.today.year, type_ids, bool(shared_sequence))
    village.clerk_may_issue = bool(clerk_may_issue)
    village.shared_letter_sequence = bool(shared_sequence)
    audit.record(
        actor,
        "letters.settings",
        object_type="village",
        object_id=village.code,
        detail=f"clerk_may_issue={village.clerk_may_issue} "
        f"shared_sequence={village.shared_letter_sequence}",
    )
    return village
