"""Resident forms (format checks only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from desa.core.forms import Form, Mandatory
from desa.residents import fields
from desa.residents.models import (
    BLOOD_TYPES,
    EKTP_LABELS,
    MARITAL_STATUSES,
    RELIGIONS,
    CorrectionStatus,
    LifeStatus,
    ektp_shown,
)
from desa.residents.registry import EVENT_LABELS, LABELS


def _ektp_choices() -> list[tuple[str, LazyString]]:
    """`4 CARD PRINTED (KTP-el sudah dicetak)`, read in the page's language."""
    return [(str(c), LazyString(ektp_shown, c)) for c in EKTP_LABELS]


class ResidentLoginForm(Form):
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


# --- clerk screens ----------------------------------------------------------------------

LIFE_LABELS = {
    LifeStatus.ACTIVE: _l("Aktif"),
    LifeStatus.DECEASED: _l("Meninggal"),
    LifeStatus.MOVED: _l("Pindah"),
    LifeStatus.MISSING: _l("Hilang"),
}
SEX_LABELS = {"L": _l("Laki-laki"), "P": _l("Perempuan")}
# Family relations (SHDK) as Disdukcapil writes them; offered, not enforced.
FAMILY_RELATIONS = (
    "KEPALA KELUARGA",
    "SUAMI",
    "ISTRI",
    "ANAK",
    "MENANTU",
    "CUCU",
    "ORANG TUA",
    "MERTUA",
    "FAMILI LAIN",
    "PEMBANTU",
    "LAINNYA",
)
CORRECTION_FIELDS = (
    "name",
    "nik",
    "kk",
    "family_relation",
    "sex",
    "birth_place",
    "birth_date",
    "religion",
    "marital_status",
    "occupation",
    "education",
    "address",
    "dusun",
    "rw",
    "rt",
    "phone",
)
_TOO_LONG = _l("Terlalu panjang (paling banyak %(max)d karakter).")


def _max(n: int) -> Length:
    return Length(max=n, message=_TOO_LONG)


def _blank(label) -> list[tuple[str, object]]:
    return [("", label)]


class ResidentForm(Form):
    """A resident's data; parsing and rules stay in registry.create/update_resident."""

    nik = StringField(
        _l("NIK"),
        validators=[Mandatory(), _max(64)],
        render_kw={"inputmode": "numeric"},
    )
    nik_temporary = BooleanField(_l("Belum punya NIK (penduduk perbatasan)"))
    kk = StringField(
        _l("Nomor KK"), validators=[_max(64)], render_kw={"inputmode": "numeric"}
    )
    family_relation = StringField(
        _l("Hubungan keluarga"),
        validators=[_max(40)],
        render_kw={"list": "shdk", "autocomplete": "off"},
    )
    name = StringField(_l("Nama"), validators=[Mandatory(), _max(120)])
    sex = SelectField(
        _l("Jenis kelamin"),
        validators=[Mandatory()],
        choices=_blank(_l("— pilih —")) + list(SEX_LABELS.items()),
        validate_choice=False,
    )
    birth_place = StringField(_l("Tempat lahir"), validators=[_max(80)])
    birth_date = StringField(
        _l("Tanggal lahir"),
        validators=[Mandatory(), _max(20)],
        render_kw={"type": "date"},
    )
    religion = SelectField(
        _l("Agama"),
        choices=_blank(_l("— belum diisi —")) + [(r, r) for r in RELIGIONS],
        validate_choice=False,
    )
    marital_status = SelectField(
        _l("Status kawin"),
        choices=_blank(_l("— belum diisi —")) + [(m, m) for m in MARITAL_STATUSES],
        validate_choice=False,
    )
    occupation = StringField(_l("Pekerjaan"), validators=[_max(80)])
    marriage_date = StringField(
        _l("Tanggal perkawinan"),
        validators=[_max(20)],
        render_kw={"type": "date"},
    )
    father_name = StringField(_l("Nama ayah"), validators=[_max(120)])
    mother_name = StringField(_l("Nama ibu"), validators=[_max(120)])
    blood_type = SelectField(
        _l("Golongan darah"),
        choices=_blank(_l("— belum diisi —")) + [(b, b) for b in BLOOD_TYPES],
        validate_choice=False,
    )
    disabled = BooleanField(
        _l("Penyandang disabilitas (boleh dipesankan kunjungan rumah)"),
        description=_l(
            "Warga lanjut usia (60 tahun ke atas) boleh kunjungan rumah tanpa tanda ini."
        ),
    )
    education = StringField(_l("Pendidikan"), validators=[_max(80)])
    works_away = BooleanField(
        _l("Bekerja di luar daerah (mis. Malaysia)"),
        description=_l("Tidak dijadwalkan rekam sebelum perkiraan pulang."),
    )
    away_place = StringField(_l("Tempat bekerja"), validators=[_max(80)])
    away_until = StringField(
        _l("Perkiraan pulang (mis. Lebaran)"),
        validators=[_max(10)],
        render_kw={"placeholder": "DD-MM-YYYY"},
    )
    citizenship = SelectField(
        _l("Kewarganegaraan"),
        choices=[("WNI", "WNI"), ("WNA", "WNA")],
        validate_choice=False,
    )
    address = StringField(_l("Alamat"), validators=[_max(200)])
    dusun = StringField(_l("Dusun"), validators=[_max(60)])
    rw = StringField(_l("RW"), validators=[_max(3)], render_kw={"inputmode": "numeric"})
    rt = StringField(_l("RT"), validators=[_max(3)], render_kw={"inputmode": "numeric"})
    phone = StringField(
        _l("Telepon"), validators=[_max(30)], render_kw={"inputmode": "tel"}
    )
    ektp_status = SelectField(
        _l("Status e-KTP"),
        choices=_blank(_l("— belum tercatat —")) + _ektp_choices(),
        validate_choice=False,
    )
    reason = StringField(_l("Alasan perubahan"), validators=[_max(200)])
    confirm_warnings = BooleanField(_l("Saya sudah memeriksa dan data ini benar"))
    # What the warnings were shown for; a tick confirms only those warnings.
    warned_for = HiddenField()


