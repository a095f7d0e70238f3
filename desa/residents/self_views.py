"""The signed-in resident asks for a correction of their data and reads the answers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.errors import on_error
from desa.core.security import require
from desa.residents import corrections, registry
from desa.residents.forms import CorrectionForm

bp = Blueprint("resident_self", __name__, url_prefix="/resident")


@bp.route("/correction", methods=["GET", "POST"])
@require(Permission.SELF_READ)
def correction():
    """A form: which data is wrong and how; it lands in the clerk's queue."""
    form = CorrectionForm()

    def page(status: int = 200):
        return render_template("residents/self_correction.html", form=form), status

    if form.validate_on_submit():
        actor = current_actor()
        on_error(page, form=form)
        corrections.request_correction(
            actor, actor.principal, form.field.data, form.message.data
        )
        flash(
            _(
                "Permintaan perbaikan data sudah dikirim. Petugas desa akan "
                "memeriksanya dan jawabannya muncul di halaman permintaan Anda."
            ),
            "success",
        )
        return redirect(url_for("home.index"))
    return page(422 if request.method == "POST" else 200)


@bp.route("/corrections")
@require(Permission.SELF_READ)
def corrections_list():
    """The resident's own correction requests and the office's answers."""
    actor = current_actor()
    items = corrections.of_resident(actor, actor.principal)
    return render_template(
        "residents/self_corrections.html", items=items, labels=registry.LABELS
    )
