"""JSON API for letters (CONTRACT §4) and the public verification twin (§6).

Letters are addressed by their random public id; the integer id never leaves.

Documented in docs/api.md and docs/qr-token.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission, Role
from desa.core.api import json_body
from desa.core.db import begin_write
from desa.core.errors import NotFound, Unauthorized
from desa.core.openapi import path_param, spec
from desa.core.security import require
from desa.core.village import require_village
from desa.letters import documents, services, verification
from desa.letters.models import LetterStatus
from desa.letters.responses import pdf_response
from desa.residents.models import LIFE_STATUSES
from desa.residents.services import get_visible

bp = Blueprint("letters_api", __name__, url_prefix="/api/v1")

_STR_OR_NULL = {"type": ["string", "null"]}
LETTER_TYPE = spec.schema(
    "LetterType",
    {
        "type": "object",
        "required": ["code", "title", "addressee", "fields", "life_statuses"],
        "properties": {
            "code": {"type": "string"},
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": ["letter", "referral"]},
            "addressee": _STR_OR_NULL,
            "validity_days": {"type": ["integer", "null"]},
            "issuer": {"type": "string", "enum": ["head", "clerk"]},
            # The residents' life statuses a letter of this type may be made for.
            "life_statuses": {
                "type": "array",
                "items": {"type": "string", "enum": list(LIFE_STATUSES)},
            },
            "fields": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "label", "type", "required"],
                    "properties": {
                        "name": {"type": "string"},
                        "label": {"type": "string"},
                        "type": {"type": "string", "enum": ["text", "date", "number"]},
                        "required": {"type": "boolean"},
                    },
                },
            },
        },
    },
)
LETTER = spec.schema(
    "Letter",
    {
        "type": "object",
        "required": ["id", "type", "nik", "purpose", "fields", "status", "number"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string"},
            "type_title": {"type": "string"},
            "nik": {"type": "string"},
            "holder": {"type": "string"},
            "purpose": {"type": "string"},
            "fields": {"type": "object"},
            "status": {
                "type": "string",
                "enum": list(LetterStatus),
            },
            "resident_state": {"type": "string"},
            "number": _STR_OR_NULL,
            "issued_on": {"type": ["string", "null"], "format": "date"},
            "valid_until": {"type": ["string", "null"], "format": "date"},
            "signer_name": _STR_OR_NULL,
            "signer_title": _STR_OR_NULL,
            "sha256": _STR_OR_NULL,
            "verify_url": _STR_OR_NULL,
            "pdf_url": _STR_OR_NULL,
            "revoked_reason": _STR_OR_NULL,
            "rejected_reason": _STR_OR_NULL,
            "collected": {"type": "boolean"},
            "created_at": {"type": "string"},
        },
    },
)
ISSUED = spec.schema(
    "LetterIssued",
    {
        "type": "object",
        "required": ["id", "number", "status", "verify_url", "pdf_url", "sha256"],
        "properties": {
            "id": {"type": "string"},
            "number": {"type": "string"},
            "status": {"type": "string"},
            "verify_url": {"type": "string"},
            "pdf_url": {"type": "string"},
            "sha256": {"type": "string"},
        },
    },
)
VERIFICATION = spec.schema(
    "LetterVerification",
    {
        "type": "object",
        "required": [
            "valid",
            "status",
            "number",
            "type",
            "issued_on",
            "holder",
            "nik",
            "village",
        ],
        "properties": {
            "valid": {"type": "boolean"},
            "status": {
                "type": "string",
                "enum": [LetterStatus.ISSUED, LetterStatus.REVOKED, "invalid"],
            },
            "number": _STR_OR_NULL,
            "type": {**_STR_OR_NULL, "description": "kode jenis surat"},
            "type_code": _STR_OR_NULL,
            "type_title": _STR_OR_NULL,
            "kid": {**_STR_OR_NULL, "description": "kunci yang menandatangani"},
            "issued_on": {"type": ["string", "null"], "format": "date"},
            "holder": _STR_OR_NULL,
            "nik": _STR_OR_NULL,
            "village": _STR_OR_NULL,
            "village_code": _STR_OR_NULL,
            "valid_until": {"type": ["string", "null"], "format": "date"},
            "expired": {"type": "boolean"},
            "revoked_on": {"type": ["string", "null"], "format": "date"},
        },
    },
)
_ID = [path_param("id")]
spec.operation(
    "/letter-types",
    "get",
    summary="Jenis surat yang aktif",
    roles="clerk, head",
    tag="surat",
    response={"type": "array", "items": LETTER_TYPE},
)
spec.operation(
    "/letters",
    "post",
    summary="Buat konsep surat",
    roles="clerk",
    tag="surat",
    body={
        "type": "object",
        "required": ["type", "nik", "purpose"],
        "properties": {
            "type": {"type": "string"},
            "nik": {"type": "string"},
            "purpose": {"type": "string"},
            "fields": {"type": "object"},
        },
    },
    response=LETTER,
    status="201",
    errors=("400", "401", "403", "404", "422"),
)
spec.operation(
    "/letters/{id}",
    "get",
    summary="Satu surat",
    roles="clerk, head, warga pemilik surat",
    tag="surat",
    parameters=_ID,
    response=LETTER,
    errors=("401", "403", "404"),
)
spec.operation(
    "/letters/{id}/issue",
    "post",
    summary="Terbitkan surat: nomor, PDF tersimpan, tanda tangan QR",
    roles="head (clerk bila desa mengizinkan)",
    tag="surat",
    parameters=_ID,
    response=ISSUED,
    # 422 `not_eligible`: the type no longer serves the resident's life status.
    errors=("401", "403", "404", "409", "422"),
)
spec.operation(
    "/letters/{id}/revoke",
    "post",
    summary="Cabut surat yang sudah terbit",
    roles="head",
    tag="surat",
    parameters=_ID,
    body={
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"type": "string"}},
    },
    response=LETTER,
    errors=("400", "401", "403", "404", "409", "422"),
)
spec.operation(
    "/letters/{id}/pdf",
    "get",
    summary="PDF surat yang tersimpan (selalu byte yang sama)",
    roles="clerk, head, warga pemilik surat",
    tag="surat",
    parameters=_ID,
    response={"type": "string", "contentMediaType": "application/pdf"},
    errors=("401", "403", "404", "409"),
)
spec.operation(
    "/verify/{token}",
    "get",
    summary="Periksa keaslian surat dari token QR",
    roles="publik (dibatasi per alamat)",
    tag="surat",
    public=True,
    parameters=[path_param("token")],
    response=VERIFICATION,
    errors=("404", "429"),  # 404: a token no URL can carry (control characters)
)


def signed_in(view: Callable) -> Callable:
    """Any signed-in principal; the letter's own scope decides the rest (404 alike)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized(_("Silakan masuk terlebih dahulu."))
        return view(*args, **kwargs)

    return wrapped


