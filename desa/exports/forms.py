"""Forms of the export pages: a new batch, a results file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, RadioField

from desa.core.forms import Form


class ExportForm(Form):
    format = RadioField(
        _l("Format berkas"),
        choices=[("xlsx", _l("Excel (XLSX)")), ("csv", _l("CSV (UTF-8)"))],
        default="xlsx",
    )
    only_new = BooleanField(_l("Hanya yang belum ada di ekspor sebelumnya"))


class ResultsForm(Form):
    file = FileField(
        _l("Berkas hasil dari Disdukcapil (CSV atau XLSX)"),
        validators=[
            FileRequired(_l("Pilih berkas hasil.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )
    confirm_lowered = BooleanField(
        _l("Terapkan juga hasil yang menurunkan status (sudah saya periksa)")
    )
