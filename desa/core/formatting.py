"""Indonesian formatting and masking of personal data."""

from __future__ import annotations

import datetime as dt
import re

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
# A NIK or KK: 16 digits not glued to other digits.
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")


def mask_nik(nik: str | None) -> str:
    """`6101124503090001` → `6101********0001`."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_text(text: str) -> str:
    """Masks every 16-digit number (NIK, KK) in free text."""
    return _SIXTEEN_DIGITS.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)


def mask_name(name: str | None) -> str:
    """`Siti Aminah` → `S*** A*****`: enough to match a face, not to look someone up."""
    if not name:
        return ""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())


def format_date(value: dt.date | dt.datetime | None) -> str:
    """`23 November 2026`."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"


def format_day_date(value: dt.date) -> str:
    """`Senin, 23 November 2026`."""
    return f"{DAYS_ID[value.weekday()]}, {format_date(value)}"


def format_datetime(value: dt.datetime | None) -> str:
    """`23 November 2026 14.05` (Indonesian uses a dot between hours and minutes)."""
    if value is None:
        return ""
    return f"{format_date(value)} {value:%H.%M}"


def month_roman(month: int) -> str:
    """11 → `XI`, as letter numbers write the month."""
    out = []
    for value, numeral in _ROMAN:
        while month >= value:
            out.append(numeral)
            month -= value
    return "".join(out)
