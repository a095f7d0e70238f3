"""The clerk's resident screens: list, resident page, create/edit, events, family,
and the queue of correction requests.

Every lookup goes through the scope registry (services.search, scopes.get), so an
RT head who changes an id in a URL gets 404, never another RT's data. URLs carry
the surrogate id, never a NIK, so that NIKs stay out of access logs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission, Role
from desa.auth.scope import scopes
from desa.core import pages
from desa.core.db import begin_write
from desa.core.errors import NotFound, current_error, on_error
from desa.core.security import require
from desa.core.templating import register_enums, register_nav
from desa.extensions import db
from desa.residents import corrections, registry, services
from desa.residents.forms import (
    FAMILY_RELATIONS,
    LIFE_LABELS,
    SEX_LABELS,
    CorrectionAnswerForm,
    EventForm,
    ResidentFilterForm,
    ResidentForm,
)
from desa.residents.models import (
    EKTP_LABELS,
    Area,
    CorrectionStatus,
    EktpStatus,
    ImportJobStatus,
    LifeStatus,
    Resident,
    ektp_shown,
)
from desa.residents.rules import is_pending_recording, is_wajib_ktp, needs_home_visit
from desa.residents.sections import sections_for

bp = Blueprint("residents", __name__, url_prefix="/residents")

register_nav(10, Permission.RESIDENTS_READ, "residents.index", _l("Penduduk"))


@bp.record_once
def _register_enums(state: Any) -> None:
    register_enums(state.app, LifeStatus, EktpStatus, CorrectionStatus, ImportJobStatus)


PER_PAGE = 50
# KEPALA KELUARGA first, then the spouse, the children, everyone else.
_RELATION_ORDER = case(
    (Resident.family_relation == "KEPALA KELUARGA", 0),
    (Resident.family_relation.in_(("SUAMI", "ISTRI")), 1),
    (Resident.family_relation == "ANAK", 2),
    else_=3,
)


@bp.route("")
@require(Permission.RESIDENTS_READ)
def index():
    """Residents in scope, filtered and searched, fifty a page."""
    actor = current_actor()
    form = ResidentFilterForm(request.args)
    whole_village = actor.role != Role.RT
    if whole_village:
        form.dusun.choices += [(d, d) for d in _dusun_names()]
    else:  # an RT head's scope is the area filter already
        del form.dusun, form.rw, form.rt
    if form.validate():
        filters = _filters(form)
        stmt = services.search(actor, **filters)
        total = services.counter(actor, stmt, **filters)
    else:
        stmt, total = select(Resident).where(False), None
    pagination = pages.html_page(
        stmt, services.LIST_KEY, per_page=PER_PAGE, counter=total
    )
    today = actor.today
    return render_template(
        "residents/list.html",
        form=form,
        pagination=pagination,
        whole_village=whole_village,
        is_pending=lambda r: is_pending_recording(r, today),
        **_labels(),
    )


@bp.route("/<int:resident_id>")
@require(Permission.RESIDENTS_READ)
def detail(resident_id: int):
    """One resident: data, family, history, events (404 outside the scope); audited."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    resident = _visible(actor, resident_id)
    services.record_read(actor, resident)
    today = actor.today
    return render_template(
        "residents/detail.html",
        resident=resident,
        family=_family(actor, resident),
        wajib=is_wajib_ktp(resident, today),
        pending=is_pending_recording(resident, today),
        home_visit=needs_home_visit(resident, today),
        warnings=[services.WARNING_MESSAGES.get(c, c) for c in resident.warning_codes],
        sections=sections_for(actor, resident),
        **_labels(),
    )


@bp.post("/<int:resident_id>/card-received")
@require(Permission.RESIDENTS_WRITE)
def card_received(resident_id: int):
    """The clerk hands the printed e-KTP over: status 8, sent up to the hub."""
    actor = current_actor()
    resident = _visible(actor, resident_id)
    on_error(back=url_for(".detail", resident_id=resident_id))
    services.record_card_received(actor, resident)
    flash(_("Penyerahan KTP-el kepada %(n)s dicatat.", n=resident.name), "success")
    return redirect(url_for(".detail", resident_id=resident_id), 303)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.RESIDENTS_WRITE)
def new():
    """Adds a resident; NIK warnings are shown next to the NIK to be confirmed."""
    form = ResidentForm()
    if form.validate_on_submit():
        data = {n: form[n].data for n in (*registry.EDITABLE, "nik", "nik_temporary")}
        on_error(lambda status: _render_form(form, None, status), form=form)
        resident = registry.create_resident(
            current_actor(), data, confirm_warnings=_confirmed(form)
        )
        flash(_("Data %(n)s sudah disimpan.", n=resident.name), "success")
        return redirect(url_for(".detail", resident_id=resident.id))
    return _render_form(form, None)


