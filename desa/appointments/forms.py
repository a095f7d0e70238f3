"""Appointment forms (format checks only; rules stay in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from desa.appointments.sessions import KIND_LABELS
from desa.core.forms import Form

_REQUIRED = DataRequired(message=_l("Wajib diisi."))


class SessionForm(Form):
    """A recording session."""

    date = DateField(_l("Tanggal"), validators=[_REQUIRED])
    start = TimeField(_l("Jam mulai"), validators=[_REQUIRED])
    end = TimeField(_l("Jam selesai"), validators=[_REQUIRED])
    kind = SelectField(
        _l("Jenis sesi"), choices=[(k, _l(v)) for k, v in KIND_LABELS.items()]
    )
    place = StringField(_l("Tempat"), validators=[_REQUIRED, Length(max=150)])
    address = StringField(_l("Alamat kunjungan rumah"), validators=[Length(max=250)])
    capacity = IntegerField(
        _l("Kapasitas (orang)"), validators=[_REQUIRED, NumberRange(1, 1000)]
    )
    minutes_per_person = IntegerField(
        _l("Menit per orang"), default=10, validators=[_REQUIRED, NumberRange(1, 240)]
    )
    rt = StringField(
        _l("Khusus RT (RW/RT)"),
        validators=[Length(max=9)],
        render_kw={"placeholder": "001/002", "inputmode": "numeric"},
    )
    employer = SelectField(
        _l("Khusus pemberi kerja"), choices=[], validate_choice=False
    )
    allow_non_working_day = BooleanField(
        _l("Sesi pada akhir pekan atau hari libur (mis. untuk pekerja)")
    )
    notes = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=1000)])

    def data_for_service(self) -> dict:
        """The fields under the names the service (and the API) use."""
        return {
            "date": self.date.data.isoformat() if self.date.data else None,
            "start": self.start.data.strftime("%H:%M") if self.start.data else None,
            "end": self.end.data.strftime("%H:%M") if self.end.data else None,
            "kind": self.kind.data,
            "place": self.place.data,
            "address": self.address.data,
            "capacity": self.capacity.data,
            "minutes_per_person": self.minutes_per_person.data,
            "rt": self.rt.data,
            "employer": self.employer.data or None,
            "allow_non_working_day": self.allow_non_working_day.data,
            "notes": self.notes.data,
        }


class PastedEmployeesForm(Form):
    """A list pasted from a spreadsheet: one person a line, NIK then name."""

    pasted = TextAreaField(
        _l("Daftar karyawan"), validators=[_REQUIRED, Length(max=60_000)]
    )


class EmployeeForm(Form):
    """One person on an employer's list."""

    nik = StringField(
        _l("NIK"),
        validators=[_REQUIRED, Length(max=32)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    name = StringField(
        _l("Nama lengkap (seperti di KK)"), validators=[_REQUIRED, Length(max=120)]
    )
    email = StringField(_l("E-mail (tidak wajib)"), validators=[Length(max=200)])