class EventForm(Form):
    """A population event: its type, date and note (rules in registry.record_event)."""

    type = SelectField(
        _l("Jenis peristiwa"),
        choices=_blank(_l("— pilih —"))
        + [(code, _l(label)) for code, label in EVENT_LABELS.items()],
        validate_choice=False,
    )
    date = StringField(
        _l("Tanggal peristiwa"), validators=[_max(20)], render_kw={"type": "date"}
    )
    note = TextAreaField(_l("Catatan"), validators=[_max(1000)], render_kw={"rows": 3})
    # A birth: the newborn, who joins this resident's family card.
    child_name = StringField(_l("Nama anak"), validators=[_max(120)])
    child_sex = SelectField(
        _l("Jenis kelamin anak"),
        choices=_blank(_l("— pilih —")) + list(SEX_LABELS.items()),
        validate_choice=False,
    )
    child_nik = StringField(
        _l("NIK anak"), validators=[_max(64)], render_kw={"inputmode": "numeric"}
    )
    child_birth_place = StringField(_l("Tempat lahir anak"), validators=[_max(80)])

    def child(self) -> dict[str, str] | None:
        """The newborn's data for a birth, None for any other event."""
        if self.type.data != "birth":
            return None
        return {
            "name": self.child_name.data or "",
            "sex": self.child_sex.data or "",
            "nik": self.child_nik.data or "",
            "birth_place": self.child_birth_place.data or "",
        }


class CorrectionForm(Form):
    """A resident asks for a correction of one field (or of their data in general)."""

    field = SelectField(
        _l("Data yang salah"),
        choices=_blank(_l("Lainnya / beberapa data"))
        + [(name, LABELS[name]) for name in CORRECTION_FIELDS],
        validate_choice=False,
    )
    message = TextAreaField(
        _l("Jelaskan perbaikannya"),
        validators=[DataRequired(message=_l("Wajib diisi.")), _max(1000)],
        render_kw={"rows": 4},
    )


class CorrectionAnswerForm(Form):
    """The clerk's answer to a correction request."""

    status = SelectField(
        _l("Keputusan"),
        choices=[
            (CorrectionStatus.DONE, _l("Selesai diperbaiki")),
            (CorrectionStatus.REJECTED, _l("Ditolak")),
        ],
        validate_choice=False,
    )
    response = TextAreaField(
        _l("Jawaban untuk warga"), validators=[_max(1000)], render_kw={"rows": 2}
    )


class ResidentFilterForm(Form):
    """The list's filters, read from the query string (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Cari nama atau NIK"),
        validators=[_max(64)],
        render_kw={"type": "search", "autocomplete": "off"},
    )
    dusun = SelectField(_l("Dusun"), choices=_blank(_l("Semua")), validate_choice=False)
    rw = StringField(_l("RW"), validators=[_max(3)], render_kw={"inputmode": "numeric"})
    rt = StringField(_l("RT"), validators=[_max(3)], render_kw={"inputmode": "numeric"})
    life_status = SelectField(
        _l("Status hidup"),
        choices=_blank(_l("Semua")) + list(LIFE_LABELS.items()),
        validate_choice=False,
    )
    ektp_status = SelectField(
        _l("Status e-KTP"),
        choices=_blank(_l("Semua")) + _ektp_choices(),
        validate_choice=False,
    )
    pending = SelectField(
        _l("Perekaman"),
        choices=[
            ("", _l("Semua")),
            ("1", _l("Wajib KTP, belum rekam")),
            ("0", _l("Tidak menunggu rekam")),
        ],
        validate_choice=False,
    )

    def validate_rw(self, field: StringField) -> None:
        _parses(field, lambda v: fields.rt_rw(v, "RW"))

    def validate_rt(self, field: StringField) -> None:
        _parses(field, lambda v: fields.rt_rw(v, "RT"))

    def validate_ektp_status(self, field: SelectField) -> None:
        _parses(field, fields.ektp_status)


def _parses(field, parse) -> None:
    """Format check with the shared field parser, so list and API agree."""
    try:
        parse(field.data or None)
    except fields.FieldError as err:
        raise ValidationError(str(err)) from None
