"""The campaign's pages at the hub: teams, blank-card stock and days off; the
campaigns, their plan (made, adjusted, published) and its sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.campaign import cards, forms, services
from desa.campaign.models import PlannedStatus
from desa.core.db import begin_write
from desa.core.errors import NotFound, on_error
from desa.core.security import require
from desa.core.templating import register_nav
from desa.hub.services import require_hub

bp = Blueprint("campaign", __name__, url_prefix="/hub/campaign")
MAX_LISTED = 300


@bp.record_once
def _register(_state: Any) -> None:
    register_nav(
        40, Permission.HUB_CAMPAIGN, "campaign.index", _l("Kampanye rekam"), "hub"
    )
    register_nav(
        50, Permission.HUB_CAMPAIGN, "campaign.cards_index", _l("Kartu"), "hub"
    )


def _kecamatan_choices() -> list[tuple[str, str]]:
    return list(services.kecamatan_names().items())


def _resources_page(**made: Any):
    team_form = made.get("team_form") or forms.TeamForm(prefix="team")
    team_form.base_kecamatan.choices = _kecamatan_choices()
    stock_form = made.get("stock_form") or forms.CardStockForm(prefix="stock")
    stock_form.kecamatan.choices = _kecamatan_choices()
    day_form = made.get("day_form") or forms.DayOffForm(prefix="day")
    return render_template(
        "campaign/resources.html",
        teams=services.teams(),
        names=services.kecamatan_names(),
        stock=services.card_stock(),
        days_off=services.days_off(),
        team_form=team_form,
        stock_form=stock_form,
        day_form=day_form,
    ), made.get("status", 200)


@bp.get("/resources")
@require(Permission.HUB_TEAMS)
def resources():
    """Teams, blank cards per kecamatan, days off."""
    require_hub()
    return _resources_page()


@bp.post("/teams")
@require(Permission.HUB_TEAMS)
def add_team():
    require_hub()
    form = forms.TeamForm(prefix="team")
    form.base_kecamatan.choices = _kecamatan_choices()
    if not form.validate_on_submit():
        return _resources_page(team_form=form, status=422)
    on_error(lambda status: _resources_page(team_form=form, status=status), form=form)
    team = services.save_team(current_actor(), form.data)
    flash(_("Tim %(n)s sudah disimpan.", n=team.name), "success")
    return redirect(url_for(".resources"), 303)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@require(Permission.HUB_TEAMS)
def edit_team(team_id: int):
    require_hub()
    team = services.get_team(team_id)
    form = forms.TeamForm(obj=None if request.method == "POST" else team)
    form.base_kecamatan.choices = _kecamatan_choices()

    def page(status: int = 200):
        return render_template("campaign/team.html", form=form, team=team), status

    if form.validate_on_submit():
        on_error(page, form=form)
        services.save_team(current_actor(), form.data, team)
        flash(_("Tim %(n)s sudah diubah.", n=team.name), "success")
        return redirect(url_for(".resources"), 303)
    return page(422 if form.is_submitted() else 200)


@bp.post("/cards")
@require(Permission.HUB_TEAMS)
def set_cards():
    require_hub()
    form = forms.CardStockForm(prefix="stock")
    form.kecamatan.choices = _kecamatan_choices()
    if not form.validate_on_submit():
        return _resources_page(stock_form=form, status=422)
    on_error(lambda status: _resources_page(stock_form=form, status=status), form=form)
    services.set_card_stock(current_actor(), form.data)
    flash(_("Stok blangko sudah dicatat."), "success")
    return redirect(url_for(".resources"), 303)


@bp.post("/days-off")
@require(Permission.HUB_TEAMS)
def add_day_off():
    require_hub()
    form = forms.DayOffForm(prefix="day")
    if not form.validate_on_submit():
        return _resources_page(day_form=form, status=422)
    on_error(lambda status: _resources_page(day_form=form, status=status), form=form)
    data = {"date": form.date.data.isoformat(), "reason": form.reason.data}
    services.add_day_off(current_actor(), data)
    flash(_("Hari libur sudah dicatat."), "success")
    return redirect(url_for(".resources"), 303)


@bp.post("/days-off/<day>/delete")
@require(Permission.HUB_TEAMS)
def remove_day_off(day: str):
    require_hub()
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        raise NotFound(_("Tanggal tidak ditemukan.")) from None
    services.remove_day_off(current_actor(), when)
    flash(_("Hari libur dihapus."), "success")
    return redirect(url_for(".resources"), 303)


def _campaign_form() -> forms.CampaignForm:
    form = forms.CampaignForm()
    form.area.choices = [("", _("Seluruh kabupaten"))] + _kecamatan_choices()
    return form


def _index_page(form: forms.CampaignForm, status: int = 200):
    actor = current_actor()
    return render_template(
        "campaign/index.html",
        campaigns=services.campaigns_for(actor),
        form=form,
        officer_area=getattr(actor.principal, "area", None),
        names=services.kecamatan_names(),
        teams=services.teams(active_only=True),
    ), status


@bp.get("")
@require(Permission.HUB_CAMPAIGN)
def index():
    """The campaigns, and a form for a new one."""
    require_hub()
    form = _campaign_form()
    if not form.is_submitted():
        today = current_actor().today
        form.starts_on.data = form.starts_on.data or today + dt.timedelta(days=7)
        form.ends_on.data = form.ends_on.data or today + dt.timedelta(days=97)
    return _index_page(form)


@bp.post("")
@require(Permission.HUB_CAMPAIGN)
def create():
    require_hub()
    form = _campaign_form()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    on_error(lambda status: _index_page(form, status), form=form)
    made = services.create_campaign(current_actor(), form.data_for_service())
    flash(_("Kampanye %(n)s dibuat. Susun rencananya.", n=made.name), "success")
    return redirect(url_for(".detail", campaign_id=made.id), 303)


@bp.get("/<int:campaign_id>")
@require(Permission.HUB_CAMPAIGN)
def detail(campaign_id: int):
    """The plan: its figures against the lower bound, its sessions day by day."""
    require_hub()
    actor = current_actor()
    campaign = services.get_campaign(actor, campaign_id)
    kecamatan = request.args.get("kecamatan") or None
    rows = services.sessions_of(actor, campaign, kecamatan)
    # The kabupaten's plan runs to thousands of sessions: per kecamatan first.
    grouped = kecamatan is None and len(rows) > MAX_LISTED
    return render_template(
        "campaign/detail.html",
        campaign=campaign,
        summary=services.summary(campaign),
        sessions=[] if grouped else rows,
        by_kecamatan=services.by_kecamatan(rows) if grouped else None,
        kecamatan=kecamatan,
        names=services.kecamatan_names(),
        totals=services.totals(rows),
        KIND_LABELS=services.KIND_LABELS,
        CANCELLED=PlannedStatus.CANCELLED,
    )


@bp.post("/<int:campaign_id>/plan")
@require(Permission.HUB_CAMPAIGN)
def plan(campaign_id: int):
    require_hub()
    actor = current_actor()
    campaign = services.get_campaign(actor, campaign_id)
    on_error(back=url_for(".detail", campaign_id=campaign_id))
    found = services.plan_campaign(actor, campaign)
    flash(
        _(
            "Rencana disusun: %(s)d jadwal, %(d)s hari-tim.",
            s=sum(len(s.slots) for s in found.shifts),
            d=f"{found.team_days:.1f}".replace(".", ","),
        ),
        "success",
    )
    return redirect(url_for(".detail", campaign_id=campaign_id), 303)


@bp.post("/<int:campaign_id>/publish")
@require(Permission.HUB_CAMPAIGN)
def publish(campaign_id: int):
    require_hub()
    actor = current_actor()
    campaign = services.get_campaign(actor, campaign_id)
    on_error(back=url_for(".detail", campaign_id=campaign_id))
    count = services.publish(actor, campaign)
    flash(
        _(
            "%(n)d jadwal diumumkan. Jadwal sampai di desa bersama berkas balasan "
            "berikutnya (`desa hub return`).",
            n=count,
        ),
        "success",
    )
    return redirect(url_for(".detail", campaign_id=campaign_id), 303)


def _team_choices() -> list[tuple[str, str]]:
    return [("", _("— tanpa tim —"))] + [
        (str(t.id), t.name) for t in services.teams(active_only=True)
    ]


@bp.route("/<int:campaign_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@require(Permission.HUB_CAMPAIGN)
def edit_session(campaign_id: int, session_id: int):
    """The officer moves a session, changes its hours, place, places or team."""
    require_hub()
    actor = current_actor()
    campaign = services.get_campaign(actor, campaign_id)
    found = services.get_session(actor, campaign, session_id)
    form = forms.PlannedSessionForm(obj=None if request.method == "POST" else found)
    form.team_id.choices = _team_choices()
    if request.method == "GET":
        form.team_id.data = str(found.team_id or "")

    def page(status: int = 200):
        return render_template(
            "campaign/session.html",
            form=form,
            campaign=campaign,
            session=found,
            KIND_LABELS=services.KIND_LABELS,
        ), status

    if form.validate_on_submit():
        on_error(page, form=form)
        services.update_session(actor, found, form.data_for_service())
        flash(_("Jadwal sudah diubah."), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id), 303)
    return page(422 if form.is_submitted() else 200)


@bp.post("/<int:campaign_id>/sessions/<int:session_id>/cancel")
@require(Permission.HUB_CAMPAIGN)
def cancel_session(campaign_id: int, session_id: int):
    require_hub()
    actor = current_actor()
    campaign = services.get_campaign(actor, campaign_id)
    found = services.get_session(actor, campaign, session_id)
    services.cancel_session(actor, found)
    flash(_("Jadwal dibatalkan."), "success")
    return redirect(url_for(".detail", campaign_id=campaign_id), 303)


# --- cards ------------------------------------------------------------------------


@bp.get("/cards")
@require(Permission.HUB_CAMPAIGN)
def cards_index():
    """Recorded → printed → collected per kecamatan (or per desa), with the blanks."""
    require_hub()
    kecamatan = request.args.get("kecamatan") or None
    names = services.kecamatan_names()
    if kecamatan is not None:
        _known(kecamatan)
    return render_template(
        "campaign/cards.html",
        data=cards.figures(current_actor(), kecamatan),
        kecamatan=kecamatan,
        names=names,
    )


def _known(kecamatan: str) -> None:
    """404 for a kecamatan none of the hub's villages lies in."""
    if kecamatan not in services.kecamatan_names():
        raise NotFound(_("Kecamatan tidak ditemukan."))


