"""Campaign forms at the hub (format checks only; rules stay in the services)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from desa.core.forms import Form

_REQUIRED = DataRequired(message=_l("Wajib diisi."))


class TeamForm(Form):
    name = StringField(_l("Nama tim"), validators=[_REQUIRED, Length(max=80)])
    operators = IntegerField(
        _l("Operator"), default=2, validators=[_REQUIRED, NumberRange(1, 50)]
    )
    kits = IntegerField(
        _l("Alat rekam (kit)"), default=2, validators=[_REQUIRED, NumberRange(1, 50)]
    )
    base_kecamatan = SelectField(_l("Berangkat dari kecamatan"), choices=[])
    active = BooleanField(_l("Aktif (ikut direncanakan)"), default=True)


class CardStockForm(Form):
    kecamatan = SelectField(_l("Kecamatan"), choices=[])
    blanks = IntegerField(
        _l("Blangko KTP-el tersedia"),
        validators=[_REQUIRED, NumberRange(0, 10_000_000)],
    )


class DayOffForm(Form):
    date = DateField(_l("Tanggal"), validators=[_REQUIRED])
    reason = StringField(_l("Alasan"), validators=[_REQUIRED, Length(max=120)])


class CampaignForm(Form):
    name = StringField(_l("Nama kampanye"), validators=[_REQUIRED, Length(max=120)])
    area = SelectField(_l("Wilayah"), choices=[], validate_choice=False)
    starts_on = DateField(_l("Mulai"), validators=[_REQUIRED])
    ends_on = DateField(_l("Selesai"), validators=[_REQUIRED])
    minutes_per_person = IntegerField(
        _l("Menit per orang"), default=7, validators=[_REQUIRED, NumberRange(3, 30)]
    )
    minutes_frail = IntegerField(
        _l("Menit per orang sakit/lansia (kunjungan rumah)"),
        default=45,
        validators=[_REQUIRED, NumberRange(5, 120)],
    )
    day_start = TimeField(_l("Jam kerja mulai"), default=dt.time(8, 0))
    day_end = TimeField(_l("Jam kerja selesai"), default=dt.time(15, 0))
    evening_start = TimeField(_l("Sesi malam mulai (pekerja)"), default=dt.time(18, 30))
    evening_end = TimeField(_l("Sesi malam selesai"), default=dt.time(21, 30))

    def data_for_service(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, f in self._fields.items():
            value = f.data
            if isinstance(value, dt.time):
                out[name] = value.strftime("%H:%M")
            elif isinstance(value, dt.date):
                out[name] = value.isoformat()
            elif value is not None:
                out[name] = str(value)
        return out


class PlannedSessionForm(Form):
    date = DateField(_l("Tanggal"), validators=[_REQUIRED])
    start_time = TimeField(_l("Jam mulai"), validators=[_REQUIRED])
    end_time = TimeField(_l("Jam selesai"), validators=[_REQUIRED])
    place = StringField(_l("Tempat"), validators=[_REQUIRED, Length(max=150)])
    capacity = IntegerField(
        _l("Kapasitas (orang)"), validators=[_REQUIRED, NumberRange(1, 2000)]
    )
    team_id = SelectField(
        _l("Tim"), choices=[], validate_choice=False, validators=[Optional()]
    )

    data_for_service = CampaignForm.data_for_service


class PrintForm(Form):
    count = IntegerField(
        _l("Jumlah kartu yang dicetak"),
        validators=[_REQUIRED, NumberRange(1, 5000)],
    )
