"""Resident forms (format checks only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class ResidentLoginForm(FlaskForm):
    nik = StringField(
        _l("NIK"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"inputmode": "numeric", "autocomplete": "username"},
    )
    pin = PasswordField(
        _l("PIN"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"inputmode": "numeric", "autocomplete": "current-password"},
    )
    next = HiddenField()
