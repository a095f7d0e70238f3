"""The OpenAPI 3.1 description of /api/v1, filled in by each domain's api module.

Documented in docs/api.md.
"""

from __future__ import annotations

import copy
from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {"type": "string"},
                    },
                },
            },
        }
    },
}

_STATUS_TEXT = {
    "400": "Permintaan tidak dapat dibaca",
    "401": "Belum masuk atau token tidak sah",
    "403": "Tidak berhak",
    "404": "Tidak ditemukan",
    "409": "Bentrok dengan keadaan data",
    "413": "Berkas terlalu besar",
    "422": "Data tidak valid",
    "429": "Terlalu banyak permintaan",
}


class ApiSpec:
    """Collects operations; `document()` returns the whole OpenAPI document."""

    def __init__(self) -> None:
        self.paths: dict[str, dict[str, Any]] = {}
        self.schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def schema(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        """Registers a component schema and returns a `$ref` to it."""
        self.schemas[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}

    def operation(
        self,
        path: str,
        method: str,
        *,
        summary: str,
        roles: str,
        tag: str,
        response: dict[str, Any] | None = None,
        status: str = "200",
        body: dict[str, Any] | None = None,
        parameters: list[dict[str, Any]] | None = None,
        errors: tuple[str, ...] = ("401", "403"),
        public: bool = False,
    ) -> None:
        """Describes one operation; `path` is relative to /api/v1 in OpenAPI syntax."""
        op: dict[str, Any] = {
            "summary": summary,
            "description": f"Peran: {roles}.",
            "tags": [tag],
            "operationId": f"{method}_{path}".replace("/", "_")
            .replace("{", "")
            .replace("}", "")
            .replace("-", "_")
            .strip("_"),
            "responses": {
                status: {
                    "description": "Berhasil",
                    "content": {
                        "application/json": {"schema": response or {"type": "object"}}
                    },
                }
            },
        }
        # Every body can be unreadable or hold a wrong type, every query parameter
        # can be invalid: those answers are documented wherever they can happen.
        documented = set(errors)
        if body:
            documented |= {"400", "422"}
        if any(p.get("in") == "query" for p in parameters or ()):
            documented.add("422")
        if any(p.get("name") == "after" for p in parameters or ()):
            documented.add("400")
        for code in sorted(documented):
            op["responses"][code] = {
                "description": _STATUS_TEXT[code],
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}
                    }
                },
            }
        if parameters:
            op["parameters"] = parameters
        if body:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
        if public:
            op["security"] = []
        self.paths.setdefault(path, {})[method.lower()] = op

    def document(self, server_url: str) -> dict[str, Any]:
        """The OpenAPI 3.1 document."""
        return {
            "openapi": "3.1.0",
            "info": {
                "title": "desa API",
                "version": "1.0.0",
                "description": "API layanan kantor desa (penduduk, surat, jadwal "
                "perekaman e-KTP, data untuk Disdukcapil).",
            },
            "servers": [{"url": f"{server_url}/api/v1"}],
            "security": [{"bearer": []}, {"session": []}],
            "paths": copy.deepcopy(self.paths),
            "components": {
                "schemas": copy.deepcopy(self.schemas),
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {
                        "type": "apiKey",
                        "in": "cookie",
                        "name": "desa_session",
                    },
                },
            },
        }


def query_param(name: str, schema: dict[str, Any], description: str = "") -> dict:
    """A query parameter description."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path_param(name: str, schema: dict[str, Any] | None = None) -> dict:
    """A path parameter description."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema or {"type": "string"},
    }


# A `YYYY-MM-DD` query parameter that may also be sent empty (`?to=`: no bound).
DATE_OR_EMPTY = {"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]}

PAGE_PARAMS = [
    query_param("page", {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 500}),
]


# Lists walked by keyset (desa/core/pages.py) also take the cursor of the page
# before; a cursor the list did not make is a 400.
CURSOR_PARAMS = [
    *PAGE_PARAMS,
    query_param(
        "after",
        {"type": "string", "maxLength": 1000},
        "Penanda halaman: nilai `next` dari halaman sebelumnya (menggantikan `page`)",
    ),
]


def page_of(item: dict[str, Any], *, cursor: bool = False) -> dict[str, Any]:
    """The schema of a paginated list of `item` (with `next` for a keyset list)."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }
    if cursor:
        schema["required"].append("next")
        schema["properties"]["next"] = {
            "type": ["string", "null"],
            "description": "Penanda halaman berikutnya untuk `after`; null di akhir",
        }
    return schema


spec = ApiSpec()
