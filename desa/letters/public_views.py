"""Anyone holding a letter: the page its QR opens, and the check of a PDF file."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request

from desa.auth.actor import current_actor
from desa.core.db import begin_write
from desa.core.formatting import format_date
from desa.letters import verification
from desa.letters.forms import UploadForm

bp = Blueprint("letters_public", __name__)

MAX_UPLOAD = 5 * 1024 * 1024  # a letter is ~50 KB; a photographed scan is not a PDF


@bp.app_template_filter("tanggal_iso")
def _date_from_iso(value: str | None) -> str:
    """`2026-11-23` → `23 November 2026` (dates that arrive as ISO text)."""
    try:
        return format_date(dt.date.fromisoformat(value)) if value else ""
    except ValueError:
        return value or ""


@bp.before_app_request
def _limit_upload_size() -> None:
    # Registered before the app's CSRF check, which is the first to read the body.
    if request.endpoint == "letters_public.verify_upload":
        request.max_content_length = MAX_UPLOAD


@bp.route("/v/<path:token>")
def verify_page(token: str):
    """Valid / revoked / invalid, with the masked holder, for a phone's screen."""
    begin_write()  # the throttle counts in the database
    actor = current_actor()
    verification.throttle(actor, "lookup")
    result = verification.check(actor, token)
    return render_template(
        "letters/verify.html", result=result, form=UploadForm(), match=None
    )


@bp.route("/v/<path:token>", methods=["POST"])
def verify_upload(token: str):
    """Compares an uploaded PDF with the SHA-256 stored when the letter was issued."""
    form = UploadForm()
    actor = current_actor()
    verification.throttle(actor, "upload")
    match = None
    status = 200
    upload = form.pdf.data if form.validate_on_submit() else None
    if upload is None or not getattr(upload, "filename", ""):
        form.pdf.errors = list(form.pdf.errors) + [_no_file()]
        result = verification.check(actor, token)
        status = 422
    else:
        data = upload.read(MAX_UPLOAD + 1)
        result, match = verification.check_pdf(actor, token, data[:MAX_UPLOAD])
    return render_template(
        "letters/verify.html",
        result=result,
        form=form,
        match=match,
        checked=True,
    ), status


def _no_file() -> str:
    from flask_babel import gettext as _

    return _("Pilih berkas PDF surat yang hendak diperiksa.")