def _queue_page(kecamatan: str, form: forms.PrintForm | None = None, status: int = 200):
    rows, waiting = cards.print_queue(current_actor(), kecamatan)
    stock = services.card_stock().get(kecamatan)
    form = form or forms.PrintForm()
    if form.count.data is None:
        form.count.data = min(waiting, stock.blanks if stock else 0) or None
    return render_template(
        "campaign/print_queue.html",
        kecamatan=kecamatan,
        name=services.kecamatan_names()[kecamatan],
        rows=rows,
        waiting=waiting,
        stock=stock,
        form=form,
    ), status


@bp.get("/cards/<kecamatan>")
@require(Permission.HUB_CARDS)
def print_queue(kecamatan: str):
    """A kecamatan's print queue in recording order against its blank cards."""
    require_hub()
    _known(kecamatan)
    begin_write(only_read_audit=True)
    audit.record(
        current_actor(),
        "campaign.print_queue.read",
        object_type="kecamatan",
        object_id=kecamatan,
    )
    return _queue_page(kecamatan)


@bp.post("/cards/<kecamatan>")
@require(Permission.HUB_CARDS)
def print_cards(kecamatan: str):
    require_hub()
    _known(kecamatan)
    form = forms.PrintForm()
    if not form.validate_on_submit():
        return _queue_page(kecamatan, form, 422)
    on_error(lambda status: _queue_page(kecamatan, form, status), form=form)
    begin_write()
    done = cards.mark_printed(current_actor(), kecamatan, form.count.data)
    flash(
        _(
            "%(n)d kartu dicatat sudah dicetak; statusnya sampai di desa bersama berkas "
            "balasan berikutnya.",
            n=done,
        ),
        "success",
    )
    return redirect(url_for(".print_queue", kecamatan=kecamatan), 303)
