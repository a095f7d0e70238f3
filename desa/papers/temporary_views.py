"""The clerk's register of temporary residents: the list, add, edit, and the day
someone left.

Reading needs `residents:read`, writing `residents:write`. Every row goes through
the scope registry (`desa/scopes.py`): the village's staff and its head see all of
them, an RT head only those staying in their own RT (by the RT recorded with the
row, the host's), and an id outside it is a 404 like an unknown one.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission, Role
from desa.core.db import begin_write
from desa.core.errors import on_error
from desa.core.security import require
from desa.extensions import db
from desa.papers import temporary
from desa.papers.models import TemporaryResident
from desa.papers.temporary_forms import (
    LeaveForm,
    TemporaryFilterForm,
    TemporaryResidentForm,
)
from desa.residents.forms import SEX_LABELS

bp = Blueprint("temporary", __name__, url_prefix="/residents/temporary")

PER_PAGE = 50


@bp.route("")
@require(Permission.RESIDENTS_READ)
def index():
    """Those staying now, then those who left; by month and name; audited."""
    begin_write(only_read_audit=True)
    actor = current_actor()
    form = TemporaryFilterForm(request.args)
    if form.validate():
        month, q = form.month(), (form.q.data or "").strip() or None
        stmt = temporary.search(actor, month=month, q=q)
    else:
        month, q = None, None
        stmt = select(TemporaryResident).where(False)
    pagination = db.paginate(
        stmt, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False
    )
    temporary.record_list_read(actor, month=month, q=q, shown=len(pagination.items))
    return render_template(
        "papers/temporary_list.html",
        form=form,
        pagination=pagination,
        month=month,
        sex_labels=SEX_LABELS,
        whole_village=actor.role != Role.RT,
        today=actor.today,
    ), (200 if not form.errors else 422)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.RESIDENTS_WRITE)
def new():
    """Records someone who came to stay."""
    form = TemporaryResidentForm()
    if not form.is_submitted():
        form.arrived_on.data = current_actor().today.isoformat()
    if form.validate_on_submit():
        on_error(lambda status: _form_page(form, None, status), form=form)
        row = temporary.create(current_actor(), _data(form))
        flash(_("%(n)s dicatat sebagai penduduk sementara.", n=row.name), "success")
        return redirect(url_for(".index"), 303)
    return _form_page(form, None)


@bp.route("/<int:row_id>/edit", methods=["GET", "POST"])
@require(Permission.RESIDENTS_WRITE)
def edit(row_id: int):
    """Corrects a row, its leaving date included."""
    actor = current_actor()
    row = temporary.get(actor, row_id)
    form = TemporaryResidentForm(obj=row)
    if not form.is_submitted():
        for name in ("birth_date", "arrived_on", "left_on"):
            day = getattr(row, name)
            form[name].data = day.isoformat() if day else ""
    if form.validate_on_submit():
        on_error(lambda status: _form_page(form, row, status), form=form)
        changed = temporary.update(
            actor, row, {**_data(form), "left_on": form.left_on.data}
        )
        flash(
            _("Perubahan disimpan.") if changed else _("Tidak ada perubahan."),
            "success",
        )
        return redirect(url_for(".index"), 303)
    return _form_page(form, row)


@bp.post("/<int:row_id>/left")
@require(Permission.RESIDENTS_WRITE)
def left(row_id: int):
    """Catat sudah pergi: the day someone left the village."""
    actor = current_actor()
    row = temporary.get(actor, row_id)
    form = LeaveForm()
    on_error(lambda status: _leave_page(form, row, status), form=form)
    if not form.validate_on_submit():
        return _leave_page(form, row, 422)
    temporary.mark_left(actor, row, form.left_on.data)
    flash(_("%(n)s dicatat sudah pergi.", n=row.name), "success")
    return redirect(url_for(".index"), 303)


@bp.get("/<int:row_id>/left")
@require(Permission.RESIDENTS_WRITE)
def leave_form(row_id: int):
    """The page asking for the day someone left (the list has it inline too)."""
    actor = current_actor()
    row = temporary.get(actor, row_id)
    form = LeaveForm(formdata=None)
    form.left_on.data = (row.left_on or actor.today).isoformat()
    return _leave_page(form, row, 200)


def _data(form: TemporaryResidentForm) -> dict[str, object]:
    return {name: form[name].data for name in temporary.EDITABLE}


def _form_page(
    form: TemporaryResidentForm,
    row: TemporaryResident | None,
    status: int | None = None,
):
    if status is None:
        status = 422 if form.is_submitted() else 200
    return render_template("papers/temporary_form.html", form=form, row=row), status


def _leave_page(form: LeaveForm, row: TemporaryResident, status: int):
    return render_template("papers/temporary_leave.html", form=form, row=row), status
