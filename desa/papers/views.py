"""The village's administration books and the monthly report: a page to choose
the book and the period, and the files (PDF, XLSX), every download audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.errors import ValidationError
from desa.core.formatting import MONTHS_ID
from desa.core.security import require
from desa.core.templating import register_nav
from desa.core.village import require_village
from desa.papers import book_tables, report
from desa.papers.books import BOOKS, Period, PeriodError, parse_period

bp = Blueprint("papers", __name__, url_prefix="/papers")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.record_once
def _register_nav(_state: Any) -> None:
    register_nav(47, Permission.BOOKS_READ, "papers.index", _l("Buku penduduk"))


def _period(*, month_required: bool = False) -> Period:
    today = current_actor().today
    month = request.args.get("month", "")
    if month_required and not month.strip():
        raise ValidationError(
            _("Pilih bulan untuk laporan bulanan."),
            fields={"month": [_("Wajib diisi.")]},
        )
    try:
        return parse_period(request.args.get("year", ""), month, today)
    except PeriodError as err:
        raise ValidationError(str(err), fields={"period": [str(err)]}) from err


def _names() -> dict[str, str]:
    names = {
        "induk": _("Buku Induk Penduduk"),
        "mutasi": _("Buku Mutasi Penduduk Desa"),
        "rekap": _("Buku Rekapitulasi Jumlah Penduduk"),
        "sementara": _("Buku Penduduk Sementara"),
        "ktp_kk": _("Buku KTP dan Kartu Keluarga"),
    }
    return {key: f"{book_tables.CODES[key]} {names[key]}" for key in BOOKS}


@bp.get("/")
@require(Permission.BOOKS_READ)
def index():
    """Choose a book (or the report), a month or the whole year, and a format."""
    today = current_actor().today
    error, status = None, 200
    chosen = {
        "book": request.args.get("book", "induk"),
        "year": request.args.get("year", str(today.year)),
        "month": request.args.get("month", str(today.month)),
    }
    if "year" in request.args or "month" in request.args:
        try:
            parse_period(chosen["year"], chosen["month"], today)
        except PeriodError as err:
            error, status = str(err), 422
    return (
        render_template(
            "papers/index.html",
            books=_names(),
            months=MONTHS_ID,
            chosen=chosen,
            error=error,
            years=list(range(today.year, today.year - 10, -1)),
        ),
        status,
    )


def _send(body: bytes, name: str, extension: str) -> Response:
    if extension == "pdf":
        return Response(
            body,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return Response(
        body,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


def _audit(action: str, detail: str) -> None:
    begin_write(only_read_audit=True)
    audit.record(current_actor(), action, object_type="papers", detail=detail)


@bp.get("/book.<extension>")
@require(Permission.BOOKS_READ)
def book_file(extension: str):
    """One book (`?book=induk`) for the period as PDF or XLSX."""
    if extension not in ("pdf", "xlsx"):
        abort(404)
    key = request.args.get("book", "")
    if key not in BOOKS:
        raise ValidationError(
            _("Pilih salah satu buku dari daftar."),
            fields={"book": [_("Tidak dikenal.")]},
        )
    period = _period()
    village = require_village()
    book = book_tables.build(key, period, current_actor().today, village)
    if extension == "pdf":
        from desa.papers.books_pdf import render_book

        body = render_book(book)
    else:
        from desa.papers.books_xlsx import write_book

        body = write_book(book)
    _audit(
        "papers.book_download",
        f"{book.code} {period.slug} {extension} ({len(book.rows)} baris)",
    )
    return _send(body, f"{book.code.replace('.', '')}-{key}-{period.slug}", extension)


@bp.get("/report.<extension>")
@require(Permission.BOOKS_READ)
def report_file(extension: str):
    """The monthly report to the kecamatan as PDF or XLSX."""
    if extension not in ("pdf", "xlsx"):
        abort(404)
    period = _period(month_required=True)
    village = require_village()
    today = current_actor().today
    monthly = report.monthly(period.year, period.month, today)
    if extension == "pdf":
        body = report.render_pdf(monthly, village, today)
    else:
        body = report.render_xlsx(monthly, village, today)
    _audit("papers.report_download", f"{period.slug} {extension}")
    return _send(body, f"laporan-penduduk-{period.slug}", extension)
