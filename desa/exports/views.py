"""The clerk's district pages: export batches, the data-quality list, results back,
and the figures (HTML with a chart, XLSX, PDF)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission, Role
from desa.core.db import begin_write
from desa.core.errors import current_error, on_error
from desa.core.formatting import format_date
from desa.core.numbers import page_number
from desa.core.security import require
from desa.core.templating import register_nav
from desa.core.village import require_village
from desa.exports import figures, pending, quality, reports, results
from desa.exports.api import parse_as_of, parse_level
from desa.exports.forms import ExportForm, ResultsForm
from desa.exports.models import ExportBatch, ResultsImport
from desa.extensions import db

bp = Blueprint("exports", __name__, url_prefix="/recording")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.record_once
def _register_nav(_state: Any) -> None:
    register_nav(
        45, Permission.RECORDING_STATS, "exports.figures_page", _l("Rekap KTP-el")
    )
    register_nav(50, Permission.EXPORTS_READ, "exports.index", _l("Ekspor Disdukcapil"))


def _batch(batch_id: int) -> ExportBatch:
    batch = db.session.get(ExportBatch, batch_id)
    if batch is None or not batch.file_path:
        abort(404)
    return batch


def _index_page(form: ExportForm, status: int = 200):
    actor = current_actor()
    today = actor.today
    page = page_number()
    batches = db.paginate(
        select(ExportBatch).order_by(ExportBatch.id.desc()),
        page=page,
        per_page=20,
        error_out=False,
    )
    return render_template(
        "exports/index.html",
        form=form,
        batches=batches,
        today=today,
        pending_total=pending.pending_count(actor),
        pending_new=pending.pending_count(actor, only_new=True),
    ), status


@bp.get("")
@require(Permission.EXPORTS_READ)
def index():
    """Pending counts, the export form, and every batch written so far."""
    return _index_page(ExportForm())


@bp.post("/export")
@require(Permission.RECORDING_EXPORT)
def create():
    """Writes a new batch (XLSX or CSV) and keeps it for download."""
    form = ExportForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    on_error(lambda status: _index_page(form, status))
    batch = pending.export_pending(
        current_actor(),
        form.format.data,
        only_new=bool(form.only_new.data),
        instance_path=current_app.instance_path,
    )
    flash(
        _("Ekspor #%(id)d selesai: %(n)d penduduk.", id=batch.id, n=batch.rows),
        "success",
    )
    return redirect(url_for(".index"))


@bp.get("/batches/<int:batch_id>/file")
@require(Permission.EXPORTS_READ)
def download(batch_id: int):
    """The batch's file, byte for byte as written (the download is audited)."""
    batch = _batch(batch_id)
    path = pending.stored_file(batch, current_app.instance_path)
    if not path.is_file():
        abort(404)
    begin_write()
    audit.record(
        current_actor(),
        "recording.export_download",
        object_type="export_batch",
        object_id=batch.id,
        detail=batch.file_name,
    )
    mimetype = XLSX if batch.format == "xlsx" else "text/csv"
    return send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=batch.file_name
    )


@bp.get("/batches/<int:batch_id>/manifest")
@require(Permission.EXPORTS_READ)
def manifest(batch_id: int):
    """The batch's manifest (JSON)."""
    batch = _batch(batch_id)
    body = json.dumps(pending.manifest(batch), ensure_ascii=False, indent=2) + "\n"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{batch.file_name}.manifest.json"'
        },
    )


@bp.get("/quality")
@require(Permission.RECORDING_PENDING)
def quality_page():
    """Wajib KTP residents whose data should be checked before exporting."""
    actor = current_actor()
    return render_template(
        "exports/quality.html",
        lists=quality.quality_lists(actor),
        today=actor.today,
        limit=quality.LIMIT,
    )


def _results_page(form: ResultsForm, status: int = 200, **context: Any):
    page = page_number()
    imports = db.paginate(
        select(ResultsImport).order_by(ResultsImport.id.desc()),
        page=page,
        per_page=20,
        error_out=False,
    )
    return render_template(
        "exports/results.html",
        form=form,
        imports=imports,
        status_label=results.status_label,
        **context,
    ), status


