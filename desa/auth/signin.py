"""The sign-in flow shared by staff (name + password) and residents (NIK + PIN)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from desa.auth.actor import Actor, current_actor
from desa.core.errors import on_error
from desa.core.security import next_url, start_session


def sign_in_page(
    form: FlaskForm, attempt: Callable[[Actor, FlaskForm], Any], template: str
):
    """Validates the form, tries `attempt`, starts the session.

    A refused attempt keeps its trace: the throttle count and the audit line are
    committed by the unit of work although the sign-in did not happen (the
    refusals are `keeps_changes` errors), and the form is shown again.
    """
    actor = current_actor()
    if actor.is_signed_in:
        return redirect(url_for("home.index"))

    def page(status: int = 200):
        return render_template(template, form=form), status

    if form.validate_on_submit():
        on_error(page)
        principal = attempt(actor, form)
        start_session(principal)
        return redirect(next_url())
    return page(422 if request.method == "POST" else 200)