@bp.route("/<int:resident_id>/edit", methods=["GET", "POST"])
@require(Permission.RESIDENTS_WRITE)
def edit(resident_id: int):
    """Changes a resident's data (life status only through events), with history."""
    actor = current_actor()
    resident = _visible(actor, resident_id)
    form = ResidentForm(obj=resident)
    if not form.is_submitted():
        form.nik.data = ""  # only a temporary NIK is replaced, by typing the real one
    if form.validate_on_submit():
        changes = {n: form[n].data for n in registry.EDITABLE}
        if resident.nik_temporary and (form.nik.data or "").strip():
            changes["nik"] = form.nik.data
        on_error(lambda status: _render_form(form, resident, status), form=form)
        changed = registry.update_resident(
            actor,
            resident,
            changes,
            confirm_warnings=_confirmed(form),
            reason=(form.reason.data or "").strip() or None,
        )
        flash(
            _("Perubahan disimpan.") if changed else _("Tidak ada perubahan."),
            "success",
        )
        return redirect(url_for(".detail", resident_id=resident.id))
    return _render_form(form, resident)


# The newborn's fields as the registry names them → the event form's fields.
CHILD_FIELDS = {
    f"child.{name}": f"child_{name}" for name in ("name", "sex", "nik", "birth_place")
}


@bp.route("/<int:resident_id>/events", methods=["GET", "POST"])
@require(Permission.RESIDENTS_EVENTS)
def events(resident_id: int):
    """Records a birth, death, move, marriage or divorce with its date and note."""
    actor = current_actor()
    resident = _visible(actor, resident_id)
    form = EventForm()

    def page(status: int = 200):
        return render_template(
            "residents/events.html", form=form, resident=resident, **_labels()
        ), status

    if form.validate_on_submit():
        on_error(page, form=form, rename=CHILD_FIELDS)
        event = registry.record_event(
            actor,
            resident,
            form.type.data,
            form.date.data,
            form.note.data,
            child=form.child(),
        )
        label = _(registry.EVENT_LABELS[form.type.data])
        flash(_("Peristiwa %(e)s sudah dicatat.", e=label), "success")
        return redirect(url_for(".detail", resident_id=event.resident_id))
    return page(422 if request.method == "POST" else 200)


@bp.route("/<int:resident_id>/family")
@require(Permission.RESIDENTS_READ)
def family(resident_id: int):
    """Everyone on the resident's family card (KK) within scope, head first; audited."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    resident = _visible(actor, resident_id)
    services.record_read(actor, resident, services.FAMILY_READ)
    return render_template(
        "residents/family.html",
        resident=resident,
        family=_family(actor, resident),
        may_draft=actor.can(Permission.LETTERS_DRAFT),
        family_forms=FAMILY_FORM_BUTTONS,
        **_labels(),
    )


# The family page's print buttons: (type code, label).
FAMILY_FORM_BUTTONS = (
    ("F-1.09", _l("Cetak F-1.09 (lembar KK)")),
    ("F-1.01", _l("Cetak biodata F-1.01")),
    ("F-1.02", _l("Cetak formulir F-1.02")),
)


@bp.post("/<int:resident_id>/family/forms/<code>")
@require(Permission.LETTERS_DRAFT)
def family_form(resident_id: int, code: str):
    """Drafts a family form (F-1.09, F-1.01, F-1.02) as a letter for the KK's head
    (or this resident when the head is not in the registry) and opens the letter."""
    from desa.letters import services as letters
    from desa.papers import family as papers

    actor = current_actor()
    resident = _visible(actor, resident_id)
    back = url_for(".family", resident_id=resident_id)
    if code not in papers.FAMILY_FORMS:
        raise NotFound(_("Formulir tidak dikenal."))
    on_error(back=back)
    subject = papers.letter_resident(resident, _family(actor, resident))
    letter = letters.create_draft(actor, code, subject, papers.PURPOSES[code], {})
    flash(
        _(
            "Konsep formulir %(c)s untuk %(n)s disimpan. Periksa pratinjaunya, lalu "
            "terbitkan.",
            c=code,
            n=subject.name,
        ),
        "success",
    )
    return redirect(url_for("letters.detail", public_id=letter.public_id), 303)


@bp.route("/corrections")
@require(Permission.RESIDENTS_WRITE)
def correction_queue():
    """Residents' correction requests, open ones first."""
    actor = current_actor()
    pagination = db.paginate(
        corrections.queue(actor),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "residents/corrections.html",
        pagination=pagination,
        answer_form=_answer_form,
        labels=registry.LABELS,
        open_count=corrections.open_count(actor),
    )


