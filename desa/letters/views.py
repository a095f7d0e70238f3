"""The office's letter screens: archive, drafting, the letter page, register, prints.

URLs carry the letter's random public id, never its integer id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from desa.auth.actor import Actor, current_actor
from desa.auth.permissions import Permission
from desa.auth.scope import scopes
from desa.core import pages
from desa.core.db import begin_write
from desa.core.errors import NotFound, on_error
from desa.core.formatting import MONTHS_ID
from desa.core.numbers import whole_number
from desa.core.security import require
from desa.core.templating import register_enums, register_nav
from desa.core.village import require_village
from desa.extensions import db
from desa.letters import archive, documents, services
from desa.letters.forms import DraftForm, LetterFilterForm, ReasonForm
from desa.letters.models import Letter, LetterRequestState, LetterStatus, LetterType
from desa.letters.responses import file_response, framed_pdf_response, pdf_response
from desa.residents import services as residents
from desa.residents.forms import LIFE_LABELS
from desa.residents.models import Resident
from desa.residents.sections import Section, register_section

bp = Blueprint("letters", __name__, url_prefix="/letters")

register_nav(20, Permission.LETTERS_READ, "letters.index", _l("Surat"))


@bp.record_once
def _register_enums(state: Any) -> None:
    register_enums(state.app, LetterStatus, LetterRequestState)


PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _resident_letters(actor: Actor, resident: Resident) -> Section | None:
    """The resident page's letters section, for staff who may read letters."""
    if not actor.can(Permission.LETTERS_READ):
        return None
    return Section(
        "letters/_resident_letters.html",
        {
            "letters": archive.of_resident(actor, resident.id),
            "may_draft": actor.can(Permission.LETTERS_DRAFT),
        },
    )


register_section(10, "letters", _resident_letters)


@bp.app_template_global("letter_status_labels")
def _status_labels() -> dict:
    return services.STATUS_LABELS


def awaiting_signature(actor: Actor) -> int:
    """Drafts waiting for the head (counted for whoever may issue)."""
    if not actor.can(Permission.LETTERS_ISSUE):
        return 0
    stmt = select(func.count(Letter.id)).where(Letter.status == LetterStatus.DRAFT)
    return db.session.scalar(scopes.restrict(stmt, actor, Letter)) or 0


def open_requests(actor: Actor) -> int:
    """Residents' letter requests nobody has taken up yet."""
    if not actor.can(Permission.LETTERS_REQUESTS):
        return 0
    stmt = select(func.count(Letter.id)).where(Letter.status == LetterStatus.REQUESTED)
    return db.session.scalar(scopes.restrict(stmt, actor, Letter)) or 0