@bp.get("/results")
@require(Permission.RECORDING_RESULTS)
def results_form():
    """The upload form for the district's results file, and past imports."""
    return _results_page(ResultsForm())


@bp.post("/results")
@require(Permission.RECORDING_RESULTS)
def results_upload():
    """Applies a results file in one transaction; lists the NIKs it could not match."""
    form = ResultsForm()
    if not form.validate_on_submit():
        return _results_page(form, 422)
    storage = form.file.data
    shown = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    extension = shown.rsplit(".", 1)[-1].lower()
    folder = Path(current_app.instance_path) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, suffix=f".{extension}")
    os.close(fd)
    on_error(_results_problem(form), flash_message=False)
    try:
        storage.save(name)
        summary = results.import_file(
            current_actor(),
            name,
            file_name=shown,
            confirm_lowered=form.confirm_lowered.data,
        )
    finally:
        Path(name).unlink(missing_ok=True)
    return _results_page(ResultsForm(formdata=None), summary=summary, file_name=shown)


def _results_problem(form: ResultsForm):
    def page(status: int):
        err = current_error()
        return _results_page(form, status, problem=err.message, problems=err.fields)

    return page


def _figures_data() -> tuple[Any, ...]:
    actor = current_actor()
    as_of = parse_as_of(request.args.get("as_of"), actor.today)
    level = parse_level(request.args.get("by"))
    data = figures.figures(actor, as_of, level)
    months = figures.recordings_per_month(actor, as_of)
    return as_of, level, data, months


def _heading(as_of: Any) -> tuple[str, str]:
    village = require_village()
    actor = current_actor()
    title = _("Rekapitulasi perekaman KTP-el")
    scope = ""
    if actor.role == Role.RT:
        rt_head = actor.principal
        scope = _(" · RT %(rt)s / RW %(rw)s", rt=rt_head.rt, rw=rt_head.rw)
    subtitle = (
        _(
            "%(v)s, Kecamatan %(d)s · per %(t)s",
            v=village.title,
            d=village.district,
            t=format_date(as_of),
        )
        + scope
    )
    return title, subtitle


@bp.get("/figures")
@require(Permission.RECORDING_STATS)
def figures_page():
    """The district's table per dusun/RW/RT with a bar chart, and recordings per month."""
    as_of, level, data, months = _figures_data()
    title, subtitle = _heading(as_of)
    return render_template(
        "exports/figures.html",
        data=data,
        months=months,
        as_of=as_of,
        level=level,
        title=title,
        subtitle=subtitle,
        chart=reports.figures_svg(data),
        month_chart=reports.monthly_svg(months),
        header=reports.table_header(),
        area_label=figures.area_label,
        pct=reports.pct_text,
        month_label=reports.month_label,
    )


def _file_name(as_of: Any, extension: str) -> str:
    return f"rekap-ktp-el-{as_of:%Y%m%d}.{extension}"


@bp.get("/figures.xlsx")
@require(Permission.RECORDING_STATS)
def figures_xlsx():
    """The same figures as an XLSX workbook."""
    as_of, _level, data, months = _figures_data()
    body = reports.figures_xlsx(data, months, list(_heading(as_of)))
    return Response(
        body,
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{_file_name(as_of, "xlsx")}"'
        },
    )


@bp.get("/figures.pdf")
@require(Permission.RECORDING_STATS)
def figures_pdf():
    """The same figures as an A4 landscape PDF under the village letterhead."""
    from desa.exports.figures_pdf import render_figures
    from desa.letters.documents import letterhead

    as_of, _level, data, months = _figures_data()
    village = require_village()
    title, subtitle = _heading(as_of)
    sign = None
    if village.head_name:
        sign = (
            f"{village.name}, {format_date(current_actor().today)}",
            village.head_title or _("Kepala Desa"),
            village.head_name,
        )
    body = render_figures(letterhead(village), title, subtitle, data, months, sign)
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{_file_name(as_of, "pdf")}"'
        },
    )
