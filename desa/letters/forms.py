"""Letter forms (format checks only; rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from desa.core.errors import current_error
from desa.core.forms import Form, Mandatory
from desa.letters.services import STATUS_LABELS
from desa.residents.forms import LIFE_LABELS

_TOO_LONG = _l("Terlalu panjang (paling banyak %(max)d karakter).")


def _max(n: int) -> Length:
    return Length(max=n, message=_TOO_LONG)


class LetterFilterForm(Form):
    """The archive's search (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari"), validators=[Optional(), _max(100)])
    type = SelectField(_l("Jenis surat"), choices=[], validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Semua status"))] + list(STATUS_LABELS.items()),
        validate_choice=False,
    )
    date_from = DateField(_l("Dari tanggal"), validators=[Optional()])
    date_to = DateField(_l("Sampai tanggal"), validators=[Optional()])


class DraftForm(Form):
    """Purpose; the type's extra fields are posted as `f_<name>` beside it."""

    purpose = TextAreaField(
        _l("Keperluan"), validators=[DataRequired(_l("Wajib diisi.")), _max(300)]
    )

    def show_refusal(self) -> None:
        """The messages of the refusal being shown, beside the type's own fields
        (the service names them `fields.<name>`)."""
        err = current_error()
        if err is not None:
            self.extra_errors = {
                k.removeprefix("fields."): v for k, v in err.fields.items()
            }


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Alasan"), validators=[DataRequired(_l("Wajib diisi.")), _max(300)]
    )


class LetterTypeForm(Form):
    code = StringField(_l("Kode"), validators=[_max(20)])
    title = StringField(_l("Judul surat"), validators=[_max(150)])
    kind = SelectField(
        _l("Macam"),
        choices=[
            ("letter", _l("Surat keterangan")),
            ("referral", _l("Surat pengantar / rujukan")),
        ],
    )
    addressee = StringField(_l("Ditujukan kepada"), validators=[_max(250)])
    body = TextAreaField(_l("Isi surat"), validators=[_max(8000)])
    fields = TextAreaField(_l("Isian tambahan"), validators=[_max(4000)])
    validity_days = IntegerField(
        _l("Masa berlaku (hari)"), validators=[Optional(), NumberRange(1, 3650)]
    )
    number_pattern = StringField(_l("Pola nomor"), validators=[_max(120)])
    issuer = SelectField(
        _l("Yang boleh menerbitkan"),
        choices=[
            ("head", _l("Kepala desa")),
            ("clerk", _l("Kepala desa atau operator")),
        ],
    )
    # At least one: the service says so, beside the boxes.
    life_statuses = SelectMultipleField(
        _l("Untuk warga berstatus"),
        choices=[(str(status), label) for status, label in LIFE_LABELS.items()],
        validators=[Mandatory()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    active = BooleanField(_l("Aktif (dapat dipilih saat membuat surat)"))


class SettingsForm(Form):
    clerk_may_issue = BooleanField(_l("Operator boleh menerbitkan semua jenis surat"))
    shared_sequence = BooleanField(
        _l("Satu urutan nomor untuk semua jenis surat (bukan per jenis)")
    )


class LetterheadForm(Form):
    address = StringField(_l("Alamat kantor desa"), validators=[Optional(), _max(200)])
    phone = StringField(_l("Telepon kantor"), validators=[Optional(), _max(30)])
    email = StringField(_l("E-mail kantor"), validators=[Optional(), _max(120)])
    head_name = StringField(_l("Nama kepala desa"), validators=[Optional(), _max(120)])
    head_title = StringField(
        _l("Jabatan penanda tangan"), validators=[Optional(), _max(120)]
    )
    logo = FileField(_l("Logo (PNG atau JPEG, paling besar 2 MB)"))
    remove_logo = BooleanField(_l("Hapus logo"))


class BaseUrlForm(Form):
    """The address QR codes and links carry (checked in desa.core.addresses)."""

    base_url = StringField(
        _l("Alamat di kode QR dan tautan"), validators=[Optional(), _max(200)]
    )
    clear = SubmitField(_l("Hapus alamat tersimpan"))


class UploadForm(Form):
    pdf = FileField(_l("Berkas PDF surat"))
