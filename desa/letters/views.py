"""The office's letter screens: archive, drafting, the letter page, register, prints.

URLs carry the letter's random public id, never its integer id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from desa.auth.permissions import Permission
from desa.core.errors import NotFound, ServiceError
from desa.core.formatting import MONTHS_ID
from desa.core.forms import show_service_error
from desa.core.security import require
from desa.core.templating import register_enums, register_nav
from desa.core.village import require_village, village_today
from desa.extensions import db
from desa.letters import archive, documents, services
from desa.letters.forms import DraftForm, LetterFilterForm, ReasonForm
from desa.letters.models import Letter, LetterRequestState, LetterStatus, LetterType
from desa.letters.responses import file_response, framed_pdf_response, pdf_response
from desa.residents import services as residents
from desa.residents.models import Resident

bp = Blueprint("letters", __name__, url_prefix="/letters")

register_nav(20, Permission.LETTERS_READ, "letters.index", _l("Surat"))


@bp.record_once
def _register_enums(state: Any) -> None:
    register_enums(state.app, LetterStatus, LetterRequestState)


PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_template_global("letters_of")
def _letters_of(resident: Any) -> list[Letter]:
    """The letters of a resident, for the resident page (staff who may read letters)."""
    if not current_user.can(Permission.LETTERS_READ):
        return []
    return archive.of_resident(resident.id)


@bp.app_template_global("letter_status_labels")
def _status_labels() -> dict:
    return services.STATUS_LABELS


@bp.app_template_global("letters_awaiting_signature")
def _awaiting_signature() -> int:
    """Drafts waiting for the head (shown to whoever may issue)."""
    if not current_user.can(Permission.LETTERS_ISSUE):
        return 0
    return (
        db.session.scalar(
            select(func.count(Letter.id)).where(Letter.status == LetterStatus.DRAFT)
        )
        or 0
    )


@bp.app_template_global("open_letter_requests")
def _open_requests() -> int:
    """Residents' letter requests nobody has taken up yet."""
    if not current_user.can(Permission.LETTERS_REQUESTS):
        return 0
    return (
        db.session.scalar(
            select(func.count(Letter.id)).where(Letter.status == LetterStatus.REQUESTED)
        )
        or 0
    )


