"""The village's campaign lists page (see `lists`): for the desk and RT heads."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from desa.appointments import lists
from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.errors import ValidationError
from desa.core.numbers import whole_number
from desa.core.security import require
from desa.core.templating import register_nav

bp = Blueprint("recording_lists", __name__, url_prefix="/appointments/lists")
register_nav(
    34, Permission.RESIDENTS_READ, "recording_lists.index", _l("Daftar kampanye")
)


@bp.get("")
@require(Permission.RESIDENTS_READ)
def index():
    """Who turns 16/17 soon, who works away, who is recorded elsewhere, who missed
    their session: the actor's people only; reading it is audited."""
    actor = current_actor()
    months = whole_number(request.args.get("bulan") or "6", 1, lists.MAX_MONTHS)
    if months is None:
        raise ValidationError(
            _("Jangka bulan harus 1 sampai %(n)d.", n=lists.MAX_MONTHS), field="bulan"
        )
    found = {
        "coming": lists.coming_of_age(actor, months),
        "away": lists.working_away(actor),
        "elsewhere": lists.recorded_elsewhere(actor),
        "missed": lists.missed_last_round(actor),
        "waiting": lists.waiting_for_card(actor),
    }
    begin_write(only_read_audit=True)
    audit.record(
        actor,
        "appointments.lists.read",
        detail=", ".join(f"{k} {len(v)}" for k, v in found.items()),
    )
    return render_template(
        "appointments/lists.html",
        months=months,
        until=lists.add_months(actor.today, months),
        lebaran=lists.next_lebaran(actor.today),
        today=actor.today,
        **found,
    )