def type_json(letter_type, village) -> dict[str, Any]:
    """A type as CONTRACT §4 lists it (the addressee as printed in this village)."""
    addressee = documents.addressee_of(letter_type, {}, village)
    return {
        "code": letter_type.code,
        "title": letter_type.title,
        "kind": letter_type.kind,
        "addressee": addressee,
        "validity_days": letter_type.validity_days,
        "issuer": letter_type.issuer,
        "life_statuses": list(letter_type.life_statuses or []),
        "fields": letter_type.fields or [],
    }


@bp.get("/letter-types")
@require(Permission.LETTERS_READ)
def letter_types():
    """The letter types that can be drafted."""
    village = require_village()
    return jsonify([type_json(t, village) for t in services.active_types()])


@bp.post("/letters")
@require(Permission.LETTERS_DRAFT)
def create_letter():
    """Drafts a letter for the resident with that NIK (no number yet)."""
    body = json_body()
    actor = current_actor()
    resident = get_visible(actor, str(body.get("nik") or ""))
    letter = services.create_draft(
        actor, body.get("type"), resident, body.get("purpose"), body.get("fields")
    )
    return jsonify(services.to_json(letter)), 201


@bp.get("/letters/<id>")
@signed_in
def get_letter(id: str):  # noqa: A002 - the contract's name
    """One letter: staff, or the resident it is for (the read is audited)."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    letter = services.visible_letter(actor, id)
    services.record_read(actor, letter)
    return jsonify(services.to_json(letter))


@bp.post("/letters/<id>/issue")
# Who may issue depends on the village and type: see services.
@require(Permission.LETTERS_READ)
def issue_letter(id: str):  # noqa: A002
    """Numbers, renders, signs and stores the letter; 409 issued, 422 not eligible."""
    actor = current_actor()
    letter = services.visible_letter(actor, id)
    services.issue(actor, letter)
    return jsonify(
        {
            "id": letter.public_id,
            "number": letter.number,
            "status": letter.status,
            "verify_url": services.verify_url(letter.token),
            "pdf_url": services.pdf_url(letter),
            "sha256": letter.pdf_sha256,
        }
    )


@bp.post("/letters/<id>/revoke")
@require(Permission.LETTERS_REVOKE)
def revoke_letter(id: str):  # noqa: A002
    """Revokes an issued letter with a reason."""
    body = json_body()
    actor = current_actor()
    letter = services.visible_letter(actor, id)
    services.revoke(actor, letter, body.get("reason"))
    return jsonify(services.to_json(letter))


@bp.get("/letters/<id>/pdf")
@signed_in
def letter_pdf(id: str):  # noqa: A002
    """The stored PDF, byte for byte as issued (residents: own issued letters only)."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    letter = services.visible_letter(actor, id)
    if actor.role == Role.RESIDENT and letter.status != LetterStatus.ISSUED:
        raise NotFound(_("Surat tidak ditemukan."))
    data = services.stored_pdf(actor, letter)
    return pdf_response(data, services.download_name(letter))


@bp.get("/verify/<path:token>")
def verify(token: str):
    """Public: valid / revoked / invalid, with masked holder data only."""
    begin_write()  # the throttle counts in the database
    actor = current_actor()
    verification.throttle(actor, "lookup")
    return jsonify(verification.check(actor, token))
