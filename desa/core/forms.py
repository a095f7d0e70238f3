"""Form helpers shared by every HTML view."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from desa.core.i18n import N_

# WTForms' own messages (a mistyped date, a choice not offered…) in Indonesian:
# WTForms ships no Indonesian catalogue, so each is mapped to one of ours, which
# the English interface translates back like every other sentence.
_WTFORMS_MESSAGES = {
    "This field is required.": N_("Wajib diisi."),
    "Invalid input.": N_("Isian tidak sah."),
    "Not a valid choice.": N_("Pilihan tidak tersedia."),
    "Invalid Choice: could not coerce.": N_("Pilihan tidak tersedia."),
    "Choices cannot be None.": N_("Pilihan tidak tersedia."),
    "Not a valid integer value.": N_("Isi dengan bilangan bulat."),
    "Not a valid decimal value.": N_("Isi dengan angka."),
    "Not a valid float value.": N_("Isi dengan angka."),
    "Not a valid date value.": N_("Tanggal tidak sah; isi seperti 23-11-2026."),
    "Not a valid datetime value.": N_("Tanggal dan jam tidak sah."),
    "Not a valid time value.": N_("Jam tidak sah; isi seperti 08:30."),
    "Not a valid week value.": N_("Minggu tidak sah."),
    "Invalid email address.": N_("Alamat e-mail tidak sah."),
    "Invalid URL.": N_("Alamat web tidak sah."),
    "Field must be equal to %(other_name)s.": N_(
        "Isian harus sama dengan %(other_name)s."
    ),
    "Number must be at least %(min)s.": N_("Angka paling kecil %(min)s."),
    "Number must be at most %(max)s.": N_("Angka paling besar %(max)s."),
    "Number must be between %(min)s and %(max)s.": N_(
        "Isi angka %(min)s sampai %(max)s."
    ),
    "Date must be at least %(min)s.": N_("Tanggal paling awal %(min)s."),
    "Date must be at most %(max)s.": N_("Tanggal paling akhir %(max)s."),
    "Date must be between %(min)s and %(max)s.": N_(
        "Tanggal harus antara %(min)s dan %(max)s."
    ),
    "Field must be at least %(min)d characters long.": N_(
        "Paling sedikit %(min)d karakter."
    ),
    "Field cannot be longer than %(max)d characters.": N_(
        "Terlalu panjang (paling banyak %(max)d karakter)."
    ),
    "Field must be exactly %(max)d characters long.": N_(
        "Harus tepat %(max)d karakter."
    ),
    "Field must be between %(min)d and %(max)d characters long.": N_(
        "Panjangnya %(min)d sampai %(max)d karakter."
    ),
    "CSRF token missing.": N_(
        "Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi."
    ),
    "CSRF failed.": N_("Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi."),
    "CSRF token expired.": N_(
        "Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi."
    ),
    "Invalid CSRF Token.": N_(
        "Formulir kedaluwarsa; muat ulang halaman lalu kirim lagi."
    ),
    "This field cannot be edited.": N_("Isian ini tidak dapat diubah."),
    "This field is disabled and cannot have a value.": N_(
        "Isian ini tidak dapat diubah."
    ),
}


class _WTFormsTranslations:
    """gettext/ngettext for WTForms' built-in messages, through our catalogue."""

    def gettext(self, string: str) -> str:
        from flask_babel import gettext

        ours = _WTFORMS_MESSAGES.get(string)
        return gettext(ours) if ours else gettext("Isian tidak sah.")

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(plural)


_translations = _WTFormsTranslations()


class Mandatory:
    """Marks a field the service requires (shown with *), leaving the check itself
    to the service so that every problem comes back in one pass."""

    field_flags = {"mandatory": True}

    def __call__(self, form: Any, field: Any) -> None:
        return None


class Form(FlaskForm):
    """The base of every form here: WTForms' own messages in Indonesian."""

    class Meta:
        def get_translations(self, form: Any) -> _WTFormsTranslations:
            return _translations
