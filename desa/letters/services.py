"""Letter services: draft, request, take up, reject, issue, revoke, collect.

They never commit; the caller commits once. Issuing must run in a write
transaction from its start (an HTML or API POST, or a CLI command that marked its
write intent): the letter row is locked and re-checked, the number comes from the
counter row in the same transaction, and the PDF's SHA-256 is stored with it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from desa.auth import audit
from desa.auth.actor import Actor, Principal
from desa.auth.permissions import Permission, Role
from desa.auth.scope import scopes
from desa.core.errors import Conflict, Forbidden, NotFound, ValidationError
from desa.core.formatting import mask_name, mask_nik
from desa.core.models import Village
from desa.core.village import require_village
from desa.extensions import db
from desa.letters import documents, layouts, numbering, token
from desa.letters.models import Letter, LetterRequestState, LetterStatus, LetterType
from desa.residents.models import LifeStatus
from desa.trust.keys import signing_key

PURPOSE_MAX = 300
REASON_MAX = 300
TEXT_MAX = 200

STATUS_LABELS = {
    LetterStatus.REQUESTED: _l("Diajukan warga"),
    LetterStatus.DRAFT: _l("Konsep"),
    LetterStatus.ISSUED: _l("Terbit"),
    LetterStatus.REVOKED: _l("Dicabut"),
    LetterStatus.REJECTED: _l("Ditolak"),
}
# What the resident sees of their own request.
RESIDENT_STATES = {
    LetterRequestState.REQUESTED: _l("Diajukan"),
    LetterRequestState.DRAFT: _l("Diproses"),
    LetterRequestState.READY: _l("Siap Diambil"),
    LetterRequestState.DONE: _l("Selesai"),
    LetterRequestState.REJECTED: _l("Ditolak"),
    LetterRequestState.REVOKED: _l("Dicabut"),
}
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
# "Rp 900.000", "Rp900.000,-", "IDR 1.250.000,00": how amounts are written here.
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_NO_CENTS = re.compile(r",(?:-|0{1,2})$")
# A type's served statuses as they read after "untuk warga yang …".
SERVED_WORDS = {
    LifeStatus.ACTIVE: _l("masih aktif"),
    LifeStatus.DECEASED: _l("sudah meninggal"),
    LifeStatus.MOVED: _l("sudah pindah"),
    LifeStatus.MISSING: _l("dinyatakan hilang"),
}
# A resident's recorded status as it reads after "tercatat …".
RECORDED_WORDS = {
    LifeStatus.ACTIVE: _l("aktif"),
    LifeStatus.DECEASED: _l("meninggal"),
    LifeStatus.MOVED: _l("pindah"),
    LifeStatus.MISSING: _l("hilang"),
}


class NotEligible(ValidationError):
    """The letter's type does not serve the resident's life status."""

    code = "not_eligible"


# --- lookups ----------------------------------------------------------------------


def active_types() -> list[LetterType]:
    """The types that can be drafted now, by title."""
    return list(
        db.session.scalars(
            select(LetterType).where(LetterType.active).order_by(LetterType.title)
        )
    )


def types_for(resident: Any) -> list[LetterType]:
    """The active types that may be made for `resident` as recorded now, by title."""
    return [t for t in active_types() if t.serves(resident)]


def get_type(code: str | None, *, active_only: bool = True) -> LetterType:
    """The type with that code, or a 422 naming the field."""
    code = code.strip().upper() if isinstance(code, str) else ""
    letter_type = db.session.scalar(select(LetterType).where(LetterType.code == code))
    if letter_type is None or (active_only and not letter_type.active):
        raise ValidationError(
            _("Jenis surat tidak dikenal atau tidak aktif."),
            fields={"type": [_("Pilih jenis surat yang tersedia.")]},
        )
    return letter_type


def visible_letter(actor: Actor, public_id: str) -> Letter:
    """The letter if the actor may see it (staff, or the resident it is for); else 404."""
    if not (actor.can(Permission.LETTERS_READ) or actor.can(Permission.SELF_LETTERS)):
        raise Forbidden(_("Anda tidak berhak melihat surat."))
    letter = scopes.get(actor, Letter, Letter.public_id == (public_id or "")[:32])
    if letter is None:
        raise NotFound(_("Surat tidak ditemukan."))
    return letter


def resident_state(letter: Letter) -> LetterRequestState:
    """The key of RESIDENT_STATES for this letter."""
    if letter.status == LetterStatus.ISSUED:
        if letter.collected_at:
            return LetterRequestState.DONE
        return LetterRequestState.READY
    return LetterRequestState(letter.status)


# --- validation -------------------------------------------------------------------


def clean_purpose(raw: Any) -> str:
    purpose = " ".join(str(raw or "").split())
    if not purpose:
        raise ValidationError(
            _("Keperluan surat wajib diisi."), fields={"purpose": [_("Wajib diisi.")]}
        )
    if len(purpose) > PURPOSE_MAX:
        message = _("Keperluan paling banyak %(n)d karakter.", n=PURPOSE_MAX)
        raise ValidationError(message, fields={"purpose": [message]})
    return purpose


def _parse_date(text: str) -> str | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _parse_number(text: str) -> int | str | None:
    text = _CURRENCY.sub("", text.strip()).replace(" ", "")
    text = _NO_CENTS.sub("", text)
    if _THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d{1,12}[.,]\d{1,4}", text):
        return text.replace(",", ".")
    return None


def clean_fields(letter_type: LetterType, raw: Any) -> dict[str, Any]:
    """The type's extra fields checked and normalised; errors name each field."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError(
            _("Isian tambahan harus berupa objek."),
            fields={"fields": [_("Harus berupa objek.")]},
        )
    errors: dict[str, list[str]] = {}
    known = {f["name"] for f in letter_type.fields or []}
    for name in raw:
        if name not in known:
            errors[f"fields.{name}"] = [
                _("Isian ini tidak dikenal untuk jenis surat ini.")
            ]
    clean: dict[str, Any] = {}
    for definition in letter_type.fields or []:
        name, label = definition["name"], definition.get("label") or definition["name"]
        value = raw.get(name)
        if isinstance(value, (dict, list)):
            errors[f"fields.{name}"] = [_("%(f)s harus berupa satu nilai.", f=label)]
            continue
        text = " ".join(str(value).split()) if value is not None else ""
        if not text:
            if definition.get("required"):
                errors[f"fields.{name}"] = [_("%(f)s wajib diisi.", f=label)]
            continue
        kind = definition.get("type", "text")
        if kind == "date":
            parsed = _parse_date(text)
            if parsed is None:
                errors[f"fields.{name}"] = [
                    _("%(f)s harus berupa tanggal (HH-BB-TTTT).", f=label)
                ]
                continue
            clean[name] = parsed
        elif kind == "number":
            number = _parse_number(text)
            if number is None:
                errors[f"fields.{name}"] = [_("%(f)s harus berupa angka.", f=label)]
                continue
            clean[name] = number
        elif len(text) > TEXT_MAX:
            errors[f"fields.{name}"] = [
                _("%(f)s paling banyak %(n)d karakter.", f=label, n=TEXT_MAX)
            ]
        else:
            clean[name] = text
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(
            _("Isian surat belum lengkap atau belum benar: %(m)s", m=first),
            fields=errors,
        )
    return clean


