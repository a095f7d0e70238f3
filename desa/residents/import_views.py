"""Resident import pages: upload, preview, start, progress, summary, rejects file.

The import itself runs in its own process (`import_job`), so that a register of
hundreds of thousands of rows never times out a request; the progress page
refreshes itself without JavaScript (a `Refresh` header and a meta refresh).
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select, update
from wtforms import BooleanField

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.errors import ServiceError, current_error, on_error
from desa.core.forms import Form
from desa.core.numbers import page_number
from desa.core.security import require
from desa.core.templating import register_nav
from desa.core.unit_of_work import after_commit, commit
from desa.extensions import db
from desa.residents import import_job, importer
from desa.residents.models import ImportJob, ImportJobStatus
from desa.residents.registry import LABELS

bp = Blueprint("residents_import", __name__, url_prefix="/residents/import")

# Room for the multipart envelope around the largest file the importer accepts.
UPLOAD_LIMIT = importer.MAX_FILE_BYTES + 1024 * 1024
REFRESH_SECONDS = 2


@bp.record_once
def _register_nav(_state: Any) -> None:
    register_nav(
        30, Permission.RESIDENTS_IMPORT, "residents_import.index", _l("Impor penduduk")
    )


@bp.before_app_request
def _allow_large_upload() -> None:
    # Runs before the CSRF check reads the form, which would apply the app-wide
    # limit to a whole register's file.
    if request.endpoint == "residents_import.upload":
        request.max_content_length = UPLOAD_LIMIT


class UploadForm(Form):
    file = FileField(
        _l("Berkas penduduk (CSV atau XLSX)"),
        validators=[
            FileRequired(_l("Pilih berkas yang akan diimpor.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )


class StartForm(Form):
    strict = BooleanField(
        _l("Mode ketat: jangan simpan apa pun bila ada satu baris saja yang ditolak")
    )


def _job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        abort(404)
    return job


def _index_page(form: UploadForm, status: int = 200):
    page = page_number()
    pagination = db.paginate(
        select(ImportJob).order_by(ImportJob.id.desc()), page=page, per_page=20
    )
    return render_template(
        "residents/import_index.html", form=form, pagination=pagination
    ), status


@bp.get("/")
@require(Permission.RESIDENTS_IMPORT)
def index():
    """The upload form and the list of past imports."""
    return _index_page(UploadForm())


@bp.post("/")
@require(Permission.RESIDENTS_IMPORT)
def upload():
    """Stores the uploaded file under a generated name, then shows its preview."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    storage = form.file.data
    shown = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = shown.rsplit(".", 1)[-1].lower()
    actor = current_actor()
    job = ImportJob(
        filename=shown[:200] or f"impor.{extension}",
        stored_path="",
        created_by=actor.display_name,
        created_at=actor.utcnow,
    )
    db.session.add(job)
    db.session.flush()
    directory = import_job.job_dir(current_app.instance_path, job.id)
    try:
        # A folder left by a job of the same number (a restored backup) is stale.
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        target = directory / f"source.{extension}"
        storage.save(target)
    except OSError:
        shutil.rmtree(directory, ignore_errors=True)
        on_error(lambda status: _index_page(form, status))
        raise ServiceError(
            _("Berkas tidak dapat disimpan di server. Coba lagi."),
            code="storage_failed",
            status=500,
        ) from None
    job.stored_path = str(target)
    return redirect(url_for(".preview", job_id=job.id))


@bp.get("/<int:job_id>/preview")
@require(Permission.RESIDENTS_IMPORT)
def preview(job_id: int):
    """Columns found, ignored columns and the errors of the first rows."""
    job = _job(job_id)
    if job.status != ImportJobStatus.UPLOADED:
        return redirect(url_for(".show", job_id=job.id))

    def page(result=None):
        err = current_error()  # a file the importer refuses: said on the page
        return render_template(
            "residents/import_preview.html",
            job=job,
            preview=result,
            problem=err.message if err else None,
            labels=LABELS,
            form=StartForm(),
        )

    on_error(lambda _status: page(), flash_message=False)
    return page(
        import_job.preview_or_discard(current_actor(), job, current_app.instance_path)
    )


@bp.post("/<int:job_id>/start")
@require(Permission.RESIDENTS_IMPORT)
def start(job_id: int):
    """Claims the uploaded job once and starts its process."""
    job = _job(job_id)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == ImportJobStatus.UPLOADED)
        .values(status=ImportJobStatus.RUNNING, strict=bool(form.strict.data))
    ).rowcount
    if claimed:
        # The job process reads the claimed row: it starts once the claim is
        # committed.
        app = current_app._get_current_object()
        after_commit(lambda: _start_process(app, job_id))
    return redirect(url_for(".show", job_id=job_id))


def _start_process(app: Any, job_id: int) -> None:
    try:
        import_job.start(app, job_id)
    except OSError:
        current_app.logger.exception("import job %s could not start", job_id)
        _mark_failed(job_id, _("Proses impor tidak dapat dimulai."))
        commit()


@bp.get("/<int:job_id>")
@require(Permission.RESIDENTS_IMPORT)
def show(job_id: int):
    """Progress while the job runs (refreshing itself), then its summary."""
    job = _job(job_id)
    if job.status == ImportJobStatus.UPLOADED:
        return redirect(url_for(".preview", job_id=job.id))
    directory = import_job.job_dir(current_app.instance_path, job.id)
    if job.status == ImportJobStatus.RUNNING and import_job.abandoned(directory):
        _mark_failed(job.id, _(import_job.CRASHED))
        job = _job(job_id)
    if job.status == ImportJobStatus.RUNNING:
        progress = import_job.read_progress(directory)
        response = make_response(
            render_template(
                "residents/import_progress.html",
                job=job,
                processed=int(progress.get("processed") or 0),
                total=int(progress.get("total") or 0),
                refresh=REFRESH_SECONDS,
            )
        )
        response.headers["Refresh"] = str(REFRESH_SECONDS)
        return response
    details = _details(job)
    return render_template(
        "residents/import_summary.html", job=job, details=details, labels=LABELS
    )


@bp.get("/<int:job_id>/rejects.csv")
@require(Permission.RESIDENTS_IMPORT)
def rejects(job_id: int):
    """The rejected rows with their `error` column, as a CSV download."""
    job = _job(job_id)
    path = import_job.job_dir(current_app.instance_path, job.id) / (
        import_job.REJECTS_FILE
    )
    if job.status != ImportJobStatus.DONE or not job.rejected or not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"impor-{job.id}-ditolak.csv",
    )


def _mark_failed(job_id: int, message: str) -> None:
    """Ends a job whose process is gone; only if it is still marked running."""
    begin_write()
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == ImportJobStatus.RUNNING)
        .values(
            status=ImportJobStatus.FAILED,
            error=message,
            finished_at=current_actor().utcnow,
        )
    )


def _details(job: ImportJob) -> dict[str, Any]:
    try:
        data = json.loads(job.columns or "{}")
    except ValueError:
        data = {}
    return {
        "columns": data.get("columns") or [],
        "unknown": data.get("unknown") or [],
        "first_errors": data.get("first_errors") or [],
    }
