"""The sign-in flow shared by staff (name + password) and residents (NIK + PIN)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from desa.auth.services import SignInError, ThrottledError
from desa.core.security import next_url, start_session
from desa.extensions import db


def sign_in_page(
    form: FlaskForm, attempt: Callable[[FlaskForm, str | None], Any], template: str
):
    """Validates the form, tries `attempt`, keeps failure counts, starts the session.

    A failed attempt is committed too: the throttle count and the audit line must
    survive even though the sign-in did not happen.
    """
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    status = 200
    if form.validate_on_submit():
        try:
            principal = attempt(form, request.remote_addr)
        except (SignInError, ThrottledError) as err:
            db.session.commit()
            flash(err.message, "error")
            status = err.status
        else:
            db.session.commit()
            start_session(principal)
            return redirect(next_url())
    elif request.method == "POST":
        status = 422
    return render_template(template, form=form), status
