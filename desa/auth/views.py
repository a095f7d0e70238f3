"""Staff sign-in, sign-out, password change, and the admin's users, tokens and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, logout_user
from sqlalchemy import func, select

from desa.auth import activity, audit, services
from desa.auth.actor import current_actor
from desa.auth.forms import (
    AuditFilterForm,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    TokenForm,
    UserForm,
)
from desa.auth.models import ApiToken, AuditEvent, User
from desa.auth.permissions import Permission, Role
from desa.auth.signin import sign_in_page
from desa.core import pages
from desa.core.db import begin_write
from desa.core.errors import on_error
from desa.core.formatting import format_datetime
from desa.core.security import require, start_session
from desa.core.spreadsheet import csv_bytes
from desa.core.templating import register_enums, register_nav
from desa.extensions import db

bp = Blueprint("auth", __name__)

register_nav(80, Permission.USERS_MANAGE, "auth.users", _l("Akun"))
register_nav(85, Permission.TOKENS_MANAGE, "auth.tokens", _l("Token API"))
register_nav(90, Permission.AUDIT_READ, "auth.audit_log", _l("Log audit"))
# The password page is linked beside "Keluar" (templates/base.html), not in the menu.


@bp.record_once
def _register_enums(state: Any) -> None:
    register_enums(state.app, Permission, Role)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Staff sign-in; the same answer for an unknown name and a wrong password."""
    return sign_in_page(
        LoginForm(next=request.args.get("next", "")),
        lambda actor, form: services.authenticate(
            actor, form.username.data, form.password.data
        ),
        "auth/login.html",
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Signs out and ends every session of the account."""
    services.sign_out(current_actor())
    logout_user()
    session.clear()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require(Permission.SELF_PASSWORD)
def password():
    """Changes one's own password; other sessions end."""
    form = PasswordForm()

    def page(status: int = 200):
        return render_template("auth/password.html", form=form), status

    if form.validate_on_submit():
        actor = current_actor()
        # The service names the new password `password`; the form, `new_password`.
        # Refused, the form comes back as it always has: 200 with the fields marked.
        renamed = {"password": "new_password"}  # field names  # nosec B105
        on_error(lambda _status: page(), form=form, rename=renamed)
        services.change_own_password(
            actor, actor.principal, form.current_password.data, form.new_password.data
        )
        start_session(actor.principal)
        flash(
            _("Kata sandi sudah diganti. Sesi di perangkat lain telah diakhiri."),
            "success",
        )
        return redirect(url_for("home.index"))
    return page()


# --- admin: users -------------------------------------------------------------------


@bp.route("/admin/users")
@require(Permission.USERS_MANAGE)
def users():
    """All staff accounts with their role and scope."""
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("auth/users.html", users=rows)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def user_new():
    """Adds a staff account."""
    form = UserForm()

    def page(status: int = 200):
        return render_template("auth/user_form.html", form=form, user=None), status

    if form.validate_on_submit():
        on_error(lambda _status: page(), form=form)
        user = services.create_user(
            current_actor(),
            form.username.data,
            form.password.data or "",
            form.role.data,
            full_name=form.full_name.data,
            rw=form.rw.data,
            rt=form.rt.data,
            employer=form.employer.data,
            phone=form.phone.data,
        )
        flash(_("Akun %(u)s sudah dibuat.", u=user.username), "success")
        return redirect(url_for("auth.users"))
    return page()


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def user_edit(user_id: int):
    """Changes an account's role, scope or active flag, or resets its password."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, employer=user.employer.name if user.employer else "")
    reset = ResetPasswordForm(prefix="reset")

    def page(status: int = 200):
        page = render_template("auth/user_form.html", form=form, user=user, reset=reset)
        return page, status

    if form.validate_on_submit() and "save" in request.form:
        on_error(lambda _status: page(), form=form)
        services.update_user(
            current_actor(),
            user,
            full_name=form.full_name.data,
            role=form.role.data,
            rw=form.rw.data,
            rt=form.rt.data,
            employer=form.employer.data,
            phone=form.phone.data,
            # an admin cannot lock themselves out
            active=True if user.id == current_actor().id else form.active.data,
        )
        flash(_("Akun %(u)s sudah diperbarui.", u=user.username), "success")
        return redirect(url_for("auth.users"))
    if "do_reset" in request.form and reset.validate_on_submit():
        on_error(lambda _status: page(), form=reset)
        services.set_password(current_actor(), user, reset.password.data, by_admin=True)
        flash(_("Kata sandi %(u)s sudah diatur ulang.", u=user.username), "success")
        return redirect(url_for("auth.users"))
    return page()


# --- admin: API tokens --------------------------------------------------------------


@bp.route("/admin/tokens", methods=["GET", "POST"])
@require(Permission.TOKENS_MANAGE)
def tokens():
    """API tokens: list, make one (shown once), revoke."""
    form = TokenForm()

    def page(status: int = 200, secret: str | None = None):
        rows = db.session.scalars(
            select(ApiToken).order_by(ApiToken.created_at.desc())
        ).all()
        body = render_template(
            "auth/tokens.html", form=form, tokens=rows, secret=secret
        )
        return body, status

    if form.validate_on_submit():
        on_error(lambda _status: page(), form=form)
        _token, secret = services.create_token(
            current_actor(), form.name.data, form.role.data
        )
        flash(
            _("Token dibuat. Salin sekarang: token ini tidak akan ditampilkan lagi."),
            "success",
        )
        return page(secret=secret)
    return page()


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@require(Permission.TOKENS_MANAGE)
def token_revoke(token_id: int):
    """Revokes a token."""
    token = services.revoke_token(current_actor(), token_id)
    flash(_("Token %(n)s dicabut.", n=token.name), "success")
    return redirect(url_for("auth.tokens"))


# --- audit log ----------------------------------------------------------------------


@bp.app_template_filter("audit_sentence")
def _audit_sentence(event: AuditEvent) -> str:
    return activity.sentence(event)


def _audit_query(form: AuditFilterForm):
    stmt = select(AuditEvent).order_by(*audit.LOG_KEY.order_by())
    if form.actor.data:
        stmt = stmt.where(
            func.lower(AuditEvent.actor_name).contains(form.actor.data.lower())
        )
    if form.kind.data:
        stmt = stmt.where(activity.in_groups(form.kind.data))
    if form.action.data:
        stmt = stmt.where(
            AuditEvent.action.startswith(form.action.data.strip(), autoescape=True)
        )
    if form.object_type.data:
        stmt = stmt.where(AuditEvent.object_type == form.object_type.data.strip())
    if form.date_from.data:
        stmt = stmt.where(AuditEvent.created_at >= _utc_day_start(form.date_from.data))
    if form.date_to.data:
        end = form.date_to.data + dt.timedelta(days=1)
        stmt = stmt.where(AuditEvent.created_at < _utc_day_start(end))
    return stmt


def _utc_day_start(day: dt.date) -> dt.datetime:
    from desa.core.village import get_village, village_zone

    local = dt.datetime.combine(day, dt.time(), tzinfo=village_zone(get_village()))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@bp.route("/admin/audit")
@require(Permission.AUDIT_READ)
def audit_log():
    """The audit log with filters, fifty lines a page."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(422)
    pagination = pages.html_page(_audit_query(form), audit.LOG_KEY, per_page=50)
    return render_template("auth/audit.html", form=form, pagination=pagination)


@bp.route("/admin/audit.csv")
@require(Permission.AUDIT_READ)
def audit_csv():
    """The filtered audit log as CSV (formula-safe)."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(422)
    begin_write()
    audit.record(
        current_actor(), "audit.export", detail=request.query_string.decode()[:200]
    )
    rows = (
        (
            e.id,
            format_datetime(e.created_at),
            e.actor_kind,
            e.actor_name,
            e.role or "",
            e.action,
            e.object_type or "",
            e.object_id or "",
            e.detail,
            e.ip or "",
        )
        for e in db.session.scalars(_audit_query(form).limit(100_000))
    )
    body = csv_bytes(
        [
            "id",
            "waktu_utc",
            "jenis_pelaku",
            "pelaku",
            "peran",
            "tindakan",
            "jenis_objek",
            "id_objek",
            "rincian",
            "alamat_ip",
        ],
        rows,
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-desa.csv"},
    )