@bp.route("")
@require(Permission.LETTERS_READ)
def index():
    """The archive: search by number, resident, type, state and dates; fifty a page."""
    actor = current_actor()
    form = LetterFilterForm(request.args)
    types = list(db.session.scalars(select(LetterType).order_by(LetterType.title)))
    form.type.choices = [("", _("Semua jenis"))] + [(t.code, t.title) for t in types]
    if form.validate():
        stmt = archive.search(
            actor,
            q=form.q.data,
            type_code=form.type.data or None,
            status=form.status.data or None,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    else:
        stmt = select(Letter).where(False)
    pagination = pages.html_page(stmt, archive.ARCHIVE_KEY, per_page=PER_PAGE)
    return render_template(
        "letters/list.html",
        form=form,
        pagination=pagination,
        labels=services.STATUS_LABELS,
        today=actor.today,
        open_requests=open_requests(actor),
        awaiting_signature=awaiting_signature(actor),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.LETTERS_DRAFT)
def new():
    """Drafts a letter: find the resident, choose the type, then purpose and fields."""
    actor = current_actor()
    q = (request.values.get("q") or "").strip()
    resident = _chosen_resident(actor, request.values.get("resident"))
    types = services.active_types()
    chosen = next((t for t in types if t.code == request.values.get("type")), None)
    # Only the types that serve the resident's life status are offered; one
    # chosen anyway (an old link, a death recorded meanwhile) says why not.
    offered = [t for t in types if resident is None or t.serves(resident)]
    refusal = (
        services.eligibility_problem(chosen, resident)
        if chosen is not None and resident is not None
        else None
    )
    matches: list[Resident] = []
    if q and resident is None:
        stmt = residents.search(actor, q=q).limit(20)
        matches = list(db.session.scalars(stmt))
    form = DraftForm()

    def page(status: int = 200):
        form.show_refusal()
        addressee = (
            documents.addressee_of(chosen, {}, require_village()) if chosen else None
        )
        return render_template(
            "letters/new.html",
            q=q,
            matches=matches,
            resident=resident,
            types=offered,
            not_offered=[
                t
                for t in types
                if t not in offered
                and (resident is None or resident.life_status not in t.life_statuses)
            ],
            card_not_offered=[
                t
                for t in types
                if t not in offered
                and resident is not None
                and resident.life_status in (t.life_statuses or ())
            ],
            recorded=services.recorded_word(resident.life_status) if resident else None,
            life_labels=LIFE_LABELS,
            chosen=chosen,
            refusal=refusal,
            form=form,
            values=request.form,
            addressee=addressee,
        ), status

    if resident is not None and chosen is not None and form.validate_on_submit():
        # Every refusal of a draft names a field: the error summary shows it.
        on_error(page, form=form, flash_message=False)
        letter = services.create_draft(
            actor, chosen.code, resident, form.purpose.data, _posted_fields(chosen)
        )
        flash(_("Konsep surat disimpan. Periksa pratinjaunya."), "success")
        return redirect(url_for(".detail", public_id=letter.public_id))
    return page(422 if request.method == "POST" else 200)


@bp.route("/<public_id>")
@require(Permission.LETTERS_READ)
def detail(public_id: str):
    """One letter: data, state, and the actions the signed-in person may take; audited."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    services.record_read(actor, letter)
    village = require_village()
    pending = letter.status in (LetterStatus.REQUESTED, LetterStatus.DRAFT)
    return render_template(
        "letters/detail.html",
        letter=letter,
        # A death or move recorded since the draft: it can no longer be issued.
        refusal=services.eligibility_problem(letter.type, letter.resident)
        if pending
        else None,
        labels=services.STATUS_LABELS,
        may_issue=services.can_issue(actor, letter.type, village),
        addressee=documents.addressee_of(letter.type, letter.fields or {}, village),
        reason_form=ReasonForm(),
        today=actor.today,
    )


@bp.route("/<public_id>/preview")
@require(Permission.LETTERS_READ)
def preview(public_id: str):
    """The DRAFT rendering (no number, no QR), shown in the browser."""
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    if letter.status not in ("requested", "draft"):
        return redirect(url_for(".pdf", public_id=public_id))
    data = services.preview_pdf(letter, actor.today)
    return framed_pdf_response(data, "draf-surat.pdf")


@bp.route("/<public_id>/pdf")
@require(Permission.LETTERS_READ)
def pdf(public_id: str):
    """The stored PDF of an issued (or revoked) letter: always the same bytes."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    data = services.stored_pdf(actor, letter)
    return pdf_response(data, services.download_name(letter))


@bp.route("/<public_id>/issue", methods=["POST"])
# Who may issue depends on the village and type: see services.
@require(Permission.LETTERS_READ)
def issue(public_id: str):
    """Issues the draft: number, signature, QR, stored PDF."""
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    return _act(
        letter,
        lambda: services.issue(actor, letter),
        _("Surat terbit dengan nomor %(n)s."),
        number=True,
    )


@bp.route("/<public_id>/revoke", methods=["POST"])
@require(Permission.LETTERS_REVOKE)
def revoke(public_id: str):
    """Revokes an issued letter with a reason."""
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    form = ReasonForm()
    return _act(
        letter,
        lambda: services.revoke(
            actor, letter, form.reason.data if form.validate_on_submit() else ""
        ),
        _("Surat dicabut."),
    )


@bp.route("/<public_id>/take-up", methods=["POST"])
@require(Permission.LETTERS_REQUESTS)
def take_up(public_id: str):
    """Starts work on a resident's request ("Diproses")."""
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    return _act(
        letter,
        lambda: services.take_up(actor, letter),
        _("Permintaan diproses; surat menjadi konsep."),
    )


@bp.route("/<public_id>/reject", methods=["POST"])
@require(Permission.LETTERS_REQUESTS)
def reject(public_id: str):
    """Turns down a request (or drops a draft) with a reason for the resident."""
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    form = ReasonForm()
    return _act(
        letter,
        lambda: services.reject(
            actor, letter, form.reason.data if form.validate_on_submit() else ""
        ),
        _("Permintaan ditolak."),
    )


@bp.route("/<public_id>/collected", methods=["POST"])
@require(Permission.LETTERS_REQUESTS)
def collected(public_id: str):
    """Marks an issued letter as taken by the resident ("Selesai")."""
    actor = current_actor()
    letter = services.visible_letter(actor, public_id)
    return _act(
        letter,
        lambda: services.mark_collected(actor, letter),
        _("Surat ditandai sudah diambil."),
    )


@bp.route("/register")
@require(Permission.LETTERS_READ)
def register():
    """The Buku Register Surat for a month or a year, as PDF or XLSX."""
    actor = current_actor()
    today = actor.today
    year, month = _period_args(today)
    fmt = request.args.get("format")
    if fmt in ("pdf", "xlsx"):
        begin_write(only_read_audit=True)  # the download is audited
        village = require_village()
        _first, _last, name = archive.period(year, month)
        filename = f"register-surat-{name.lower().replace(' ', '-')}.{fmt}"
        if fmt == "pdf":
            return pdf_response(
                archive.register_pdf(actor, village.title, year, month), filename
            )
        return file_response(
            archive.register_xlsx(actor, village.title, year, month), filename, XLSX
        )
    letters = archive.register_letters(actor, year, month)
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
    actor = current_actor()
    on_error(back=url_for(".index"))
    data, count = archive.merged_pdf(actor, request.form.getlist("ids"))
    return pdf_response(data, f"surat-{count}-{actor.today:%Y%m%d}.pdf")


# --- helpers ----------------------------------------------------------------------


def _chosen_resident(actor: Actor, raw: str | None) -> Resident | None:
    ident = whole_number(raw, 1) if raw else None
    if ident is None:
        return None
    resident = scopes.get(actor, Resident, Resident.id == ident)
    if resident is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    return resident


def _posted_fields(letter_type: LetterType) -> dict[str, str]:
    return {
        f["name"]: request.form.get(f"f_{f['name']}", "")
        for f in letter_type.fields or []
    }


def _act(letter: Letter, action, success: str, number: bool = False):
    """Runs one state change and goes back to the letter page (also when refused)."""
    on_error(back=url_for(".detail", public_id=letter.public_id))
    action()
    flash(success % {"n": letter.number} if number else success, "success")
    return redirect(url_for(".detail", public_id=letter.public_id))


def _period_args(today: dt.date) -> tuple[int, int | None]:
    year = whole_number(request.args.get("year") or today.year) or today.year
    month = whole_number(request.args.get("month", str(today.month)))
    if not 2000 <= year <= 2100:
        year = today.year
    if month is not None and not 1 <= month <= 12:
        month = None
    return year, month
