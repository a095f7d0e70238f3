"""Helpers for the JSON API: bodies, pagination.

Documented in docs/api.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import Select

from desa.core import pages
from desa.core.errors import BadRequest, ValidationError
from desa.core.pages import Key
from desa.extensions import db

# The widest integer any column or offset holds; a JSON number past it is refused
# instead of reaching the database (SQLite OverflowError, PostgreSQL out of range).
INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"-?[0-9]{1,40}")
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _type_message(wanted: str) -> str:
    return {
        "string": _("Harus berupa teks."),
        "integer": _("Harus berupa bilangan bulat."),
        "number": _("Harus berupa angka."),
        "boolean": _("Harus true atau false."),
        "array": _("Harus berupa daftar."),
        "object": _("Harus berupa objek."),
        "null": _("Harus kosong (null)."),
    }[wanted]


def _is_type(value: Any, wanted: str) -> bool:
    if wanted == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if wanted == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(
        value,
        {
            "string": str,
            "boolean": bool,
            "array": list,
            "object": dict,
            "null": type(None),
        }[wanted],
    )


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    from desa.core.openapi import spec

    while "$ref" in schema:
        schema = spec.schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def type_errors(value: Any, schema: dict[str, Any], name: str = "") -> dict:
    """The fields of `value` whose JSON type is not the one `schema` declares.

    Only types (and integers within 64 bits) are checked, nested through
    `properties` and `items`: the services say everything else in their own words.
    """
    schema = _resolve(schema)
    wanted = schema.get("type")
    if wanted is not None:
        kinds = [wanted] if isinstance(wanted, str) else list(wanted)
        if not any(_is_type(value, kind) for kind in kinds):
            return {name or "body": [_type_message(kinds[0])]}
    if _is_type(value, "integer") and not -INT64_MAX - 1 <= value <= INT64_MAX:
        return {name or "body": [_("Bilangan terlalu besar.")]}
    errors: dict[str, list[str]] = {}
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key not in value:
                continue
            if not name:  # a top-level field is named on its own
                errors.update(type_errors(value[key], sub, key))
                continue
            # Deeper down the error stays on the row (`results[0]`), as the
            # services name theirs, and says which key it is about.
            for messages in type_errors(value[key], sub, key).values():
                errors.setdefault(name, []).extend(f"{key}: {m}" for m in messages)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            errors.update(type_errors(item, schema["items"], f"{name}[{index}]"))
    return errors


def declared_body() -> dict[str, Any] | None:
    """The request body schema the OpenAPI document declares for this request."""
    from desa.core.openapi import spec

    rule = request.url_rule
    if rule is None:
        return None
    path = _RULE_ARG.sub(r"{\1}", rule.rule.removeprefix("/api/v1"))
    operation = spec.paths.get(path, {}).get(request.method.lower(), {})
    body = operation.get("requestBody", {}).get("content", {})
    return body.get("application/json", {}).get("schema")


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object with the field types the API declares, else 400/422.

    A body that is not an object (a list, a string, null, a number) is a 400; a
    field of the wrong type (`"capacity": "x"`, `"niks": "abc"`) or an integer past
    64 bits is a 422 naming the field. `optional`: no body at all reads as `{}`.
    """
    if optional and not request.get_data(cache=True).strip():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(
            _("Isi permintaan harus berupa objek JSON."), code="malformed_json"
        )
    schema = declared_body()
    errors = type_errors(data, schema) if schema else {}
    if errors:
        raise ValidationError(
            _("Jenis data tidak sesuai: %(fields)s.", fields=", ".join(sorted(errors))),
            fields=errors,
        )
    return data


def page_args() -> tuple[int, int]:
    """`?page=&per_page=` validated: 1 ≤ page < 2⁶³, 1 ≤ per_page ≤ API_MAX_PER_PAGE."""
    limit = current_app.config["API_MAX_PER_PAGE"]
    fields: dict[str, list[str]] = {}
    values = {}
    for name, default in (("page", 1), ("per_page", 50)):
        raw = request.args.get(name, str(default))
        # Plain ASCII digits only: int() would also take " 5", "1_000" or "٣".
        if not _DIGITS.fullmatch(raw):
            fields[name] = [_("Harus berupa bilangan bulat.")]
        elif int(raw) > INT64_MAX:
            fields[name] = [_("Bilangan terlalu besar.")]
        else:
            values[name] = int(raw)
    if "page" in values and values["page"] < 1:
        fields["page"] = [_("Halaman paling kecil 1.")]
    if "per_page" in values and not 1 <= values["per_page"] <= limit:
        fields["per_page"] = [_("Antara 1 dan %(max)d.", max=limit)]
    if fields:
        raise ValidationError(_("Parameter halaman tidak valid."), fields=fields)
    return values["page"], values["per_page"]


def paginate(
    stmt: Select,
    serialize: Callable[[Any], dict],
    key: Key | None = None,
    counter: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Runs a select one page at a time → `{items, page, per_page, total}`.

    With a `key` (the list's unique order) the list is walked by keyset: `?after=`
    takes the cursor of the page before, the answer adds `next` (the cursor of
    the page after, or null), and `?page=N` still works, without reading the rows
    before the page (see desa/core/pages.py). A cursor this list did not make is
    a 400. Without a key, a plain OFFSET (lists that stay short). `counter`
    gives the total when counting `stmt` is not the cheapest way.
    """
    page, per_page = page_args()
    if key is not None:
        return _keyset(stmt, serialize, key, page, per_page, counter)
    total = (counter or (lambda: pages.count(stmt)))()
    offset = (page - 1) * per_page
    # Past the end: no query, so a huge page number never reaches the database
    # as an OFFSET it cannot hold (that was a 500).
    rows = (
        db.session.scalars(stmt.limit(per_page).offset(offset))
        if offset < total
        else []
    )
    return {
        "items": [serialize(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def cursor_arg(key: Key, context: str) -> pages.Cursor | None:
    """`?after=` read for this list: None without one, else a 400 when it does
    not open (changed, from another list or another client, garbage)."""
    if request.args.get("before") is not None:
        raise BadRequest(
            _("Parameter before tidak dikenal; gunakan after."),
            code="bad_cursor",
            fields={"before": [_("Gunakan after dengan nilai next.")]},
        )
    try:
        return pages.requested_cursor(key, context)
    except pages.BadCursor:
        raise BadRequest(
            pages.bad_cursor_message(),
            code="bad_cursor",
            fields={"after": [_("Gunakan nilai next dari halaman sebelumnya.")]},
        ) from None


def _keyset(
    stmt: Select,
    serialize: Callable[[Any], dict],
    key: Key,
    page: int,
    per_page: int,
    counter: Callable[[], int] | None,
) -> dict[str, Any]:
    context = pages.list_context()
    found = pages.keyset_page(
        stmt,
        key,
        per_page=per_page,
        context=context,
        page=page,
        cursor=cursor_arg(key, context),
        now=pages.now_seconds(),
        counter=counter,
    )
    return {
        "items": [serialize(row) for row in found.items],
        "page": found.page,
        "per_page": per_page,
        "total": found.total,
        "next": found.next_cursor,
    }
