"""The signed-in resident: own letters and their states, asking for a letter."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from desa.auth.permissions import Permission
from desa.core.errors import NotFound, ServiceError
from desa.core.security import require
from desa.core.templating import register_nav
from desa.extensions import db
from desa.letters import archive, services
from desa.letters.forms import DraftForm
from desa.letters.models import LetterStatus
from desa.letters.responses import pdf_response

bp = Blueprint("resident_letters", __name__, url_prefix="/me/letters")

register_nav(60, Permission.SELF_LETTERS, "resident_letters.index", _l("Surat saya"))


@bp.route("")
@require(Permission.SELF_LETTERS)
def index():
    """The resident's own letters with Diajukan / Diproses / Siap Diambil / … states."""
    letters = archive.of_resident(current_user.id)
    return render_template(
        "letters/self_list.html",
        letters=letters,
        states=services.RESIDENT_STATES,
        state_of=services.resident_state,
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.SELF_LETTERS)
def new():
    """Asks the office for a letter: type, purpose and the type's fields."""
    types = services.active_types()
    chosen = next((t for t in types if t.code == request.values.get("type")), None)
    form = DraftForm()
    status = 200
    if chosen is not None and form.validate_on_submit():
        fields = {
            f["name"]: request.form.get(f"f_{f['name']}", "")
            for f in chosen.fields or []
        }
        try:
            services.request_letter(
                current_user._get_current_object(),
                chosen.code,
                form.purpose.data,
                fields,
            )
        except ServiceError as err:
            db.session.rollback()
            form.extra_errors = {
                k.removeprefix("fields."): v for k, v in err.fields.items()
            }
            flash(err.message, "error")
            status = err.status
        else:
            db.session.commit()
            flash(
                _(
                    "Permintaan surat sudah dikirim. Petugas desa akan memprosesnya; "
                    "statusnya tampil di halaman ini."
                ),
                "success",
            )
            return redirect(url_for(".index"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "letters/self_new.html",
        types=types,
        chosen=chosen,
        form=form,
        values=request.form,
    ), status


@bp.route("/<public_id>/pdf")
@require(Permission.SELF_LETTERS)
def pdf(public_id: str):
    """The resident's own issued letter; anybody else's is simply not found."""
    letter = services.visible_letter(current_user, public_id)
    if letter.status != LetterStatus.ISSUED:
        raise NotFound(_("Surat tidak ditemukan."))
    return pdf_response(services.stored_pdf(letter), services.download_name(letter))
