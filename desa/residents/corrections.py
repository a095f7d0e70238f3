"""Correction requests: a resident asks, the clerk answers.

Services: they validate, change state and write the audit line. They never commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.errors import Conflict, ValidationError
from desa.core.formatting import mask_nik
from desa.extensions import db
from desa.residents.models import CorrectionRequest, CorrectionStatus, Resident
from desa.residents.registry import LABELS

STATUSES = tuple(CorrectionStatus)
MESSAGE_LIMIT = 1000
# Enough for a real need; more open requests from one resident is noise for the clerk.
OPEN_LIMIT = 5


def request_correction(
    actor: Actor, resident: Resident, field: str | None, message: str | None
) -> CorrectionRequest:
    """Files a resident's request to correct their data, for the clerk's queue."""
    field = (field or "").strip() or None
    message = (message or "").strip()
    errors: dict[str, list[str]] = {}
    if field is not None and field not in LABELS:
        errors["field"] = [_("Pilih data yang ada di daftar.")]
    if not message:
        errors["message"] = [_("Wajib diisi.")]
    elif len(message) > MESSAGE_LIMIT:
        errors["message"] = [
            _("Paling banyak %(n)d karakter.", n=MESSAGE_LIMIT),
        ]
    if errors:
        raise ValidationError(_("Permintaan perbaikan belum lengkap."), fields=errors)
    open_now = db.session.scalar(
        select(func.count(CorrectionRequest.id)).where(
            CorrectionRequest.resident_id == resident.id,
            CorrectionRequest.status == CorrectionStatus.OPEN,
        )
    )
    if open_now >= OPEN_LIMIT:
        raise Conflict(
            _("Anda masih punya %(n)d permintaan yang belum dijawab.", n=open_now),
            code="too_many_open",
        )
    request = CorrectionRequest(
        resident=resident, field=field, message=message, created_at=actor.utcnow
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        actor,
        "residents.correction_request",
        object_type="correction",
        object_id=request.id,
        detail=f"{mask_nik(resident.nik)} {field or '-'}",
    )
    return request


def handle(
    actor: Actor, request: CorrectionRequest, status: str, response: str | None
) -> None:
    """Closes an open request as done or rejected, with an answer for the resident."""
    response = (response or "").strip() or None
    if status not in (CorrectionStatus.DONE, CorrectionStatus.REJECTED):
        raise ValidationError(
            _("Keputusan harus selesai atau ditolak."),
            fields={"status": [_("Pilih salah satu.")]},
        )
    if response and len(response) > MESSAGE_LIMIT:
        raise ValidationError(
            _("Jawaban terlalu panjang."),
            fields={"response": [_("Paling banyak %(n)d karakter.", n=MESSAGE_LIMIT)]},
        )
    if status == CorrectionStatus.REJECTED and not response:
        raise ValidationError(
            _("Tuliskan alasan penolakan untuk warga."),
            fields={"response": [_("Wajib diisi bila ditolak.")]},
        )
    # Conditional on `open`: two clerks answering at once cannot both close it.
    closed = db.session.execute(
        update(CorrectionRequest)
        .where(
            CorrectionRequest.id == request.id,
            CorrectionRequest.status == CorrectionStatus.OPEN,
        )
        .values(
            status=status,
            response=response,
            handled_by=actor.display_name,
            handled_at=actor.utcnow,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not closed:
        raise Conflict(_("Permintaan ini sudah dijawab."), code="already_handled")
    db.session.refresh(request)
    audit.record(
        actor,
        f"residents.correction_{status}",
        object_type="correction",
        object_id=request.id,
        detail=mask_nik(request.resident.nik),
    )


def queue(actor: Actor) -> Select:
    """Requests the actor may see: open first, newest first."""
    return scopes.select(actor, CorrectionRequest).order_by(
        case((CorrectionRequest.status == CorrectionStatus.OPEN, 0), else_=1),
        CorrectionRequest.created_at.desc(),
        CorrectionRequest.id.desc(),
    )


def get_in_queue(actor: Actor, request_id: int) -> CorrectionRequest | None:
    """One request, if the actor may see it."""
    return scopes.get(actor, CorrectionRequest, CorrectionRequest.id == request_id)


def open_count(actor: Actor) -> int:
    """How many requests wait for an answer (for the clerk's home page)."""
    stmt = scopes.restrict(
        select(func.count(CorrectionRequest.id)), actor, CorrectionRequest
    ).where(CorrectionRequest.status == CorrectionStatus.OPEN)
    return db.session.scalar(stmt) or 0


def of_resident(actor: Actor, resident: Resident) -> list[CorrectionRequest]:
    """The requests about `resident` that the actor may see, newest first."""
    return list(
        db.session.scalars(
            scopes.select(actor, CorrectionRequest)
            .where(CorrectionRequest.resident_id == resident.id)
            .order_by(CorrectionRequest.created_at.desc(), CorrectionRequest.id.desc())
        )
    )