@bp.route("/corrections/<int:request_id>", methods=["POST"])
@require(Permission.RESIDENTS_WRITE)
def answer_correction(request_id: int):
    """Marks a correction request done or rejected, with an answer for the resident."""
    actor = current_actor()
    item = corrections.get_in_queue(actor, request_id)
    if item is None:
        raise NotFound(_("Permintaan tidak ditemukan."))
    form = _answer_form(item)
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for(".correction_queue"))
    on_error(back=url_for(".correction_queue"))
    corrections.handle(actor, item, form.status.data, form.response.data)
    flash(_("Permintaan dari %(n)s sudah dijawab.", n=item.resident.name), "success")
    return redirect(url_for(".correction_queue"))


# --- helpers ----------------------------------------------------------------------------


def _answer_form(item) -> CorrectionAnswerForm:
    """One answer form per request on the queue page (distinct field ids)."""
    return CorrectionAnswerForm(prefix=f"c{item.id}")


def _visible(actor, resident_id: int) -> Resident:
    """The resident with that id if the actor may see them; otherwise 404 alike."""
    resident = scopes.get(actor, Resident, Resident.id == resident_id)
    if resident is None:
        raise NotFound(_("Penduduk tidak ditemukan."))
    return resident


def _family(actor, resident: Resident) -> list[Resident]:
    """Members of the resident's KK the actor may see (just the resident without KK)."""
    if not resident.kk:
        return [resident]
    stmt = services.search(actor, kk=resident.kk).order_by(None)
    stmt = stmt.order_by(_RELATION_ORDER, Resident.birth_date, Resident.id)
    return list(db.session.scalars(stmt))


def _filters(form: ResidentFilterForm) -> dict[str, Any]:
    """services.search's filters from the (validated) filter form."""
    area = {n: form[n].data or None for n in ("dusun", "rw", "rt") if n in form}
    life = form.life_status.data if form.life_status.data in LIFE_LABELS else None
    return {
        "q": form.q.data,
        "life_status": life,
        "ektp_status": form.ektp_status.data or None,
        "pending": {"1": True, "0": False}.get(form.pending.data or ""),
        **area,
    }


def _dusun_names() -> list[str]:
    return list(
        db.session.scalars(
            select(Area.dusun)
            .where(Area.dusun.is_not(None))
            .distinct()
            .order_by(Area.dusun)
        )
    )


def _confirmed(form: ResidentForm) -> bool:
    """A tick confirms only the warnings shown for this very NIK, birth date and sex."""
    ticked = bool(form.confirm_warnings.data)
    return ticked and form.warned_for.data == _warning_key(form)


def _warning_key(form: ResidentForm) -> str:
    nik = services.clean_nik(form.nik.data)
    return f"{nik}|{form.birth_date.data or ''}|{form.sex.data or ''}"


def _render_form(
    form: ResidentForm, resident: Resident | None, status: int | None = None
):
    """The form page: with the NIK warnings to confirm, or the fields to fix.

    422 when a submitted form comes back to be fixed.
    """
    warnings: list[str] = []
    err = current_error()
    if isinstance(err, registry.NeedsConfirmation):
        warnings = list(err.fields.get("nik", []))
        form.warned_for.data = _warning_key(form)
        form.confirm_warnings.data = False
    if status is None:
        status = 422 if form.is_submitted() else 200
    return render_template(
        "residents/form.html",
        form=form,
        resident=resident,
        warnings=warnings,
        relations=FAMILY_RELATIONS,
    ), status


def _labels() -> dict[str, Any]:
    return {
        "life_labels": LIFE_LABELS,
        "sex_labels": SEX_LABELS,
        "ektp_labels": EKTP_LABELS,
        "field_labels": registry.LABELS,
        "event_labels": registry.EVENT_LABELS,
        "shown": _shown,
    }


def _shown(field: str, value: str | None) -> str:
    """A history value as a person reads it (labels for codes)."""
    if value is None or value == "":
        return "—"
    if field == "life_status":
        return str(LIFE_LABELS.get(value, value))
    if field == "ektp_status" and value.isdigit():
        return ektp_shown(int(value)) or value
    if field == "sex":
        return str(SEX_LABELS.get(value, value))
    return value