def _reason(raw: Any, what: str) -> str:
    reason = " ".join(str(raw or "").split())
    if not reason:
        raise ValidationError(
            _("Alasan %(w)s wajib diisi.", w=what),
            fields={"reason": [_("Wajib diisi.")]},
        )
    if len(reason) > REASON_MAX:
        message = _("Alasan paling banyak %(n)d karakter.", n=REASON_MAX)
        raise ValidationError(message, fields={"reason": [message]})
    return reason


# --- who a type serves ------------------------------------------------------------


def _either(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return _("%(items)s atau %(last)s", items=", ".join(words[:-1]), last=words[-1])


def served_phrase(letter_type: LetterType) -> str:
    """The residents a type serves, as "masih aktif atau sudah pindah"."""
    ordered = [s for s in LifeStatus if s in (letter_type.life_statuses or ())]
    return _either([str(SERVED_WORDS[s]) for s in ordered])


def recorded_word(life_status: str) -> str:
    """A recorded life status as it reads after "tercatat"."""
    word = RECORDED_WORDS.get(life_status)
    return str(word) if word is not None else life_status


def eligibility_problem(letter_type: LetterType, resident: Any) -> str | None:
    """Why no letter of this type may be made for `resident`, or None when it may."""
    if letter_type.serves(resident):
        return None
    if resident.life_status in (letter_type.life_statuses or ()):
        return _(
            "%(type)s hanya untuk warga yang sudah rekam e-KTP dan kartunya belum "
            "diterima; %(name)s tidak demikian menurut status e-KTP-nya.",
            type=letter_type.title,
            name=resident.name,
        )
    return _(
        "%(type)s hanya dapat dibuat untuk warga yang %(served)s; "
        "%(name)s tercatat %(status)s.",
        type=letter_type.title,
        served=served_phrase(letter_type),
        name=resident.name,
        status=recorded_word(resident.life_status),
    )


def check_serves(letter_type: LetterType, resident: Any) -> None:
    """Refuses (422 `not_eligible`) a letter whose type does not serve the resident."""
    problem = eligibility_problem(letter_type, resident)
    if problem is not None:
        raise NotEligible(
            problem,
            fields={
                "type": [
                    _(
                        "Jenis surat ini tidak berlaku untuk warga yang tercatat "
                        "%(status)s.",
                        status=recorded_word(resident.life_status),
                    )
                ]
            },
        )


# --- drafts and requests ----------------------------------------------------------


def _new_letter(actor, letter_type, resident, purpose, fields, **extra) -> Letter:
    letter = Letter(
        public_id=secrets.token_urlsafe(12),  # 96 bits; short in the QR
        type=letter_type,
        resident_id=resident.id,
        purpose=clean_purpose(purpose),
        fields=clean_fields(letter_type, fields),
        **extra,
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def _detail(letter: Letter, resident: Any = None) -> str:
    resident = resident or letter.resident
    text = f"{letter.type.code} {mask_name(resident.name)} {mask_nik(resident.nik)}"
    return text + (f" no. {letter.number}" if letter.number else "")


def create_draft(
    actor: Actor, type_code: str, resident: Any, purpose: Any, fields: Any
) -> Letter:
    """A clerk drafts a letter for a resident (no number yet)."""
    if resident is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    letter_type = get_type(type_code)
    check_serves(letter_type, resident)
    letter = _new_letter(
        actor,
        letter_type,
        resident,
        purpose,
        fields,
        status=LetterStatus.DRAFT,
        created_by=actor.display_name,
    )
    audit.record(
        actor,
        "letters.draft",
        object_type="letter",
        object_id=letter.public_id,
        detail=_detail(letter, resident),
    )
    return letter


def request_letter(actor: Actor, type_code: str, purpose: Any, fields: Any) -> Letter:
    """A signed-in resident asks for a letter ("Diajukan")."""
    resident = actor.principal
    letter_type = get_type(type_code)
    check_serves(letter_type, resident)
    letter = _new_letter(
        actor,
        letter_type,
        resident,
        purpose,
        fields,
        status=LetterStatus.REQUESTED,
        requested_by_resident=True,
        created_by=resident.name,
    )
    audit.record(
        actor,
        "letters.request",
        object_type="letter",
        object_id=letter.public_id,
        detail=_detail(letter, resident),
    )
    return letter


def _transition(letter: Letter, from_states: tuple[str, ...], **values: Any) -> None:
    """A conditional update: only from `from_states`, else 409 (someone was faster)."""
    result = db.session.execute(
        update(Letter)
        .where(Letter.id == letter.id, Letter.status.in_(from_states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(letter)
        raise Conflict(
            _(
                "Surat ini sudah berstatus %(s)s; tindakan tidak dapat dilakukan.",
                s=str(STATUS_LABELS.get(letter.status, letter.status)).lower(),
            ),
            code="state_conflict",
        )
    # The row now holds exactly these values (letters have no server-side
    # defaults on update): set them rather than read the row back.
    for key, value in values.items():
        set_committed_value(letter, key, value)


def take_up(actor: Actor, letter: Letter) -> Letter:
    """The clerk starts working on a resident's request ("Diproses")."""
    check_serves(letter.type, letter.resident)
    _transition(letter, (LetterStatus.REQUESTED,), status=LetterStatus.DRAFT)
    audit.record(
        actor,
        "letters.take_up",
        object_type="letter",
        object_id=letter.public_id,
        detail=_detail(letter),
    )
    return letter


def reject(actor: Actor, letter: Letter, reason: Any) -> Letter:
    """Turns down a request or drops a draft, with a reason the resident sees."""
    reason = _reason(reason, _("penolakan"))
    _transition(
        letter,
        (LetterStatus.REQUESTED, LetterStatus.DRAFT),
        status=LetterStatus.REJECTED,
        rejected_reason=reason,
    )
    audit.record(
        actor,
        "letters.reject",
        object_type="letter",
        object_id=letter.public_id,
        detail=f"{_detail(letter)}: {reason}",
    )
    return letter


def mark_collected(actor: Actor, letter: Letter) -> Letter:
    """The resident has taken the printed letter ("Selesai")."""
    if letter.status != LetterStatus.ISSUED or letter.collected_at:
        raise Conflict(
            _("Hanya surat terbit yang belum diambil dapat ditandai sudah diambil."),
            code="state_conflict",
        )
    letter.collected_at = actor.utcnow
    audit.record(
        actor,
        "letters.collect",
        object_type="letter",
        object_id=letter.public_id,
        detail=_detail(letter),
    )
    return letter


# --- issuing ----------------------------------------------------------------------


def can_issue(
    principal: Actor | Principal, letter_type: LetterType, village: Village
) -> bool:
    """The head (letters:issue) always; the clerk where the village or the type allows."""
    if principal.can(Permission.LETTERS_ISSUE):
        return True
    return principal.can(Permission.LETTERS_DRAFT) and (
        village.clerk_may_issue or letter_type.issuer == "clerk"
    )


def signer_for(principal: Principal, village: Village) -> tuple[str, str]:
    """The signer's name and position as printed that day.

    The head signs as "Kepala Desa X"; anyone else the village lets issue signs
    on the head's behalf: "a.n. Kepala Desa X" with their own role below it.
    """
    head_title = village.head_title or f"Kepala {village.title}"
    name = getattr(principal, "full_name", None) or village.head_name
    name = name or principal.display_name
    if principal.role == Role.HEAD:
        return name, head_title
    own = "Sekretaris Desa" if principal.role == Role.ADMIN else "Operator Desa"
    return name, f"a.n. {head_title}\n{own}"


def _base_url() -> str:
    from desa.core.addresses import base_url

    return base_url()


def verify_url(letter_token: str) -> str:
    """What the QR encodes (CONTRACT §6)."""
    return f"{_base_url()}/v/{letter_token}"


def pdf_url(letter: Letter) -> str:
    return f"{_base_url()}/api/v1/letters/{letter.public_id}/pdf"


def token_claims(
    letter: Letter,
    village: Village,
    *,
    kid: str,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None,
) -> token.Claims:
    """What the QR carries, as printed on the paper: never a full NIK or name."""
    return token.Claims(
        village_code=village.code,
        kid=kid,
        letter_id=letter.public_id,
        number=number,
        type_code=letter.type.code,
        issued_on=issued_on,
        valid_until=valid_until,
        holder=mask_name(letter.resident.name),
        nik=mask_nik(letter.resident.nik),
        purpose_digest=token.purpose_digest(letter.purpose),
    )


def issue(actor: Actor, letter: Letter) -> Letter:
    """Numbers, signs, renders and stores the letter; 409 when it is not a draft."""
    village = require_village()
    if actor.principal is None or not can_issue(actor, letter.type, village):
        raise Forbidden(
            _(
                "Anda tidak berhak menerbitkan surat ini. Surat ditandatangani kepala desa."
            )
        )
    # Lock the row (PostgreSQL) and re-read it inside this transaction, with its
    # type (joined: the type's statuses may have changed since the draft).
    db.session.refresh(letter, with_for_update={"of": Letter})
    status = letter.status
    if status != LetterStatus.DRAFT:
        raise Conflict(
            _(
                "Surat ini tidak dapat diterbitkan karena berstatus %(s)s.",
                s=str(STATUS_LABELS.get(status, status)).lower(),
            ),
            code="already_issued"
            if status in (LetterStatus.ISSUED, LetterStatus.REVOKED)
            else "state_conflict",
        )
    # The resident may have died or moved since the draft: read them as they are
    # now, the row held until the commit so that a death being recorded waits for
    # this letter, or it for it.
    db.session.refresh(letter.resident, with_for_update={"read": True})
    check_serves(letter.type, letter.resident)
    today = actor.today
    letter_type = letter.type
    scope = numbering.counter_scope(letter_type.id, village.shared_letter_sequence)
    seq = numbering.allocate(scope, today.year)
    number = numbering.format_number(
        letter_type.number_pattern, letter_type.code, seq, village.code, today
    )
    signer_name, signer_title = signer_for(actor.principal, village)
    valid_until = (
        today + dt.timedelta(days=letter_type.validity_days)
        if letter_type.validity_days
        else None
    )
    kid, private_key = signing_key()
    claims = token_claims(
        letter,
        village,
        kid=kid,
        number=number,
        issued_on=today,
        valid_until=valid_until,
    )
    signed = token.sign(claims, private_key)
    data = layouts.render(
        layouts.Paper(
            letter_type=letter_type,
            resident=letter.resident,
            purpose=letter.purpose,
            fields=letter.fields or {},
            village=village,
            on=today,
            signer_name=signer_name,
            signer_title=signer_title,
            number=number,
            qr_url=verify_url(signed),
            valid_until=valid_until,
            draft=False,
        )
    )
    relative = documents.relative_pdf_path(letter.public_id, today.year)
    sha = documents.store_pdf(relative, data)
    try:
        _transition(
            letter,
            (LetterStatus.DRAFT,),
            status=LetterStatus.ISSUED,
            number=number,
            counter_scope=scope,
            seq=seq,
            year=today.year,
            issued_on=today,
            issued_at=actor.utcnow,
            issued_by=actor.id if actor.kind == "user" else None,
            signer_name=signer_name,
            signer_title=signer_title,
            valid_until=valid_until,
            pdf_sha256=sha,
            pdf_path=relative,
            token=signed,
        )
    except IntegrityError:
        raise Conflict(
            _(
                "Nomor %(n)s sudah dipakai surat lain. Periksa pola nomor jenis surat ini.",
                n=number,
            ),
            code="number_taken",
        ) from None
    audit.record(
        actor,
        "letters.issue",
        object_type="letter",
        object_id=letter.public_id,
        detail=_detail(letter),
    )
    return letter


def revoke(actor: Actor, letter: Letter, reason: Any) -> Letter:
    """The head withdraws an issued letter; its QR then shows "dicabut"."""
    if not actor.can(Permission.LETTERS_REVOKE):
        raise Forbidden(_("Hanya kepala desa yang dapat mencabut surat."))
    reason = _reason(reason, _("pencabutan"))
    _transition(
        letter,
        ("issued",),
        status="revoked",
        revoked_at=actor.utcnow,
        revoked_by=actor.display_name,
        revoked_reason=reason,
    )
    audit.record(
        actor,
        "letters.revoke",
        object_type="letter",
        object_id=letter.public_id,
        detail=f"{_detail(letter)}: {reason}",
    )
    return letter


# --- PDFs -------------------------------------------------------------------------


def preview_pdf(letter: Letter, today: dt.date) -> bytes:
    """A DRAFT rendering: no number, no QR, nothing stored."""
    village = require_village()
    return layouts.render(
        layouts.Paper(
            letter_type=letter.type,
            resident=letter.resident,
            purpose=letter.purpose,
            fields=letter.fields or {},
            village=village,
            on=today,
            signer_name=village.head_name or "(nama penanda tangan)",
            signer_title=village.head_title or f"Kepala {village.title}",
            valid_until=None,
            draft=True,
        )
    )


def stored_pdf(actor: Actor, letter: Letter) -> bytes:
    """The issued PDF, byte for byte as it was issued; the download is audited."""
    if not letter.has_pdf:
        raise Conflict(
            _("Surat ini belum diterbitkan; belum ada berkas PDF."), code="not_issued"
        )
    try:
        data = documents.read_pdf(letter.pdf_path)
    except FileNotFoundError:
        raise NotFound(
            _(
                "Berkas PDF surat tidak ditemukan di folder instance. Pulihkan dari cadangan."
            )
        ) from None
    record_read(actor, letter, "letters.download")
    return data


def record_read(actor: Actor, letter: Letter, action: str = "letters.read") -> None:
    """One audit line for opening a letter (its holder masked)."""
    audit.record(
        actor,
        action,
        object_type="letter",
        object_id=letter.public_id,
        detail=_detail(letter),
    )


ORPHAN_MIN_AGE = dt.timedelta(hours=1)


def sweep_orphan_pdfs(min_age: dt.timedelta = ORPHAN_MIN_AGE) -> list[str]:
    """Deletes stored PDFs no letter points at; returns their relative paths.

    `issue` writes the PDF before its transaction commits, so a request killed in
    between (a power cut) leaves a file for a letter that is still a draft; it is
    never referenced, and issuing that letter again replaces it. Only files older
    than `min_age` go, so a letter being issued right now keeps its file.
    """
    referenced = set(
        db.session.scalars(select(Letter.pdf_path).where(Letter.pdf_path.is_not(None)))
    )
    return documents.sweep_unreferenced(referenced, min_age.total_seconds())


def download_name(letter: Letter) -> str:
    base = (letter.number or letter.public_id).replace("/", "-")
    return f"{base}.pdf"


# --- JSON -------------------------------------------------------------------------


def to_json(letter: Letter) -> dict[str, Any]:
    """A letter as the API shows it to staff and to the resident it is for."""
    return {
        "id": letter.public_id,
        "type": letter.type.code,
        "type_title": letter.type.title,
        "nik": letter.resident.nik,
        "holder": letter.resident.name,
        "purpose": letter.purpose,
        "fields": letter.fields or {},
        "status": letter.status,
        "resident_state": resident_state(letter),
        "number": letter.number,
        "issued_on": letter.issued_on.isoformat() if letter.issued_on else None,
        "valid_until": letter.valid_until.isoformat() if letter.valid_until else None,
        "signer_name": letter.signer_name,
        "signer_title": letter.signer_title,
        "sha256": letter.pdf_sha256,
        "verify_url": verify_url(letter.token) if letter.token else None,
        "pdf_url": pdf_url(letter) if letter.has_pdf else None,
        "revoked_reason": letter.revoked_reason,
        "rejected_reason": letter.rejected_reason,
        "collected": letter.collected_at is not None,
        "created_at": letter.created_at.isoformat() + "Z",
    }
