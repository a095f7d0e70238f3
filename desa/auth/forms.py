"""Sign-in and account forms (format checks only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from desa.auth.activity import group_choices
from desa.auth.permissions import ROLE_LABELS, STAFF_ROLES, TOKEN_ROLES
from desa.core.forms import Form


class LoginForm(Form):
    username = StringField(
        _l("Nama pengguna"), validators=[DataRequired(), Length(max=60)]
    )
    password = PasswordField(
        _l("Kata sandi"), validators=[DataRequired(), Length(max=200)]
    )
    next = HiddenField()


class PasswordForm(Form):
    current_password = PasswordField(
        _l("Kata sandi sekarang"), validators=[DataRequired()]
    )
    new_password = PasswordField(
        _l("Kata sandi baru"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(),
            EqualTo("new_password", _l("Kedua isian tidak sama.")),
        ],
    )


def _role_choices(roles: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(r, ROLE_LABELS[r]) for r in roles]


class UserForm(Form):
    username = StringField(
        _l("Nama pengguna"), validators=[DataRequired(), Length(max=60)]
    )
    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(), Length(max=120)]
    )
    role = SelectField(_l("Peran"), choices=_role_choices(STAFF_ROLES))
    rw = StringField(_l("RW (untuk ketua RT)"), validators=[Optional(), Length(max=3)])
    rt = StringField(_l("RT (untuk ketua RT)"), validators=[Optional(), Length(max=3)])
    employer = StringField(
        _l("Pemberi kerja (untuk akun pemberi kerja)"),
        validators=[Optional(), Length(max=150)],
    )
    phone = StringField(_l("Nomor HP"), validators=[Optional(), Length(max=30)])
    password = PasswordField(
        _l("Kata sandi awal"), validators=[Optional(), Length(max=200)]
    )
    active = BooleanField(_l("Aktif"), default=True)


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("Kata sandi baru"), validators=[DataRequired(), Length(min=10, max=200)]
    )


class TokenForm(Form):
    name = StringField(_l("Nama token"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Peran"), choices=_role_choices(TOKEN_ROLES))


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = StringField(_l("Pelaku"), validators=[Optional(), Length(max=120)])
    kind = SelectMultipleField(
        _l("Jenis tindakan"),
        choices=group_choices(),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    # A code prefix (`?action=auth.`), still understood in links; the page offers
    # the groups above instead.
    action = StringField(_l("Tindakan"), validators=[Optional(), Length(max=60)])
    object_type = StringField(
        _l("Jenis objek"), validators=[Optional(), Length(max=40)]
    )
    date_from = DateField(_l("Dari tanggal"), validators=[Optional()])
    date_to = DateField(_l("Sampai tanggal"), validators=[Optional()])
