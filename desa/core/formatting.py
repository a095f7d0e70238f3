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
# Text is read as tokens: a digit (`6` or URL-encoded `%36`), a separator people
# and URLs put inside a NIK (space, `-`, `.`, `+`, `%20`, `%2D`, `%2E`, `%2B`), or
# anything else, which ends a run of digits.
_TOKEN = re.compile(r"%(?P<enc>[0-9A-Fa-f]{2})|(?P<digit>\d)|(?P<sep>[ .+\-])", re.S)
_ENCODED_SEPARATORS = {"20", "2D", "2E", "2B"}
_MAX_SEPARATORS = 3  # "6101 - 1226": more than this between digits ends the run
_DIGIT_CHARS = re.compile(r"\d")


def mask_nik(nik: str | None) -> str:
    """`6101124503090001` → `6101********0001`."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def _runs(text: str) -> list[tuple[list[tuple[int, int]], bool]]:
    """Each run of digits: the (start, end) of its digits, and whether it is split.

    A plain run is only digits; a split one has separators between its digits or
    URL-encoded digits (`6101-1226-0273-0001`, `6101+1226…`, `%36%31%30%31…`).
    """
    runs: list[tuple[list[tuple[int, int]], bool]] = []
    digits: list[tuple[int, int]] = []
    split = False
    gap = 0  # separators since the last digit
    last_end = 0

    def close() -> None:
        nonlocal digits, split
        if digits:
            runs.append((digits, split))
        digits, split = [], False

    for match in _TOKEN.finditer(text):
        if match.start() != last_end:  # something else came in between
            close()
        last_end = match.end()
        enc = match["enc"]
        kind = "other"
        if match["digit"] is not None or (
            enc is not None and enc[0] == "3" and enc[1].isdigit()
        ):
            kind = "digit"
        elif match["sep"] is not None or (
            enc is not None and enc.upper() in _ENCODED_SEPARATORS
        ):
            kind = "sep"
        if kind == "digit":
            if digits and gap:
                split = True
            if enc is not None:
                split = True
            digits.append(match.span())
            gap = 0
        elif kind == "sep":
            gap += 1
            if gap > _MAX_SEPARATORS:
                close()
        else:
            close()
            gap = 0
    close()
    return runs


def mask_text(text: str) -> str:
    """Masks every NIK or KK in free text, however it is written.

    `6101124503090001`, `6101-1245-0309-0001`, `6101 1245 0309 0001`, `q=%206101…`
    and `%36%31%30%31…` keep their first and last four digits; the others become
    `*`. A plain run of digits is masked only at exactly 16 (17 digits are no NIK);
    a split run from 16 digits on (better one date too many than one NIK).
    """
    if len(_DIGIT_CHARS.findall(text)) < 16:
        return text
    spans: list[tuple[int, int]] = []
    for digits, split in _runs(text):
        if len(digits) == 16 or (split and len(digits) > 16):
            spans.extend(digits[4:-4])
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append("*")
        pos = end
    out.append(text[pos:])
    return "".join(out)


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