@bp.route("")
@require(Permission.LETTERS_READ)
def index():
    """The archive: search by number, resident, type, state and dates; fifty a page."""
    form = LetterFilterForm(request.args)
    types = list(db.session.scalars(select(LetterType).order_by(LetterType.title)))
    form.type.choices = [("", _("Semua jenis"))] + [(t.code, t.title) for t in types]
    if form.validate():
        stmt = archive.search(
            q=form.q.data,
            type_code=form.type.data or None,
            status=form.status.data or None,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    else:
        stmt = select(Letter).where(False)
    pagination = db.paginate(
        stmt, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "letters/list.html",
        form=form,
        pagination=pagination,
        labels=services.STATUS_LABELS,
        today=village_today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.LETTERS_DRAFT)
def new():
    """Drafts a letter: find the resident, choose the type, then purpose and fields."""
    q = (request.values.get("q") or "").strip()
    resident = _chosen_resident(request.values.get("resident"))
    types = services.active_types()
    chosen = next((t for t in types if t.code == request.values.get("type")), None)
    matches: list[Resident] = []
    if q and resident is None:
        stmt = residents.search(current_user, q=q).limit(20)
        matches = list(db.session.scalars(stmt))
    form = DraftForm()
    status = 200
    if resident is not None and chosen is not None and form.validate_on_submit():
        try:
            letter = services.create_draft(
                chosen.code,
                resident,
                form.purpose.data,
                _posted_fields(chosen),
                current_user._get_current_object(),
            )
        except ServiceError as err:
            status = _form_errors(form, err)
        else:
            db.session.commit()
            flash(_("Konsep surat disimpan. Periksa pratinjaunya."), "success")
            return redirect(url_for(".detail", public_id=letter.public_id))
    elif request.method == "POST":
        status = 422
    addressee = (
        documents.addressee_of(chosen, {}, require_village()) if chosen else None
    )
    return render_template(
        "letters/new.html",
        q=q,
        matches=matches,
        resident=resident,
        types=types,
        chosen=chosen,
        form=form,
        values=request.form,
        addressee=addressee,
    ), status


@bp.route("/<public_id>")
@require(Permission.LETTERS_READ)
def detail(public_id: str):
    """One letter: data, state, and the actions the signed-in person may take."""
    letter = services.visible_letter(current_user, public_id)
    village = require_village()
    return render_template(
        "letters/detail.html",
        letter=letter,
        labels=services.STATUS_LABELS,
        may_issue=services.can_issue(current_user, letter.type, village),
        addressee=documents.addressee_of(letter.type, letter.fields or {}, village),
        reason_form=ReasonForm(),
        today=village_today(),
    )


@bp.route("/<public_id>/preview")
@require(Permission.LETTERS_READ)
def preview(public_id: str):
    """The DRAFT rendering (no number, no QR), shown in the browser."""
    letter = services.visible_letter(current_user, public_id)
    if letter.status not in (LetterStatus.REQUESTED, LetterStatus.DRAFT):
        return redirect(url_for(".pdf", public_id=public_id))
    return framed_pdf_response(services.preview_pdf(letter), "draf-surat.pdf")


@bp.route("/<public_id>/pdf")
@require(Permission.LETTERS_READ)
def pdf(public_id: str):
    """The stored PDF of an issued (or revoked) letter: always the same bytes."""
    letter = services.visible_letter(current_user, public_id)
    return pdf_response(services.stored_pdf(letter), services.download_name(letter))


@bp.route("/<public_id>/issue", methods=["POST"])
# Who may issue depends on the village and type: see services.
@require(Permission.LETTERS_READ)
def issue(public_id: str):
    """Issues the draft: number, signature, QR, stored PDF."""
    letter = services.visible_letter(current_user, public_id)
    return _act(
        letter,
        lambda: services.issue(letter, current_user._get_current_object()),
        _("Surat terbit dengan nomor %(n)s."),
        number=True,
    )


@bp.route("/<public_id>/revoke", methods=["POST"])
@require(Permission.LETTERS_REVOKE)
def revoke(public_id: str):
    """Revokes an issued letter with a reason."""
    letter = services.visible_letter(current_user, public_id)
    form = ReasonForm()
    return _act(
        letter,
        lambda: services.revoke(
            letter,
            form.reason.data if form.validate_on_submit() else "",
            current_user._get_current_object(),
        ),
        _("Surat dicabut."),
    )


@bp.route("/<public_id>/take-up", methods=["POST"])
@require(Permission.LETTERS_REQUESTS)
def take_up(public_id: str):
    """Starts work on a resident's request ("Diproses")."""
    letter = services.visible_letter(current_user, public_id)
    return _act(
        letter,
        lambda: services.take_up(letter, current_user._get_current_object()),
        _("Permintaan diproses; surat menjadi konsep."),
    )


@bp.route("/<public_id>/reject", methods=["POST"])
@require(Permission.LETTERS_REQUESTS)
def reject(public_id: str):
    """Turns down a request (or drops a draft) with a reason for the resident."""
    letter = services.visible_letter(current_user, public_id)
    form = ReasonForm()
    return _act(
        letter,
        lambda: services.reject(
            letter,
            form.reason.data if form.validate_on_submit() else "",
            current_user._get_current_object(),
        ),
        _("Permintaan ditolak."),
    )


@bp.route("/<public_id>/collected", methods=["POST"])
@require(Permission.LETTERS_REQUESTS)
def collected(public_id: str):
    """Marks an issued letter as taken by the resident ("Selesai")."""
    letter = services.visible_letter(current_user, public_id)
    return _act(
        letter,
        lambda: services.mark_collected(letter, current_user._get_current_object()),
        _("Surat ditandai sudah diambil."),
    )


@bp.route("/register")
@require(Permission.LETTERS_READ)
def register():
    """The Buku Register Surat for a month or a year, as PDF or XLSX."""
    today = village_today()
    year, month = _period_args(today)
    fmt = request.args.get("format")
    if fmt in ("pdf", "xlsx"):
        village = require_village()
        _first, _last, name = archive.period(year, month)
        filename = f"register-surat-{name.lower().replace(' ', '-')}.{fmt}"
        if fmt == "pdf":
            return pdf_response(
                archive.register_pdf(village.title, year, month), filename
            )
        return file_response(
            archive.register_xlsx(village.title, year, month), filename, XLSX
        )
    letters = archive.register_letters(year, month)
    return render_template(
        "letters/register.html",
        letters=letters,
        year=year,
        month=month,
        period=archive.period(year, month)[2],
        years=range(today.year, today.year - 6, -1),
        labels=services.STATUS_LABELS,
        months=MONTHS_ID,
    )


@bp.route("/merge", methods=["POST"])
@require(Permission.LETTERS_READ)
def merge():
    """The chosen issued letters in one PDF, to print at once."""
    try:
        data, count = archive.merged_pdf(request.form.getlist("ids"))
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".index"))
    return pdf_response(data, f"surat-{count}-{village_today():%Y%m%d}.pdf")


# --- helpers ----------------------------------------------------------------------


def _chosen_resident(raw: str | None) -> Resident | None:
    if not raw or not raw.isdigit():
        return None
    resident = db.session.scalar(
        residents.scope(select(Resident), current_user).where(Resident.id == int(raw))
    )
    if resident is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    return resident


def _posted_fields(letter_type: LetterType) -> dict[str, str]:
    return {
        f["name"]: request.form.get(f"f_{f['name']}", "")
        for f in letter_type.fields or []
    }


def _form_errors(form, err: ServiceError) -> int:
    form.extra_errors = {k.removeprefix("fields."): v for k, v in err.fields.items()}
    return show_service_error(form, err)


def _act(letter: Letter, action, success: str, number: bool = False):
    """Runs one state change, commits, and goes back to the letter page."""
    try:
        action()
    except ServiceError as err:
        if err.status == 403:
            raise
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".detail", public_id=letter.public_id))
    db.session.commit()
    flash(success % {"n": letter.number} if number else success, "success")
    return redirect(url_for(".detail", public_id=letter.public_id))


def _period_args(today: dt.date) -> tuple[int, int | None]:
    try:
        year = int(request.args.get("year") or today.year)
    except ValueError:
        year = today.year
    raw = request.args.get("month", str(today.month))
    month = int(raw) if raw.isdigit() else None
    if not 2000 <= year <= 2100:
        year = today.year
    if month is not None and not 1 <= month <= 12:
        month = None
    return year, month
