"""Helpers for the JSON API: bodies, pagination.

Documented in docs/api.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from desa.core.errors import BadRequest, ValidationError
from desa.extensions import db


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says why not."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(
            _("Isi permintaan harus berupa objek JSON."), code="malformed_json"
        )
    return data


def page_args() -> tuple[int, int]:
    """`?page=&per_page=` validated: page ≥ 1, 1 ≤ per_page ≤ API_MAX_PER_PAGE."""
    limit = current_app.config["API_MAX_PER_PAGE"]
    fields: dict[str, list[str]] = {}
    values = {}
    for name, default in (("page", 1), ("per_page", 50)):
        raw = request.args.get(name, str(default))
        try:
            values[name] = int(raw)
        except ValueError:
            fields[name] = [_("Harus berupa bilangan bulat.")]
    if not fields and values["page"] < 1:
        fields["page"] = [_("Halaman paling kecil 1.")]
    if not fields and not 1 <= values["per_page"] <= limit:
        fields["per_page"] = [_("Antara 1 dan %(max)d.", max=limit)]
    if fields:
        raise ValidationError(_("Parameter halaman tidak valid."), fields=fields)
    return values["page"], values["per_page"]


def paginate(stmt: Select, serialize: Callable[[Any], dict]) -> dict[str, Any]:
    """Runs a select one page at a time → `{items, page, per_page, total}`."""
    page, per_page = page_args()
    if stmt._group_by_clauses or stmt._distinct:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    else:
        # A plain `SELECT count(*) … WHERE …` is answered from an index alone; the
        # subquery form makes SQLite read every matching row.
        counted = stmt.with_only_columns(
            func.count(), maintain_column_froms=True
        ).order_by(None)
    total = db.session.scalar(counted) or 0
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
