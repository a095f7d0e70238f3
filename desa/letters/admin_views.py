"""The admin's letter screens: types with a live preview, settings, offline verifier."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core import addresses
from desa.core.errors import NotFound, current_error, on_error
from desa.core.security import require
from desa.core.village import require_village
from desa.extensions import db
from desa.letters import layouts, letterhead, types
from desa.letters.forms import (
    BaseUrlForm,
    LetterheadForm,
    LetterTypeForm,
    SettingsForm,
)
from desa.letters.models import (
    DEFAULT_LIFE_STATUSES,
    DEFAULT_NUMBER_PATTERN,
    LetterType,
)
from desa.letters.responses import frame_on_own_pages, framed_pdf_response
from desa.residents.forms import LIFE_LABELS
from desa.trust.services import village_bundle

bp = Blueprint("letter_admin", __name__, url_prefix="/letters")

# The offline verifier is a file to save and open from disk, not a page of this
# site: should a browser render it here anyway, it runs sandboxed, without script,
# in an opaque origin (no cookies, nothing of ours to reach).
OFFLINE_VERIFIER_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.route("/types")
@require(Permission.LETTER_TYPES_MANAGE)
def type_list():
    """Every letter type, active or not."""
    letter_types = db.session.scalars(
        select(LetterType).order_by(LetterType.active.desc(), LetterType.title)
    )
    return render_template(
        "letters/types.html", letter_types=list(letter_types), life_labels=LIFE_LABELS
    )


@bp.route("/types/new", methods=["GET", "POST"])
@require(Permission.LETTER_TYPES_MANAGE)
def type_new():
    """Adds a letter type."""
    form = LetterTypeForm()
    if not form.is_submitted():
        form.number_pattern.data = DEFAULT_NUMBER_PATTERN
        form.active.data = True
        form.body.data = "[data]"
        form.life_statuses.data = [str(s) for s in DEFAULT_LIFE_STATUSES]
    return _save(form, None)


@bp.route("/types/<code>/edit", methods=["GET", "POST"])
@require(Permission.LETTER_TYPES_MANAGE)
def type_edit(code: str):
    """Changes a letter type (its code stays: issued QR codes carry it)."""
    letter_type = db.session.scalar(select(LetterType).where(LetterType.code == code))
    if letter_type is None:
        raise NotFound(_("Jenis surat tidak ditemukan."))
    form = LetterTypeForm(obj=letter_type)
    if not form.is_submitted():
        form.fields.data = types.fields_to_text(letter_type.fields)
    return _save(form, letter_type)


@bp.route("/types/preview", methods=["POST"])
@require(Permission.LETTER_TYPES_MANAGE)
def type_preview():
    """A DRAFT letter from the form as it is now, for the preview frame."""
    form = LetterTypeForm()
    on_error(_preview_problems, flash_message=False)
    data = types.preview_type_pdf(_values(form), current_actor().today)
    return framed_pdf_response(data, "pratinjau-jenis-surat.pdf")


def _preview_problems(status: int):
    """The preview frame lists what is wrong with the type as typed."""
    err = current_error()
    problems = [m for msgs in err.fields.values() for m in msgs] or [err.message]
    page = render_template("letters/type_preview_error.html", problems=problems)
    return frame_on_own_pages(Response(page, status=status, mimetype="text/html"))


@bp.route("/settings", methods=["GET", "POST"])
@require(Permission.SETTINGS_MANAGE)
def settings():
    """Who may issue letters, and one number sequence or one per type."""
    village = require_village()
    form = SettingsForm()
    if form.validate_on_submit():
        types.update_settings(
            current_actor(),
            village,
            clerk_may_issue=form.clerk_may_issue.data,
            shared_sequence=form.shared_sequence.data,
        )
        flash(_("Pengaturan surat disimpan."), "success")
        return redirect(url_for(".settings"))
    return _settings_page(village, form=form if form.is_submitted() else None)


def _settings_page(
    village,
    *,
    form: SettingsForm | None = None,
    letterhead_form: LetterheadForm | None = None,
    address_form: BaseUrlForm | None = None,
):
    """The settings page with its three forms: the one just sent as it was typed,
    the others filled from the village."""
    if form is None:
        form = SettingsForm()
        form.clerk_may_issue.data = village.clerk_may_issue
        form.shared_sequence.data = village.shared_letter_sequence
    if letterhead_form is None:
        letterhead_form = LetterheadForm(prefix="kop")
        for name in letterhead.CONTACT_LIMITS:
            letterhead_form[name].data = getattr(village, name)
    if address_form is None:
        address_form = BaseUrlForm(prefix="alamat")
        address_form.base_url.data = village.base_url or ""
    return render_template(
        "letters/settings.html",
        form=form,
        letterhead=letterhead_form,
        address_form=address_form,
        address=addresses.resolve(),
        suggested_url=addresses.suggested_url(),
    )


@bp.route("/settings/letterhead", methods=["POST"])
@require(Permission.SETTINGS_MANAGE)
def letterhead_settings():
    """The office address, contacts, signer and logo printed on every letter."""
    village = require_village()
    form = LetterheadForm(prefix="kop")

    def page(status: int):
        return _settings_page(village, letterhead_form=form), status

    if not form.validate_on_submit():
        return page(422)
    actor = current_actor()
    on_error(page, form=form)
    letterhead.update_letterhead(actor, village, form.data)
    if form.remove_logo.data:
        letterhead.remove_logo(actor, village)
    elif form.logo.data:
        letterhead.store_logo(actor, village, form.logo.data)
    flash(_("Kop surat disimpan."), "success")
    return redirect(url_for(".settings"))


def _type_titles() -> dict[str, str]:
    rows = db.session.execute(select(LetterType.code, LetterType.title))
    return dict(rows.all())


@bp.route("/settings/address", methods=["POST"])
@require(Permission.SETTINGS_MANAGE)
def address_settings():
    """The address QR codes and links carry; cleared, it is derived again."""
    village = require_village()
    form = BaseUrlForm(prefix="alamat")

    def page(status: int):
        return _settings_page(village, address_form=form), status

    if not form.validate_on_submit():
        return page(422)
    on_error(page, form=form)
    value = None if form.clear.data else form.base_url.data
    stored = letterhead.update_base_url(current_actor(), village, value)
    if stored:
        flash(_("Alamat %(u)s disimpan untuk kode QR dan tautan.", u=stored), "success")
    else:
        flash(_("Alamat tersimpan dihapus; alamat dipilih otomatis."), "success")
    return redirect(url_for(".settings") + "#alamat")


@bp.route("/offline-verifier")
@require(Permission.LETTER_TYPES_MANAGE)
def offline_verifier():
    """A single HTML file that checks letter QR codes with no connection."""
    village = require_village()
    html = render_template(
        "letters/offline_verifier.html",
        trust_bundle=village_bundle(current_actor()),
        village_title=village.title,
        code=village.code,
        base_url=addresses.base_url(),
        type_titles=_type_titles(),
    )
    slug = "".join(ch if ch.isalnum() else "-" for ch in village.name.lower()).strip(
        "-"
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="pemeriksa-surat-{slug or "desa"}.html"'
    )
    resp.headers["Content-Security-Policy"] = OFFLINE_VERIFIER_CSP
    return resp


# --- helpers ----------------------------------------------------------------------


def _values(form: LetterTypeForm) -> dict:
    data = {
        name: form[name].data
        for name in (
            "code",
            "title",
            "kind",
            "addressee",
            "body",
            "validity_days",
            "number_pattern",
            "issuer",
            "life_statuses",
            "active",
        )
    }
    data["fields"] = types.fields_from_text(form.fields.data or "")
    return data


def _save(form: LetterTypeForm, letter_type: LetterType | None):
    if form.validate_on_submit():
        on_error(lambda status: _type_page(form, letter_type, status), form=form)
        actor = current_actor()
        data = _values(form)
        if letter_type is None:
            letter_type = types.create_type(actor, data)
        else:
            types.update_type(actor, letter_type, data)
        flash(_("Jenis surat %(t)s disimpan.", t=letter_type.title), "success")
        return redirect(url_for(".type_list"))
    return _type_page(form, letter_type, 422 if form.is_submitted() else 200)


def _type_page(form: LetterTypeForm, letter_type: LetterType | None, status: int):
    return render_template(
        "letters/type_form.html",
        form=form,
        letter_type=letter_type,
        fields_help=types.RESERVED,
        form_layout=bool(letter_type and layouts.has_layout(letter_type.code)),
    ), status
