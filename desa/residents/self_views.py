"""The signed-in resident asks for a correction of their data and reads the answers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from desa.auth.permissions import Permission
from desa.core.errors import ServiceError
from desa.core.forms import show_service_error
from desa.core.security import require
from desa.extensions import db
from desa.residents import corrections, registry
from desa.residents.forms import CorrectionForm

bp = Blueprint("resident_self", __name__, url_prefix="/resident")


@bp.route("/correction", methods=["GET", "POST"])
@require(Permission.SELF_READ)
def correction():
    """A form: which data is wrong and how; it lands in the clerk's queue."""
    form = CorrectionForm()
    status = 200
    if form.validate_on_submit():
        me = current_user._get_current_object()
        try:
            corrections.request_correction(me, form.field.data, form.message.data)
        except ServiceError as err:
            status = show_service_error(form, err)
        else:
            db.session.commit()
            flash(
                _(
                    "Permintaan perbaikan data sudah dikirim. Petugas desa akan "
                    "memeriksanya dan jawabannya muncul di halaman permintaan Anda."
                ),
                "success",
            )
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("residents/self_correction.html", form=form), status


@bp.route("/corrections")
@require(Permission.SELF_READ)
def corrections_list():
    """The resident's own correction requests and the office's answers."""
    items = corrections.of_resident(current_user._get_current_object())
    return render_template(
        "residents/self_corrections.html", items=items, labels=registry.LABELS
    )
