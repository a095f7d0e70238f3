"""The archive: searching letters, the Buku Register Surat (PDF, XLSX), merged prints."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, false, or_

from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.db import prefix_range
from desa.core.errors import ValidationError
from desa.core.formatting import MONTHS_ID, format_date
from desa.core.pages import Key
from desa.core.spreadsheet import safe_cell
from desa.extensions import db
from desa.letters import documents
from desa.letters.models import STATUSES, Letter, LetterStatus, LetterType
from desa.residents.models import Resident
from desa.residents.services import clean_nik

# One print run of the office: a month's letters for a busy village, or a batch of
# referrals; more than this is refused rather than cut short without a word.
MAX_MERGE = 1000
# The archive's order, newest first, and the key its pages are walked by.
ARCHIVE_KEY = Key((Letter.created_at, Letter.id), descending=True)


def search(
    actor: Actor,
    *,
    q: str | None = None,
    type_code: str | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    resident_id: int | None = None,
) -> Select:
    """Letters matching number, resident name prefix or NIK, type, state and dates.

    Dates are the issue date for issued letters and the creation day otherwise.
    """
    stmt = scopes.select(actor, Letter).join(Letter.resident).join(Letter.type)
    q = " ".join((q or "").split())
    if "\x00" in q:  # no stored text holds a NUL (PostgreSQL refuses one)
        stmt = stmt.where(false())
    elif q:
        digits = clean_nik(q)
        if digits.isascii() and digits.isdigit() and len(digits) >= 4:
            stmt = stmt.where(prefix_range(Resident.nik, digits))
        else:
            stmt = stmt.where(
                or_(
                    Letter.number.ilike(f"%{_escape(q)}%", escape="\\"),
                    prefix_range(Resident.name_key, q.upper()),
                )
            )
    if type_code:
        stmt = stmt.where(LetterType.code == type_code)
    if status in STATUSES:
        stmt = stmt.where(Letter.status == status)
    if date_from:
        stmt = stmt.where(_day(date_from, ">=", actor.now.tzinfo))
    if date_to:
        stmt = stmt.where(_day(date_to, "<=", actor.now.tzinfo))
    if resident_id is not None:
        stmt = stmt.where(Letter.resident_id == resident_id)
    return stmt.order_by(*ARCHIVE_KEY.order_by())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _midnight_utc(day: dt.date, zone: dt.tzinfo | None) -> dt.datetime:
    """The village's midnight starting `day`, as the naive UTC the database keeps."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone or dt.UTC)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def _day(day: dt.date, op: str, zone: dt.tzinfo | None):
    # A draft's day is the village's day of its naive-UTC creation time.
    if op == ">=":
        created = Letter.created_at >= _midnight_utc(day, zone)
        issued = Letter.issued_on >= day
    else:
        created = Letter.created_at < _midnight_utc(day + dt.timedelta(1), zone)
        issued = Letter.issued_on <= day
    return or_(
        and_(Letter.issued_on.is_not(None), issued),
        and_(Letter.issued_on.is_(None), created),
    )


def of_resident(actor: Actor, resident_id: int) -> list[Letter]:
    """Every letter of one resident that the actor may see, newest first."""
    return list(db.session.scalars(search(actor, resident_id=resident_id)))


# --- Buku Register Surat ----------------------------------------------------------


def period(year: int, month: int | None) -> tuple[dt.date, dt.date, str]:
    """First day, last day and the printed name of a month or a year."""
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise ValidationError(
            _("Periode register tidak valid."),
            fields={"period": [_("Bulan 1–12, tahun 2000–2100.")]},
        )
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), f"Tahun {year}"
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last, f"{MONTHS_ID[month - 1]} {year}"


def register_letters(actor: Actor, year: int, month: int | None) -> list[Letter]:
    """Letters numbered in the period (issued or later revoked), in number order."""
    first, last, _name = period(year, month)
    return list(
        db.session.scalars(
            scopes.select(actor, Letter)
            .where(Letter.issued_on >= first, Letter.issued_on <= last)
            .order_by(Letter.issued_on, Letter.issued_at, Letter.id)
        )
    )


