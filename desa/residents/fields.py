"""Parsing and normalising resident fields, shared by forms, the API and imports.

Each parser takes what a person or a spreadsheet wrote and returns the stored value,
or raises FieldError with an Indonesian message. They are plain and fast: an import
calls them for every cell of hundreds of thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lokal import normalize_phone

from desa.residents.models import (
    BLOOD_TYPES,
    EKTP_LABELS,
    MARITAL_STATUSES,
    RELIGIONS,
)


class FieldError(ValueError):
    """One field's value is not acceptable; the message is for a clerk."""


_SPACES = re.compile(r"\s+")
_DIGITS16 = re.compile(r"[0-9]{16}")
_RTRW = re.compile(r"[0-9]{1,3}")
_DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_INTERNATIONAL = re.compile(r"\+[1-9][0-9]{7,14}")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")

SEX = {
    "L": "L",
    "P": "P",
    "LAKI-LAKI": "L",
    "LAKI LAKI": "L",
    "LAKI": "L",
    "PRIA": "L",
    "PEREMPUAN": "P",
    "WANITA": "P",
    "1": "L",
    "2": "P",
}
_RELIGION_ALIASES = {
    "KATOLIK": "KATHOLIK",
    "KRISTEN KATOLIK": "KATHOLIK",
    "KRISTEN PROTESTAN": "KRISTEN",
    "PROTESTAN": "KRISTEN",
    "BUDDHA": "BUDHA",
    "KONGHUCU": "KHONGHUCU",
    "KONG HU CU": "KHONGHUCU",
    "KEPERCAYAAN TERHADAP TUHAN YME": "KEPERCAYAAN",
    "1": "ISLAM",
    "2": "KRISTEN",
    "3": "KATHOLIK",
    "4": "HINDU",
    "5": "BUDHA",
    "6": "KHONGHUCU",
    "7": "KEPERCAYAAN",
}
_MARITAL = {str(i + 1): status for i, status in enumerate(MARITAL_STATUSES)}
_MARITAL.update({s: s for s in MARITAL_STATUSES})
_MARITAL.update(
    {
        "BELUM KAWIN": "BELUM KAWIN",
        "KAWIN TERCATAT": "KAWIN",
        "KAWIN BELUM TERCATAT": "KAWIN",
        "CERAI": "CERAI HIDUP",
    }
)
_EKTP_BY_LABEL = {label: code for code, label in EKTP_LABELS.items()}
# SIAK's GOL_DARAH codes 1–13 in BLOOD_TYPES' order; "-" and "TIDAK TAHU" alike.
_BLOOD = {s: s for s in BLOOD_TYPES}
_BLOOD.update({str(i + 1): s for i, s in enumerate(BLOOD_TYPES)})
_BLOOD.update({"-": "TIDAK TAHU", "TT": "TIDAK TAHU", "TIDAK DIKETAHUI": "TIDAK TAHU"})
_BLOOD.update({f"{g} {r}": f"{g}{r}" for g in ("A", "B", "AB", "O") for r in "+-"})


def text(value: Any, *, limit: int, upper: bool = False) -> str | None:
    """Trimmed text with inner runs of spaces collapsed; None when empty."""
    if value is None:
        return None
    s = _SPACES.sub(" ", str(value)).strip()
    if not s:
        return None
    if len(s) > limit:
        raise FieldError(f"Terlalu panjang (paling banyak {limit} karakter).")
    return s.upper() if upper else s


def flag(value: Any) -> bool:
    """A yes/no field: a checkbox, a JSON boolean, or empty for no."""
    if value is None or isinstance(value, bool):
        return bool(value)
    s = str(value).strip().lower()
    if s in ("", "0", "false", "tidak", "n", "no", "off"):
        return False
    if s in ("1", "true", "ya", "y", "yes", "on"):
        return True
    raise FieldError("Isi ya atau tidak.")


def name(value: Any) -> str:
    """A person's name as Disdukcapil writes it: upper case, single spaces."""
    s = text(value, limit=120, upper=True)
    if not s:
        raise FieldError("Nama wajib diisi.")
    if any(ch.isdigit() for ch in s):
        raise FieldError("Nama tidak boleh berisi angka.")
    return s


def kk(value: Any) -> str | None:
    """A family card number: 16 ASCII digits (spaces and dots typed in are dropped)."""
    if value is None or isinstance(value, float):
        if isinstance(value, float):
            raise FieldError("Nomor KK rusak karena diformat sebagai angka di Excel.")
        return None
    s = re.sub(r"[\s.\-]", "", str(value))
    if not s:
        return None
    if not _DIGITS16.fullmatch(s):
        raise FieldError(f"Nomor KK harus 16 angka; yang diisi {len(s)} karakter.")
    return s


def sex(value: Any) -> str:
    """L or P, from L/P, LAKI-LAKI/PEREMPUAN or 1/2."""
    s = text(value, limit=20, upper=True)
    if not s:
        raise FieldError("Jenis kelamin wajib diisi (L atau P).")
    try:
        return SEX[s]
    except KeyError:
        raise FieldError(
            "Jenis kelamin harus L/P, LAKI-LAKI/PEREMPUAN, atau 1/2."
        ) from None


