"""The backup settings form (format checks only; the folder is checked by the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from desa.core.forms import Form


class BackupSettingsForm(Form):
    backup_auto = BooleanField(_l("Buat cadangan otomatis setiap hari"))
    backup_dir = StringField(
        _l("Folder cadangan"),
        validators=[
            Optional(),
            Length(
                max=500, message=_l("Terlalu panjang (paling banyak %(max)d karakter).")
            ),
        ],
    )
    backup_time = TimeField(
        _l("Mulai pukul"),
        validators=[DataRequired(message=_l("Isi jam, misalnya 12:00."))],
    )
    backup_keep = IntegerField(
        _l("Jumlah cadangan yang disimpan"),
        validators=[
            Optional(),
            NumberRange(min=1, max=365, message=_l("Isi angka 1 sampai 365.")),
        ],
    )


class BackupRunForm(Form):
    """ "Back up now": only the CSRF token."""
