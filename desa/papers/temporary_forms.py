"""Forms of the temporary residents' register (format checks only; the rules are
in desa.papers.temporary)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from desa.core.forms import Form, Mandatory
from desa.residents.forms import SEX_LABELS

_TOO_LONG = _l("Terlalu panjang (paling banyak %(max)d karakter).")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _max(n: int) -> Length:
    return Length(max=n, message=_TOO_LONG)


def _date(label, *validators) -> StringField:
    return StringField(
        label, validators=[*validators, _max(20)], render_kw={"type": "date"}
    )


class TemporaryResidentForm(Form):
    """Someone who came to stay: who, from where, why, with whom, since when."""

    name = StringField(_l("Nama"), validators=[Mandatory(), _max(120)])
    sex = SelectField(
        _l("Jenis kelamin"),
        validators=[Mandatory()],
        choices=[("", _l("— pilih —")), *SEX_LABELS.items()],
        validate_choice=False,
    )
    citizenship = SelectField(
        _l("Kewarganegaraan"),
        choices=[("WNI", "WNI"), ("WNA", "WNA")],
        validate_choice=False,
    )
    id_number = StringField(
        _l("NIK / nomor paspor"), validators=[Mandatory(), _max(40)]
    )
    nationality = StringField(_l("Kebangsaan (untuk WNA)"), validators=[_max(60)])
    birth_place = StringField(_l("Tempat lahir"), validators=[_max(80)])
    birth_date = _date(_l("Tanggal lahir"))
    occupation = StringField(_l("Pekerjaan"), validators=[_max(80)])
    came_from = StringField(
        _l("Datang dari (alamat asal)"), validators=[Mandatory(), _max(200)]
    )
    purpose = StringField(
        _l("Maksud dan tujuan kedatangan"), validators=[Mandatory(), _max(200)]
    )
    host_name = StringField(
        _l("Nama yang didatangi"), validators=[Mandatory(), _max(120)]
    )
    host_address = StringField(
        _l("Alamat yang didatangi"), validators=[Mandatory(), _max(200)]
    )
    dusun = StringField(_l("Dusun"), validators=[_max(60)])
    rw = StringField(_l("RW"), validators=[_max(3)], render_kw={"inputmode": "numeric"})
    rt = StringField(_l("RT"), validators=[_max(3)], render_kw={"inputmode": "numeric"})
    arrived_on = _date(_l("Tanggal datang"), Mandatory())
    left_on = _date(_l("Tanggal pergi"))
    note = TextAreaField(
        _l("Keterangan"), validators=[_max(300)], render_kw={"rows": 2}
    )


class LeaveForm(Form):
    """The day someone left the village."""

    left_on = _date(_l("Tanggal pergi"), Mandatory())


class TemporaryFilterForm(Form):
    """The list's filters, read from the query string (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Cari nama"),
        validators=[_max(120)],
        render_kw={"type": "search", "autocomplete": "off"},
    )
    bulan = StringField(
        _l("Bulan"),
        validators=[_max(7)],
        render_kw={"type": "month", "placeholder": "2026-11"},
    )

    def validate_q(self, field: StringField) -> None:
        if field.data and _CONTROL.search(field.data):
            raise ValidationError(_l("Isian berisi karakter yang tidak dapat dicetak."))

    def validate_bulan(self, field: StringField) -> None:
        if field.data and self.month() is None:
            raise ValidationError(_l("Bulan tidak sah; isi seperti 2026-11."))

    def month(self) -> tuple[int, int] | None:
        """The chosen (year, month), None for all months or a bad value."""
        m = _MONTH.fullmatch((self.bulan.data or "").strip())
        if not m:
            return None
        year, month = int(m.group(1)), int(m.group(2))
        return (year, month) if 1900 <= year <= 9999 and 1 <= month <= 12 else None
