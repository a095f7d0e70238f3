"""The signed-in resident: own letters and their states, asking for a letter."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.errors import NotFound, on_error
from desa.core.security import require
from desa.core.templating import register_nav
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
    actor = current_actor()
    letters = archive.of_resident(actor, actor.id)
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
    actor = current_actor()
    types = services.active_types()
    chosen = next((t for t in types if t.code == request.values.get("type")), None)
    form = DraftForm()

    def page(status: int = 200):
        form.show_refusal()
        return render_template(
            "letters/self_new.html",
            # Only what may be made for this resident as recorded now.
            types=services.types_for(actor.principal),
            chosen=chosen,
            refusal=services.eligibility_problem(chosen, actor.principal)
            if chosen is not None
            else None,
            form=form,
            values=request.form,
        ), status

    if chosen is not None and form.validate_on_submit():
        fields = {
            f["name"]: request.form.get(f"f_{f['name']}", "")
            for f in chosen.fields or []
        }
        # Every refusal of a request names a field: the error summary shows it.
        on_error(page, form=form, flash_message=False)
        services.request_letter(actor, chosen.code, form.purpose.data, fields)
        flash(
            _(
                "Permintaan surat sudah dikirim. Petugas desa akan memprosesnya; "
                "statusnya tampil di halaman ini."
            ),
            "success",
        )
        return redirect(url_for(".index"))
    return page(422 if request.method == "POST" else 200)


@bp.route("/<public_id>/pdf")
@require(Permission.SELF_LETTERS)
def pdf(public_id: str):
    """The resident's own issued letter; anybody else's is simply not found."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    if letter.status != LetterStatus.ISSUED:
        raise NotFound(_("Surat tidak ditemukan."))
    data = services.stored_pdf(actor, letter)
    return pdf_response(data, services.download_name(letter))
