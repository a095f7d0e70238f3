"""API about the caller itself."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from desa.auth.permissions import ROLE_PERMISSIONS
from desa.core.errors import Unauthorized
from desa.core.openapi import spec

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
    if not current_user.is_authenticated:
        raise Unauthorized("Silakan masuk atau kirim token API yang sah.")
    return jsonify(
        kind=current_user.kind,
        name=current_user.display_name,
        role=current_user.role,
        scope=getattr(current_user, "scope_label", None) or None,
        permissions=sorted(ROLE_PERMISSIONS.get(current_user.role, ())),
    )
