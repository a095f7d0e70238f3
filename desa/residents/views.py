"""Resident self-service sign-in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from desa.auth import services as auth_services
from desa.core.security import next_url, start_session
from desa.extensions import db
from desa.residents import services
from desa.residents.forms import ResidentLoginForm

resident_bp = Blueprint("resident", __name__, url_prefix="/resident")


@resident_bp.route("/login", methods=["GET", "POST"])
def login():
    """A resident signs in with NIK and the PIN given at the village office."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = ResidentLoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            resident = services.authenticate_resident(
                form.nik.data, form.pin.data, request.remote_addr
            )
        except (auth_services.SignInError, auth_services.ThrottledError) as err:
            db.session.commit()
            flash(err.message, "error")
            status = err.status
        else:
            db.session.commit()
            start_session(resident)
            return redirect(next_url())
    elif request.method == "POST":
        status = 422
    return render_template("residents/login.html", form=form), status
