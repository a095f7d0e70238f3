"""API about the caller itself.

Documented in docs/api.md.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.models import AuditEvent
from desa.auth.permissions import ROLE_PERMISSIONS, Permission
from desa.core.api import paginate
from desa.core.errors import Unauthorized
from desa.core.openapi import CURSOR_PARAMS, page_of, query_param, spec
from desa.core.security import require

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")

spec.operation(
    "/me",
    "get",
    summary="Siapa saya: peran, cakupan dan izin pemanggil",
    roles="semua yang sudah masuk (sesi atau token)",
    tag="akun",
    response=spec.schema(
        "Me",
        {
            "type": "object",
            "required": ["kind", "name", "role", "permissions"],
            "properties": {
                "kind": {"type": "string", "enum": ["user", "resident", "token"]},
                "name": {"type": "string"},
                "role": {"type": "string"},
                "scope": {"type": ["string", "null"]},
                "permissions": {"type": "array", "items": {"type": "string"}},
            },
        },
    ),
    errors=("401",),
)


@bp.get("/me")
def me():
    """The caller's kind, role, scope and permissions."""
    actor = current_actor()
    if not actor.is_signed_in:
        raise Unauthorized("Silakan masuk atau kirim token API yang sah.")
    return jsonify(
        kind=actor.kind,
        name=actor.display_name,
        role=actor.role,
        scope=getattr(actor.principal, "scope_label", None) or None,
        permissions=sorted(ROLE_PERMISSIONS.get(actor.role, ())),
    )


AUDIT_ITEM = spec.schema(
    "AuditEvent",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "actor_kind": {"type": "string"},
            "actor": {"type": "string"},
            "role": {"type": ["string", "null"]},
            "action": {"type": "string"},
            "object_type": {"type": ["string", "null"]},
            "object_id": {"type": ["string", "null"]},
            "detail": {"type": "string"},
        },
    },
)
spec.operation(
    "/audit-events",
    "get",
    summary="Log audit (terbaru dulu), bisa disaring menurut tindakan",
    roles="admin, head",
    tag="akun",
    parameters=[
        query_param("action", {"type": "string"}, "Awalan tindakan, mis. auth."),
        *CURSOR_PARAMS,
    ],
    response=page_of(AUDIT_ITEM, cursor=True),
    errors=("401", "403", "422"),
)


@bp.get("/audit-events")
@require(Permission.AUDIT_READ)
def audit_events():
    """The audit log, newest first, one page at a time."""
    stmt = select(AuditEvent)
    if action := request.args.get("action", "").strip():
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    return jsonify(
        paginate(
            stmt,
            lambda e: {
                "id": e.id,
                "created_at": e.created_at.isoformat() + "Z",
                "actor_kind": e.actor_kind,
                "actor": e.actor_name,
                "role": e.role,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "detail": e.detail,
            },
            key=audit.LOG_KEY,
        )
    )
