"""A home page per role, showing that role's real scope and figures."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select, text

from desa.auth.actor import Actor, current_actor
from desa.auth.models import ApiToken, AuditEvent, User
from desa.auth.permissions import Permission, Role
from desa.core import addresses
from desa.core.openapi import spec
from desa.core.security import is_safe_next
from desa.core.village import get_village
from desa.extensions import db
from desa.home.queues import work_queues
from desa.maintenance.backup import backup_status
from desa.maintenance.doctor import BACKUP_MAX_AGE
from desa.residents import corrections
from desa.residents import services as residents
from desa.residents.models import LifeStatus, Resident
from desa.residents.rules import is_pending_recording, is_wajib_ktp, pending_clause

bp = Blueprint("home", __name__)


def resident_counts(actor: Actor) -> dict[str, int]:
    """Active residents and pending recordings within the actor's scope."""
    base = residents.scope(select(func.count(Resident.id)), actor)
    return {
        "active": db.session.scalar(
            base.where(Resident.life_status == LifeStatus.ACTIVE)
        )
        or 0,
        "pending": db.session.scalar(base.where(pending_clause(actor.today))) or 0,
        "all": db.session.scalar(base) or 0,
    }


@bp.route("/")
def index():
    """The signed-in role's home, or the choice of sign-in for a visitor."""
    village = get_village()
    actor = current_actor()
    if not actor.is_signed_in:
        return render_template("home/public.html", village=village)
    if actor.kind == "token":  # scripts read the API, not pages
        return redirect(url_for("home.openapi"))
    from desa.core.templating import current_place

    if current_place() == "hub":  # Disdukcapil's staff start at Table 1
        return redirect(url_for("hub.index"))
    role = actor.role
    ctx: dict = {"village": village, "today": actor.today}
    if role == Role.RESIDENT:
        me = actor.principal
        ctx.update(
            me=me,
            wajib=is_wajib_ktp(me, ctx["today"]),
            pending=is_pending_recording(me, ctx["today"]),
        )
    elif role in (Role.ADMIN, Role.CLERK, Role.HEAD, Role.RT):
        ctx["counts"] = resident_counts(actor)
    if actor.can(Permission.RESIDENTS_WRITE):
        ctx["open_corrections"] = corrections.open_count(actor)
    ctx["queues"] = work_queues(actor)
    if role in (Role.RT, Role.EMPLOYER):
        from desa.appointments.summary import home_context

        ctx.update(home_context(actor))
    if role == Role.ADMIN:
        ctx["users_by_role"] = dict(
            db.session.execute(
                select(User.role, func.count()).where(User.active).group_by(User.role)
            ).all()
        )
        ctx["tokens"] = db.session.scalar(
            select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None))
        )
        ctx["recent"] = db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10)
        ).all()
        ctx["backup"], ctx["backup_failure"] = backup_status(current_app.instance_path)
        ctx["backup_stale"] = (
            ctx["backup"] is None or actor.utcnow - ctx["backup"]["at"] > BACKUP_MAX_AGE
        )
        ctx["address"] = addresses.resolve()
        if ctx["address"].is_loopback:
            ctx["suggested_url"] = addresses.suggested_url()
    return render_template(f"home/{role}.html", **ctx)


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switches the interface language (Indonesian by default) for this browser."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = _path_of(request.referrer)
    return redirect(target if is_safe_next(target) else url_for("home.index"))


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path or "/"


@bp.route("/healthz")
def healthz():
    """Liveness and database reachability, for a monitor or the installer."""
    try:
        db.session.execute(text("SELECT 1"))
        ok = True
    except Exception:  # noqa: BLE001 - a health check reports, it does not raise
        db.session.rollback()
        ok = False
    body = {
        "status": "ok" if ok else "error",
        "database": "ok" if ok else "unreachable",
    }
    return jsonify(body), 200 if ok else 503


@bp.route("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of /api/v1."""
    return jsonify(spec.document(addresses.base_url()))


@bp.route("/api")
@bp.route("/api/v1")
def api_root():
    return redirect(url_for("home.openapi"))
