"""JSON API for residents (CONTRACT §4).

Documented in docs/api.md.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.api import json_body, paginate
from desa.core.db import begin_write
from desa.core.errors import ValidationError
from desa.core.openapi import CURSOR_PARAMS, page_of, path_param, query_param, spec
from desa.core.security import require
from desa.residents import registry, services
from desa.residents.fields import FieldError
from desa.residents.models import (
    BLOOD_TYPES,
    LIFE_STATUSES,
    MARITAL_STATUSES,
    RELIGIONS,
)

bp = Blueprint("residents_api", __name__, url_prefix="/api/v1")

_NULLABLE_STR = {"type": ["string", "null"]}
RESIDENT = spec.schema(
    "Resident",
    {
        "type": "object",
        "required": [
            "nik",
            "name",
            "sex",
            "life_status",
            "ektp_status",
            "wajib_ktp",
            "pending_recording",
            "warnings",
        ],
        "properties": {
            "nik": {"type": "string", "pattern": "^[0-9]{16}$"},
            "nik_temporary": {"type": "boolean"},
            "kk": _NULLABLE_STR,
            "name": {"type": "string"},
            "sex": {"type": "string", "enum": ["L", "P"]},
            "birth_place": _NULLABLE_STR,
            "birth_date": {"type": ["string", "null"], "format": "date"},
            "religion": {"type": ["string", "null"], "enum": [*RELIGIONS, None]},
            "marital_status": {
                "type": ["string", "null"],
                "enum": [*MARITAL_STATUSES, None],
            },
            "family_relation": _NULLABLE_STR,
            "occupation": _NULLABLE_STR,
            "education": _NULLABLE_STR,
            "address": _NULLABLE_STR,
            "dusun": _NULLABLE_STR,
            "rw": {"type": ["string", "null"], "pattern": "^[0-9]{3}$"},
            "rt": {"type": ["string", "null"], "pattern": "^[0-9]{3}$"},
            "phone": _NULLABLE_STR,
            "father_name": _NULLABLE_STR,
            "mother_name": _NULLABLE_STR,
            "blood_type": {"type": ["string", "null"], "enum": [*BLOOD_TYPES, None]},
            "marriage_date": {"type": ["string", "null"], "format": "date"},
            "life_status": {"type": "string", "enum": list(LIFE_STATUSES)},
            "ektp_status": {
                "type": "object",
                "properties": {
                    "code": {"type": ["integer", "null"], "minimum": 1, "maximum": 8},
                    "label": _NULLABLE_STR,
                },
            },
            "wajib_ktp": {"type": "boolean"},
            "pending_recording": {"type": "boolean"},
            "warnings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    },
)
RESIDENT_INPUT = spec.schema(
    "ResidentInput",
    {
        "type": "object",
        "properties": {
            **{name: {"type": ["string", "null"]} for name in registry.EDITABLE},
            "nik": {"type": "string"},
            "rw": {"type": ["string", "integer", "null"]},
            "rt": {"type": ["string", "integer", "null"]},
            "ektp_status": {"type": ["string", "integer", "null"]},
            "nik_temporary": {"type": "boolean"},
            "disabled": {"type": ["boolean", "null"]},
            "works_away": {"type": ["boolean", "null"]},
            "confirm_warnings": {"type": "boolean"},
        },
    },
)
# PATCH changes the same fields except the temporary-NIK flag, and nothing else.
RESIDENT_CHANGES = spec.schema(
    "ResidentChanges",
    {
        "type": "object",
        "properties": {
            name: schema
            for name, schema in spec.schemas["ResidentInput"]["properties"].items()
            if name != "nik_temporary"
        },
        "additionalProperties": False,
    },
)
spec.operation(
    "/residents",
    "get",
    summary="Cari penduduk menurut awalan nama atau NIK",
    roles="clerk, head, rt (hanya RT-nya)",
    tag="penduduk",
    parameters=[
        query_param("q", {"type": "string"}, "Awalan nama atau NIK"),
        query_param("dusun", {"type": "string"}),
        query_param("rw", {"type": "string"}),
        query_param("rt", {"type": "string"}),
        # Empty means "no filter", as a search form sends it.
        query_param("life_status", {"type": "string", "enum": [*LIFE_STATUSES, ""]}),
        query_param(
            "pending", {"type": "string", "enum": ["true", "false", "1", "0", ""]}
        ),
        *CURSOR_PARAMS,
    ],
    response=page_of(RESIDENT, cursor=True),
    errors=("401", "403", "422"),
)
spec.operation(
    "/residents",
    "post",
    summary="Tambah penduduk",
    roles="clerk",
    tag="penduduk",
    body=RESIDENT_INPUT,
    response=RESIDENT,
    status="201",
    errors=("400", "401", "403", "409", "422"),
)
spec.operation(
    "/residents/{nik}",
    "get",
    summary="Satu penduduk",
    roles="clerk, head, rt (hanya RT-nya)",
    tag="penduduk",
    parameters=[path_param("nik")],
    response=RESIDENT,
    errors=("401", "403", "404"),
)
spec.operation(
    "/residents/{nik}",
    "patch",
    summary="Ubah data penduduk (bukan status hidup)",
    roles="clerk",
    tag="penduduk",
    parameters=[path_param("nik")],
    body=RESIDENT_CHANGES,
    response=RESIDENT,
    errors=("400", "401", "403", "404", "409", "422"),
)
spec.operation(
    "/residents/{nik}/events",
    "post",
    summary="Catat peristiwa: kelahiran, meninggal, pindah keluar, datang, kawin, cerai",
    roles="clerk",
    tag="penduduk",
    parameters=[path_param("nik")],
    body={
        "type": "object",
        "required": ["type", "date"],
        "properties": {
            "type": {"type": "string", "enum": list(registry.EVENT_LABELS)},
            "date": {"type": "string", "format": "date"},
            "note": {"type": "string"},
            "child": {
                "type": "object",
                "description": "Untuk kelahiran (pada NIK ibu atau ayah): data anak; "
                "tanpa NIK anak mendapat NIK sementara. Jawabannya data anak.",
                "required": ["name", "sex"],
                "properties": {
                    "name": {"type": "string"},
                    "sex": {"type": "string", "enum": ["L", "P"]},
                    "nik": {"type": "string"},
                    "birth_place": {"type": "string"},
                    "confirm_warnings": {"type": "boolean"},
                },
            },
        },
    },
    response=RESIDENT,
    status="201",
    errors=("400", "401", "403", "404", "409", "422"),
)

_TRUE = {"1", "true", "ya", "yes"}
_FALSE = {"0", "false", "tidak", "no"}


def _flag(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValidationError(
        _("Parameter %(n)s harus true atau false.", n=name),
        fields={name: [_("Harus true atau false.")]},
    )


@bp.get("/residents")
@require(Permission.RESIDENTS_READ)
def list_residents():
    """Search by name prefix or NIK, with area and status filters (RT heads: own RT)."""
    life = request.args.get("life_status") or None
    if life and life not in LIFE_STATUSES:
        raise ValidationError(
            _("Status hidup tidak dikenal."),
            fields={"life_status": [", ".join(LIFE_STATUSES)]},
        )
    filters = {
        "q": request.args.get("q"),
        "dusun": request.args.get("dusun") or None,
        "rw": request.args.get("rw") or None,
        "rt": request.args.get("rt") or None,
        "life_status": life,
        "pending": _flag("pending"),
    }
    begin_write(only_read_audit=True)
    try:
        actor = current_actor()
        stmt = services.search(actor, **filters)
        total = services.counter(actor, stmt, **filters)
    except FieldError as err:
        raise ValidationError(str(err), fields={"rt": [str(err)]}) from None
    services.record_search(actor, filters)
    page = paginate(
        stmt,
        lambda r: services.to_json(r, actor.today),
        key=services.LIST_KEY,
        counter=total,
    )
    return jsonify(page)


@bp.get("/residents/<nik>")
@require(Permission.RESIDENTS_READ)
def get_resident(nik: str):
    """One resident (the read is audited); outside the scope it is simply not found."""
    begin_write(only_read_audit=True)
    return jsonify(services.visible_json(current_actor(), nik))


@bp.post("/residents")
@require(Permission.RESIDENTS_WRITE)
def create_resident():
    """Adds a resident; 409 for a NIK that exists; 422 needs_confirmation for warnings."""
    body = json_body()
    actor = current_actor()
    resident = registry.create_resident(
        actor, body, confirm_warnings=body.get("confirm_warnings") is True
    )
    return jsonify(services.to_json(resident, actor.today)), 201


@bp.patch("/residents/<nik>")
@require(Permission.RESIDENTS_WRITE)
def update_resident(nik: str):
    """Changes fields of a resident (life status only through events)."""
    body = json_body()
    actor = current_actor()
    resident = services.get_visible(actor, nik)
    registry.update_resident(
        actor, resident, body, confirm_warnings=body.get("confirm_warnings") is True
    )
    return jsonify(services.to_json(resident, actor.today))


@bp.post("/residents/<nik>/events")
@require(Permission.RESIDENTS_EVENTS)
def add_event(nik: str):
    """Records a birth, death, move, marriage or divorce with its date and note.

    A birth is recorded on the mother's or father's NIK with the child's data and
    answers with the new child."""
    body = json_body()
    actor = current_actor()
    resident = services.get_visible(actor, nik)
    event = registry.record_event(
        actor,
        resident,
        body.get("type"),
        body.get("date"),
        body.get("note"),
        child=body.get("child"),
    )
    return jsonify(services.to_json(event.resident, actor.today)), 201