def register_rows(letters: list[Letter]) -> list[dict[str, Any]]:
    """The rows render_register draws."""
    return [
        {
            "no": i,
            "number": letter.number,
            "issued_on": format_date(letter.issued_on),
            "type_title": letter.type.title,
            "holder": letter.resident.name,
            "purpose": letter.purpose,
            "status": letter.status,
        }
        for i, letter in enumerate(letters, start=1)
    ]


def register_pdf(
    actor: Actor, village_title: str, year: int, month: int | None
) -> bytes:
    """The register of a month or a year as a landscape PDF."""
    from desa.letters.pdf import render_register

    _first, _last, name = period(year, month)
    rows = register_rows(register_letters(actor, year, month))
    _record_register_export(actor, name, len(rows), "PDF")
    return render_register(f"Buku Register Surat {village_title}", name, rows)


def _record_register_export(actor: Actor, name: str, count: int, fmt: str) -> None:
    audit.record(
        actor,
        "letters.register_export",
        object_type="letter_register",
        detail=f"{name}, {count} surat, {fmt}",
    )


REGISTER_HEADER = [
    "No",
    "Nomor Surat",
    "Tanggal",
    "Jenis Surat",
    "Nama",
    "NIK",
    "Keperluan",
    "Status",
    "Penanda Tangan",
    "Berlaku Sampai",
]
_STATUS_WORDS = {LetterStatus.ISSUED: "Terbit", LetterStatus.REVOKED: "Dicabut"}


def register_xlsx(
    actor: Actor, village_title: str, year: int, month: int | None
) -> bytes:
    """The register as a workbook; NIK as text, every cell escaped against formulas."""
    from openpyxl import Workbook

    _first, _last, name = period(year, month)
    wb = Workbook()
    ws = wb.active
    ws.title = "Register Surat"
    ws.append([safe_cell(f"Buku Register Surat {village_title} — {name}")])
    ws.append([])
    ws.append(REGISTER_HEADER)
    letters = register_letters(actor, year, month)
    _record_register_export(actor, name, len(letters), "XLSX")
    for i, letter in enumerate(letters, start=1):
        ws.append(
            [
                i,
                safe_cell(letter.number),
                letter.issued_on,
                safe_cell(letter.type.title),
                safe_cell(letter.resident.name),
                safe_cell(letter.resident.nik),
                safe_cell(letter.purpose),
                _STATUS_WORDS.get(letter.status, letter.status),
                safe_cell(letter.signer_name or ""),
                letter.valid_until,
            ]
        )
        row = ws.max_row
        ws.cell(row, 3).number_format = "DD-MM-YYYY"
        ws.cell(row, 6).number_format = "@"
        ws.cell(row, 10).number_format = "DD-MM-YYYY"
    for column, width in zip(
        "ABCDEFGHIJ", (5, 30, 12, 32, 28, 20, 40, 10, 26, 14), strict=True
    ):
        ws.column_dimensions[column].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- many letters, one print ------------------------------------------------------


def merged_pdf(actor: Actor, public_ids: list[str]) -> tuple[bytes, int]:
    """The stored PDFs of the chosen issued letters in one file, in the order chosen."""
    from desa.letters.pdf import merge_pdfs

    ids = list(dict.fromkeys(p for p in public_ids if p))
    if not ids:
        raise ValidationError(
            _("Pilih sedikitnya satu surat yang sudah terbit."),
            fields={"ids": [_("Belum ada yang dipilih.")]},
        )
    if len(ids) > MAX_MERGE:
        message = _(
            "Paling banyak %(n)s surat dapat dicetak sekaligus; %(chosen)s dipilih.",
            n=f"{MAX_MERGE:,}".replace(",", "."),
            chosen=f"{len(ids):,}".replace(",", "."),
        )
        raise ValidationError(message, fields={"ids": [message]})
    found = {
        letter.public_id: letter
        for letter in db.session.scalars(
            scopes.select(actor, Letter).where(
                Letter.public_id.in_(ids), Letter.status == LetterStatus.ISSUED
            )
        )
    }
    letters = [found[i] for i in ids if i in found]
    if not letters:
        message = _("Hanya surat terbit yang dapat dicetak.")
        raise ValidationError(
            _("Tidak ada surat terbit di antara yang dipilih."),
            fields={"ids": [message]},
        )
    data = merge_pdfs([documents.read_pdf(letter.pdf_path) for letter in letters])
    return data, len(letters)
