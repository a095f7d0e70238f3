"""The hub's API (CONTRACT §9): villages send their bundles here.

Documented in docs/api.md.
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.errors import ValidationError
from desa.core.openapi import DATE_OR_EMPTY, path_param, query_param, spec
from desa.core.security import require
from desa.exports.api import COUNTS_SCHEMA, parse_as_of
from desa.hub import apply, figures

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


TABLE = spec.schema(
    "HubFigures",
    {
        "type": "object",
        "required": ["as_of", "rows", "total"],
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", *COUNTS_SCHEMA, "last_sync"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        **COUNTS_SCHEMA,
                        "last_sync": {"type": ["string", "null"]},
                    },
                },
            },
            "total": {"type": "object", "properties": COUNTS_SCHEMA},
        },
    },
)
spec.operation(
    "/hub/figures",
    "get",
    summary="Tabel 1: perekaman KTP-el per kecamatan atau per desa",
    roles="admin, clerk, district (token kecamatan: kecamatannya saja)",
    tag="hub",
    parameters=[
        query_param(
            "level",
            {"type": "string", "enum": list(figures.LEVELS)},
            "kecamatan (bawaan) atau desa",
        ),
        query_param(
            "kecamatan",
            {"type": "string", "pattern": r"^\d{2}\.\d{2}\.\d{2}$"},
            "Hanya desa-desa kecamatan ini (kode Kemendagri)",
        ),
        query_param("as_of", DATE_OR_EMPTY, "Tanggal acuan (bawaan: hari ini)"),
    ],
    response=TABLE,
    errors=("401", "403", "409", "422"),
)
_KECAMATAN = re.compile(r"\d{2}\.\d{2}\.\d{2}")


@bp.get("/figures")
@require(Permission.HUB_FIGURES)
def hub_figures():
    """Table 1 for the kabupaten, per kecamatan or per desa, as of a date."""
    from desa.hub.services import require_hub

    require_hub()
    actor = current_actor()
    level = request.args.get("level") or "kecamatan"
    kecamatan = request.args.get("kecamatan") or None
    if level not in figures.LEVELS:
        raise ValidationError(
            _("Tingkat tabel harus kecamatan atau desa."),
            fields={"level": list(figures.LEVELS)},
        )
    if kecamatan is not None and not _KECAMATAN.fullmatch(kecamatan):
        raise ValidationError(
            _("Kode kecamatan harus berbentuk 61.01.12."),
            fields={"kecamatan": [_("Kode kecamatan tidak valid.")]},
        )
    as_of = parse_as_of(request.args.get("as_of"), actor.today)
    begin_write(only_read_audit=True)
    audit.record(
        actor,
        "hub.figures",
        detail=f"{level} {kecamatan or ''} per {as_of.isoformat()}".strip(),
    )
    return jsonify(figures.table(actor, as_of, level, kecamatan))


@bp.post("/bundles")
@require(Permission.HUB_IMPORT)
def receive_bundle():
    """Verifies and applies one bundle (the request body, gzip) in one transaction."""
    begin_write()
    got = apply.apply_bundle(current_actor(), request.get_data(), source="api")
    from desa.hub.uploads import applied_json

    return jsonify(applied_json(got))


UPLOAD = spec.schema(
    "Upload",
    {
        "type": "object",
        "required": ["id", "size", "received", "done"],
        "properties": {
            "id": {"type": "string"},
            "size": {"type": "integer"},
            "received": {"type": "integer"},
            "done": {"type": "boolean"},
            "result": APPLIED,
        },
    },
)
spec.operation(
    "/hub/uploads",
    "post",
    summary="Mulai (atau lanjutkan) unggahan bundel bertahap: {size, sha256}",
    roles="admin, district (di hub)",
    tag="hub",
    response=UPLOAD,
    status="201",
    errors=("401", "403", "409", "422"),
)
spec.operation(
    "/hub/uploads/{upload_id}",
    "put",
    summary="Kirim satu potongan bundel (Content-Range: bytes AWAL-AKHIR/UKURAN)",
    roles="admin, district (di hub), pemilik unggahan",
    tag="hub",
    parameters=[path_param("upload_id")],
    response=UPLOAD,
    errors=("401", "403", "404", "409", "422"),
)
spec.operation(
    "/hub/uploads/{upload_id}",
    "get",
    summary="Posisi unggahan bundel: berapa bait sudah diterima",
    roles="admin, district (di hub), pemilik unggahan",
    tag="hub",
    parameters=[path_param("upload_id")],
    response=UPLOAD,
    errors=("401", "403", "404"),
)


@bp.post("/uploads")
@require(Permission.HUB_IMPORT)
def start_upload():
    """Starts a resumable upload of one bundle, or finds the unfinished one."""
    from flask import current_app

    from desa.core.api import json_body
    from desa.hub import services, uploads

    services.require_hub()
    begin_write()
    body = json_body()
    upload = uploads.start(
        current_actor(), body.get("size"), body.get("sha256"), current_app.instance_path
    )
    return jsonify(uploads.state(upload)), 201


@bp.put("/uploads/<upload_id>")
@require(Permission.HUB_IMPORT)
def put_upload(upload_id: str):
    """One chunk; the last one applies the bundle."""
    from flask import current_app

    from desa.hub import uploads

    begin_write()
    upload, applied = uploads.put_chunk(
        current_actor(),
        upload_id,
        request.headers.get("Content-Range"),
        request.get_data(),
        current_app.instance_path,
    )
    body = uploads.state(upload)
    if applied is not None:
        body["result"] = uploads.applied_json(applied)
    return jsonify(body)


@bp.get("/uploads/<upload_id>")
@require(Permission.HUB_IMPORT)
def get_upload(upload_id: str):
    """Where an upload stands."""
    from desa.hub import uploads

    return jsonify(uploads.state(uploads.get(current_actor(), upload_id)))
