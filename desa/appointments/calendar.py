"""Dates and times of sessions: working days, the zone's name, iCalendar feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from lokal.holidays import holidays_on

from desa.appointments.models import RecordingSession, SessionStatus

_ZONE_NAMES = {"Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_label(zone: ZoneInfo | str) -> str:
    """WIB, WITA or WIT: how a time is written on a ticket."""
    return _ZONE_NAMES.get(str(zone), "WIB")


def holidays_of(day: dt.date) -> list[str] | None:
    """Names of the public holidays (libur nasional, cuti bersama) on `day`.

    None when lokal-id has no decree for that year yet: then only weekends are known.
    """
    try:
        return [h.name for h in holidays_on(day)]
    except ValueError:
        return None


def non_working_reason(day: dt.date) -> str | None:
    """Why `day` is not a working day (weekend, a named holiday), or None."""
    names = holidays_of(day) or []
    if names:
        return _("%(d)s adalah hari libur: %(n)s.", d=_day_text(day), n=names[0])
    if day.weekday() >= 5:
        return _("%(d)s jatuh pada akhir pekan.", d=_day_text(day))
    return None


def _day_text(day: dt.date) -> str:
    from desa.core.formatting import format_day_date

    return format_day_date(day)


def format_time(value: dt.time) -> str:
    """`08.30`, as Indonesian writes times."""
    return f"{value:%H.%M}"


# --- iCalendar (RFC 5545), written by hand ---------------------------------------------


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Folds a content line at 75 octets, never inside a UTF-8 sequence."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while raw:
        cut = min(limit, len(raw))
        while cut < len(raw) and (raw[cut] & 0xC0) == 0x80:
            cut -= 1  # step back to the start of a character
        parts.append(raw[:cut].decode("utf-8"))
        raw = raw[cut:]
        limit = 74  # continuation lines start with one space
    return "\r\n ".join(parts)


def _utc(day: dt.date, time: dt.time, zone: ZoneInfo) -> str:
    local = dt.datetime.combine(day, time, tzinfo=zone)
    return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_feed(
    sessions: Iterable[RecordingSession],
    *,
    zone: ZoneInfo,
    name: str,
    host: str,
    now: dt.datetime,
) -> str:
    """A VCALENDAR of sessions (no personal data: no home-visit address, no names)."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//desa//jadwal perekaman e-KTP//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for s in sessions:
        summary = _("Perekaman e-KTP")
        if s.reserved_label:
            summary += f" ({s.reserved_label})"
        description = _(
            "%(place)s. Kapasitas %(c)d orang, sisa %(r)d. Bawa Kartu Keluarga (KK).",
            place=s.place,
            c=s.capacity,
            r=s.remaining,
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{s.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(s.date, s.start_time, zone)}",
            f"DTEND:{_utc(s.date, s.end_time, zone)}",
            f"SUMMARY:{_escape(summary)}",
            f"LOCATION:{_escape(s.place)}",
            f"DESCRIPTION:{_escape(description)}",
            "STATUS:"
            + ("CANCELLED" if s.status == SessionStatus.CANCELLED else "CONFIRMED"),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
