"""The hub's API (CONTRACT §9): villages send their bundles here.

Documented in docs/api.md.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.openapi import spec
from desa.core.security import require
from desa.hub import apply

bp = Blueprint("hub_api", __name__, url_prefix="/api/v1/hub")

APPLIED = spec.schema(
    "BundleApplied",
    {
        "type": "object",
        "required": [
            "applied",
            "village",
            "seq_from",
            "seq_to",
            "changes",
            "acked_seq",
        ],
        "properties": {
            "applied": {"type": "boolean", "description": "false: sudah diterapkan"},
            "village": {"type": "string"},
            "seq_from": {"type": "integer"},
            "seq_to": {"type": "integer"},
            "changes": {"type": "integer"},
            "acked_seq": {"type": "integer"},
        },
    },
)
spec.operation(
    "/hub/bundles",
    "post",
    summary="Kirim bundel sinkronisasi desa (berkas dari `desa sync export`)",
    roles="admin, district (di hub)",
    tag="hub",
    response=APPLIED,
    errors=("401", "403", "409", "413", "422"),
)


@bp.post("/bundles")
@require(Permission.HUB_IMPORT)
def receive_bundle():
    """Verifies and applies one bundle (the request body, gzip) in one transaction."""
    begin_write()
    got = apply.apply_bundle(current_actor(), request.get_data(), source="api")
    return jsonify(
        {
            "applied": not got.already,
            "village": got.village_code,
            "seq_from": got.seq_from,
            "seq_to": got.seq_to,
            "changes": got.changes,
            "acked_seq": got.acked_seq,
        }
    )
