"""The district's JSON API (CONTRACT §4): pending list, figures, results back.

Every call is counted against the caller's per-minute budget and written to the
audit log before it is answered, also when it is then refused for bad input.

Documented in docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _

from desa.auth import audit
from desa.auth.actor import Actor, current_actor
from desa.auth.permissions import Permission
from desa.core import pages
from desa.core.api import cursor_arg, json_body, page_args
from desa.core.db import begin_write
from desa.core.errors import ValidationError
from desa.core.openapi import (
    CURSOR_PARAMS,
    DATE_OR_EMPTY,
    page_of,
    query_param,
    spec,
)
from desa.core.security import require
from desa.core.templating import current_place
from desa.core.unit_of_work import keep_so_far
from desa.exports import figures, pending, results, throttle

bp = Blueprint("recording_api", __name__, url_prefix="/api/v1")

# Ages are counted back from the date: it must leave room for the oldest villager.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)

_TEXT = {"type": ["string", "null"]}
PENDING_ROW = spec.schema(
    "PendingRecording",
    {
        "type": "object",
        "required": list(pending.COLUMNS),
        "properties": {
            **dict.fromkeys(pending.COLUMNS, _TEXT),
            "NO": {"type": "integer"},
            "NIK": {"type": "string", "pattern": "^[0-9]{16}$"},
            "TGL_LHR": {
                "type": ["string", "null"],
                "pattern": "^[0-9]{2}-[0-9]{2}-[0-9]{4}$",
            },
            "UMUR": {"type": ["integer", "null"]},
            "STAT_RKM": {"type": ["integer", "null"], "minimum": 1, "maximum": 8},
            "JADWAL_REKAM": {"type": ["string", "null"]},
        },
    },
)
# The counts of a figures row, as the schemas of CONTRACT §4 and §9 give them.
COUNTS_SCHEMA = {
    "wajib": {"type": "integer"},
    "recorded": {"type": "integer"},
    "recorded_pct": {"type": "number"},
    "not_recorded": {"type": "integer"},
    "not_recorded_pct": {"type": "number"},
    "printed": {"type": "integer"},
    "printed_pct": {"type": "number"},
}
STATS = spec.schema(
    "RecordingStats",
    {
        "type": "object",
        "required": ["as_of", "rows", "total"],
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["dusun", "rw", "rt", *COUNTS_SCHEMA],
                    "properties": {
                        "dusun": _TEXT,
                        "rw": _TEXT,
                        "rt": _TEXT,
                        **COUNTS_SCHEMA,
                    },
                },
            },
            "total": {
                "type": "object",
                "required": list(COUNTS_SCHEMA),
                "properties": COUNTS_SCHEMA,
            },
        },
    },
)
RESULTS_IN = spec.schema(
    "RecordingResultsInput",
    {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "maxItems": results.MAX_ITEMS,
                "items": {
                    "type": "object",
                    "required": ["nik", "status"],
                    "properties": {
                        "nik": {"type": "string", "pattern": "^[0-9]{16}$"},
                        "status": {
                            "type": ["integer", "string"],
                            "description": "Kode 1–8 atau labelnya",
                        },
                    },
                },
            },
            "confirm_lowered": {
                "type": "boolean",
                "description": "Terapkan juga hasil yang menurunkan status "
                "(mis. 4 → 2), setelah diperiksa",
            },
        },
    },
)
RESULTS_OUT = spec.schema(
    "RecordingResultsSummary",
    {
        "type": "object",
        "required": ["matched", "unchanged", "unmatched", "unmatched_items", "summary"],
        "properties": {
            "matched": {"type": "integer", "description": "Status diubah"},
            "unchanged": {"type": "integer", "description": "Cocok, status sudah sama"},
            "unmatched": {"type": "integer", "description": "NIK tidak ditemukan"},
            "unmatched_items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer"},
                        "nik": {"type": "string", "description": "NIK tersamar"},
                    },
                },
            },
            "lowered": {
                "type": "array",
                "description": "Tidak diterapkan karena menurunkan status; kirim "
                "ulang dengan confirm_lowered bila benar",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer"},
                        "nik": {"type": "string", "description": "NIK tersamar"},
                        "current": {"type": ["integer", "null"]},
                        "status": {"type": "integer"},
                    },
                },
            },
            "released_bookings": {
                "type": "integer",
                "description": "Jadwal mendatang yang dibatalkan (sudah merekam)",
            },
            "summary": {"type": "string"},
        },
    },
)
spec.operation(
    "/recording/pending",
    "get",
    summary="Daftar penduduk belum rekam KTP-el (kolom bagian 7)",
    roles="clerk, head, district",
    tag="perekaman",
    parameters=CURSOR_PARAMS,
    response=page_of(PENDING_ROW, cursor=True),
    errors=("401", "403", "422", "429"),
)
spec.operation(
    "/recording/stats",
    "get",
    summary="Rekap perekaman per dusun/RW/RT dengan jumlah",
    roles="clerk, head, district, rt (hanya RT-nya)",
    tag="perekaman",
    parameters=[
        query_param(
            "as_of",
            DATE_OR_EMPTY,
            "Tanggal acuan wajib KTP (bawaan: hari ini)",
        ),
        query_param(
            "by",
            {"type": "string", "enum": [*figures.LEVELS, ""]},
            "Tingkat rekap (bawaan, juga bila kosong: rt)",
        ),
    ],
    response=STATS,
    errors=("401", "403", "422", "429"),
)
spec.operation(
    "/recording/results",
    "post",
    summary="Kirim hasil perekaman dari Disdukcapil",
    roles="clerk, district",
    tag="perekaman",
    body=RESULTS_IN,
    response=RESULTS_OUT,
    errors=("400", "401", "403", "422", "429"),
)


def _count_and_audit(action: str) -> Actor:
    """Throttle, then the audit line, kept even when the work is refused."""
    begin_write()
    actor = current_actor()
    query = request.query_string.decode("ascii", "replace")[:200]
    if not throttle.count_call(actor):
        audit.record(actor, f"{action}.throttled", detail=f"{request.method} {query}")
        raise throttle.refusal()
    audit.record(actor, action, detail=f"{request.method} {query}".strip())
    keep_so_far()
    return actor


def parse_as_of(raw: str | None, today: dt.date) -> dt.date:
    """`?as_of=YYYY-MM-DD`, `today` by default; 422 otherwise."""
    if not raw:
        return today
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _("Tanggal acuan harus berbentuk YYYY-MM-DD, antara tahun 1900 dan 2100."),
            fields={"as_of": [_("Tanggal tidak valid.")]},
        )
    return day


def parse_level(raw: str | None) -> str:
    """`?by=rt|rw|dusun`, rt by default."""
    level = raw or "rt"
    if level not in figures.LEVELS:
        raise ValidationError(
            _("Tingkat rekap harus rt, rw atau dusun."),
            fields={"by": [", ".join(figures.LEVELS)]},
        )
    return level


@bp.get("/recording/pending")
@require(Permission.RECORDING_PENDING)
def pending_list():
    """The pending list with the section 7 columns, one page at a time."""
    actor = _count_and_audit("recording.api.pending")
    page, per_page = page_args()
    context = pages.list_context()
    source = pending
    if current_place() == "hub":  # the kabupaten's list, from every village's data
        from desa.hub import pending as source  # type: ignore[no-redef]
    found = source.page(
        actor,
        page,
        per_page,
        cursor=cursor_arg(source.PENDING_KEY, context),
        context=context,
        now=pages.now_seconds(),
    )
    body = {
        "items": found.items,
        "page": found.page,
        "per_page": per_page,
        "total": found.total,
        "next": found.next_cursor,
    }
    # Not jsonify: it sorts keys, and the columns keep the district's order.
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


@bp.get("/recording/stats")
@require(Permission.RECORDING_STATS)
def stats():
    """Figures per dusun/RW/RT as of a date (RT heads: own RT only)."""
    actor = _count_and_audit("recording.api.stats")
    as_of, level = (
        parse_as_of(request.args.get("as_of"), actor.today),
        parse_level(request.args.get("by")),
    )
    return jsonify(figures.figures(actor, as_of, level))


@bp.post("/recording/results")
@require(Permission.RECORDING_RESULTS)
def post_results():
    """Recording results from the district: matched residents updated, with history."""
    actor = _count_and_audit("recording.api.results")
    body = json_body()
    items = body.get("results")
    if not isinstance(items, list) or not items:
        raise ValidationError(
            _("Isi `results` harus daftar berisi {nik, status}."),
            fields={"results": [_("Wajib berupa daftar yang tidak kosong.")]},
        )
    if len(items) > results.MAX_ITEMS:
        raise ValidationError(
            _("Paling banyak %(m)d hasil sekali kirim.", m=results.MAX_ITEMS),
            fields={"results": [_("Terlalu banyak.")]},
        )
    odd = [i for i, item in enumerate(items) if not isinstance(item, dict)]
    if odd:
        raise ValidationError(
            _("Setiap hasil harus objek {nik, status}."),
            fields={f"results[{i}]": [_("Bukan objek.")] for i in odd[:20]},
        )
    entries = ((i, item.get("nik"), item.get("status")) for i, item in enumerate(items))
    confirm = body.get("confirm_lowered", False)
    if not isinstance(confirm, bool):
        raise ValidationError(
            _("`confirm_lowered` harus true atau false."),
            fields={"confirm_lowered": [_("Harus true atau false.")]},
        )
    parsed = results.parse_entries(entries, "results[%s]")
    if current_place() == "hub":  # the district API served from the hub
        from desa.hub import results as hub_results

        summary = hub_results.apply_results(
            actor, parsed, source="api", confirm_lowered=confirm
        )
    else:
        summary = results.apply_results(
            actor, parsed, source="api", confirm_lowered=confirm
        )
    return jsonify(
        {
            "matched": summary.matched,
            "unchanged": summary.unchanged,
            "unmatched": len(summary.unmatched),
            "unmatched_items": [
                {"index": i, "nik": nik} for i, nik in summary.unmatched
            ],
            # Not applied: they would lower a status; send again with
            # confirm_lowered=true once checked.
            "lowered": [
                {"index": i, "nik": nik, "current": before, "status": after}
                for i, nik, before, after in summary.lowered
            ],
            "released_bookings": summary.released,
            "summary": summary.line,
        }
    )