def _day(value: Any, label: str) -> dt.date | None:
    """DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD or a spreadsheet date; None when empty.
    `label` names the field in the message ("Tanggal lahir")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    if m := _DATE_DMY.fullmatch(s):
        parts = (m.group(3), m.group(2), m.group(1))
    elif m := _DATE_ISO.fullmatch(s[:10]):
        parts = (m.group(1), m.group(2), m.group(3))
    else:
        raise FieldError(f"{label} {s} tidak ada di kalender.")
    try:
        return dt.date(*(int(p) for p in parts))
    except ValueError:
        raise FieldError(f"{label} {s} tidak ada di kalender.") from None


def birth_date(
    value: Any, *, today: dt.date | None = None, required: bool = True
) -> dt.date | None:
    """DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD or a spreadsheet date; not in the future."""
    day = _day(value, "Tanggal lahir")
    if day is None:
        if required:
            raise FieldError("Tanggal lahir wajib diisi.")
        return None
    if day.year < 1880:
        raise FieldError("Tanggal lahir terlalu lama (sebelum 1880).")
    if today and day > today:
        raise FieldError("Tanggal lahir tidak boleh di masa depan.")
    return day


def return_date(value: Any) -> dt.date | None:
    """When someone working away is expected home."""
    day = _day(value, "Perkiraan pulang")
    if day is not None and day.year > 2200:
        raise FieldError("Perkiraan pulang terlalu jauh.")
    return day


def religion(value: Any) -> str | None:
    """One of Disdukcapil's words (ISLAM, KRISTEN, KATHOLIK, …) or a code 1–7."""
    s = text(value, limit=40, upper=True)
    if s is None:
        return None
    s = _RELIGION_ALIASES.get(s, s)
    if s not in RELIGIONS:
        raise FieldError("Agama harus salah satu dari: " + ", ".join(RELIGIONS) + ".")
    return s


def marital_status(value: Any) -> str | None:
    """BELUM KAWIN, KAWIN, CERAI HIDUP, CERAI MATI, or 1–4."""
    s = text(value, limit=30, upper=True)
    if s is None:
        return None
    try:
        return _MARITAL[s]
    except KeyError:
        raise FieldError(
            "Status kawin harus BELUM KAWIN, KAWIN, CERAI HIDUP, CERAI MATI, atau 1–4."
        ) from None


def rt_rw(value: Any, label: str) -> str | None:
    """RT/RW numbers padded to three digits: `2` → `002`."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip()
    if not s:
        return None
    if not _RTRW.fullmatch(s) or int(s) == 0:
        raise FieldError(f"{label} harus angka 1–999.")
    return f"{int(s):03d}"


def ektp_status(value: Any) -> int | None:
    """Disdukcapil's e-KTP code 1–8, or its label (e.g. SUDAH REKAM)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip().upper()
    if not s:
        return None
    if s.isdigit() and s.isascii() and 1 <= int(s) <= 8:
        return int(s)
    if s in _EKTP_BY_LABEL:
        return _EKTP_BY_LABEL[s]
    raise FieldError(
        "Status rekam e-KTP harus kode 1–8 atau labelnya (mis. SUDAH REKAM)."
    )


def phone(value: Any) -> str | None:
    """An Indonesian phone number, normalised (e.g. +6281234567890)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = "0" + str(int(value))  # a number cell lost the leading zero
    s = str(value).strip()
    if not s:
        return None
    normal = normalize_phone(s)
    if not normal and _INTERNATIONAL.fullmatch(re.sub(r"[\s\-]", "", s)):
        normal = re.sub(r"[\s\-]", "", s)  # e.g. a Malaysian number across the border
    if not normal:
        raise FieldError("Nomor telepon tidak dikenali sebagai nomor Indonesia.")
    return normal


def parent_name(value: Any, label: str) -> str | None:
    """A father's or mother's name as on the KK: upper case; optional."""
    s = text(value, limit=120, upper=True)
    if s is not None and any(ch.isdigit() for ch in s):
        raise FieldError(f"{label} tidak boleh berisi angka.")
    return s


def blood_type(value: Any) -> str | None:
    """A, B, AB or O with an optional + or -, TIDAK TAHU, or SIAK's code 1–13."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = text(value, limit=20, upper=True)
    if s is None:
        return None
    try:
        return _BLOOD[s]
    except KeyError:
        raise FieldError(
            "Golongan darah harus A, B, AB atau O (boleh dengan + atau -), "
            "TIDAK TAHU, atau kode 1–13."
        ) from None


def marriage_date(value: Any, *, today: dt.date | None = None) -> dt.date | None:
    """The date of marriage (as the KK prints it); not in the future."""
    day = _day(value, "Tanggal perkawinan")
    if day is None:
        return None
    if day.year < 1900:
        raise FieldError("Tanggal perkawinan terlalu lama (sebelum 1900).")
    if today and day > today:
        raise FieldError("Tanggal perkawinan tidak boleh di masa depan.")
    return day
