"""Disdukcapil family forms (F-1.09 family card sheet, F-1.01/F-1.02 biodata) as letter layouts.

Disdukcapil accepts family data only in its own forms (Permendagri 109/2019):

- F-1.09, the family card sheet, drawn as the KK itself (A4 landscape): the card's
  head block, the members' table I (columns 1–10) and table II (11–19);
- F-1.01, Formulir Biodata Keluarga: the family's data and every member's rows;
- F-1.02, Formulir Pendaftaran Peristiwa Kependudukan: the applicant (the KK's
  head), what is applied for (ticked by the applicant), and the family's members.

Each is a letter type (migration 0024) made for the KK's head: the family page
drafts it for the head when the head is in the registry and active, otherwise for
the resident whose page it is (`letter_resident`). The members printed are the
KK's living, present residents (life status active) in SHDK order. Names and NIKs
are printed in full: it is the family's own paper, printed by staff. An issued
form carries the letter's number and QR (verified like any letter); a draft is
marked DRAF and has neither.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import case, select

from desa.core.formatting import format_date
from desa.documents.drawing import (
    SANS,
    SANS_BOLD,
    column_edges,
    fit_size,
    new_canvas,
    page_number,
    pdf_text,
    table_grid,
    underline,
    wrap,
)
from desa.extensions import db
from desa.letters.layouts import Paper, layout
from desa.letters.pdf.letter import draw_qr_block, draw_watermark, qr_block_height
from desa.residents.models import LifeStatus, Resident

F109, F101, F102 = "F-1.09", "F-1.01", "F-1.02"
FAMILY_FORMS = (F109, F101, F102)
# The purpose a family form's letter is drafted with (a letter must name one).
PURPOSES = {
    F109: "Lembar Kartu Keluarga untuk Disdukcapil",
    F101: "Biodata keluarga untuk pendaftaran/perubahan Kartu Keluarga di Disdukcapil",
    F102: "Pendaftaran peristiwa kependudukan di Disdukcapil",
}
HEAD = "KEPALA KELUARGA"
# Disdukcapil's SHDK codes 1–11 in their order; anything else after them.
SHDK_ORDER = (
    HEAD,
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
_SHDK_RANK = case(
    *((Resident.family_relation == word, rank) for rank, word in enumerate(SHDK_ORDER)),
    else_=len(SHDK_ORDER),
)
SEX_WORDS = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}

LINE = 0.6
THIN = 0.4
PAD = 2


# --------------------------------------------------------------------- members


def family_members(resident: Resident) -> list[Resident]:
    """The KK's living, present members in SHDK order (head, spouse, children, …);
    just the resident when no KK number is recorded."""
    if not resident.kk:
        return [resident]
    stmt = (
        select(Resident)
        .where(Resident.kk == resident.kk, Resident.life_status == LifeStatus.ACTIVE)
        .order_by(_SHDK_RANK, Resident.birth_date, Resident.id)
    )
    return list(db.session.scalars(stmt))


def letter_resident(resident: Resident, members: Sequence[Resident]) -> Resident:
    """Whom a family form is made for: the KK's active head, else this resident."""
    for member in members:
        if (
            member.family_relation == HEAD
            and member.life_status == LifeStatus.ACTIVE
            and member.kk == resident.kk
        ):
            return member
    return resident


def _age(born: dt.date | None, on: dt.date) -> str:
    if born is None:
        return ""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return str(max(years, 0))


def _rt_rw(r: Resident) -> str:
    return f"{r.rt or '-'}/{r.rw or '-'}"


def _upper(value: str | None) -> str:
    return (value or "").upper()


# ---------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # points
    value: Callable[[int, Resident], str]
    centred: bool = False


def draw_member_table(
    c: Canvas,
    left: float,
    top: float,
    columns: Sequence[Column],
    members: Sequence[Resident],
    *,
    first_number: int | None = None,
    groups: Sequence[tuple[str, int, int]] = (),
    start: int = 1,
    size: float = 7.5,
    row_h: float = 5.2 * mm,
) -> float:
    """One table of members: an optional band of group headings over some columns
    (label, first column, last column), the column headings, an optional row of
    column numbers "(1)…", then a row per member; returns the y under it."""
    xs = column_edges(left, [col.width for col in columns])
    y = top
    c.setLineWidth(LINE)
    if groups:
        band = 4.5 * mm
        grouped = {i for _, a, b in groups for i in range(a, b + 1)}
        c.line(xs[0], y, xs[-1], y)
        for label, a, b in groups:
            c.setFont(SANS_BOLD, size)
            c.drawCentredString((xs[a] + xs[b + 1]) / 2, y - band + 3, pdf_text(label))
            c.line(xs[a], y - band, xs[b + 1], y - band)
        heads_top = y - band
    else:
        grouped, heads_top = set(), y
    lines = [
        wrap(pdf_text(col.label), SANS_BOLD, size, col.width - 2 * PAD)
        for col in columns
    ]
    head_h = max(len(x) for x in lines) * (size + 1.5) + 4
    low = heads_top - head_h
    c.setFont(SANS_BOLD, size)
    for i in range(len(columns)):
        # A grouped column's heading sits under its group; others span both bands.
        cell_top = heads_top if i in grouped else y
        mid = (xs[i] + xs[i + 1]) / 2
        block = len(lines[i]) * (size + 1.5)
        base = (cell_top + low) / 2 + block / 2 - size + 1
        for n, text in enumerate(lines[i]):
            c.drawCentredString(mid, base - n * (size + 1.5), text)
    c.setLineWidth(LINE)
    c.line(xs[0], y, xs[-1], y)
    c.line(xs[0], low, xs[-1], low)
    for i, x in enumerate(xs):
        # Edges inside a group run from the group's band down; the others whole.
        inside = any(a < i <= b for _, a, b in groups)
        c.line(x, heads_top if inside else y, x, low)
    y = low
    if first_number is not None:
        c.setFont(SANS, size - 1)
        band = 3.8 * mm
        for i in range(len(columns)):
            c.drawCentredString(
                (xs[i] + xs[i + 1]) / 2, y - band + 3, f"({first_number + i})"
            )
        table_grid(c, xs, y, y - band, THIN)
        y -= band
    for n, member in enumerate(members, start=start):
        for i, col in enumerate(columns):
            text = pdf_text(col.value(n, member) or "-")
            inner = col.width - 2 * PAD
            fitted = fit_size(text, SANS, size, inner, 5)
            c.setFont(SANS, fitted)
            base = y - row_h / 2 - fitted / 2 + 1.5
            if col.centred:
                c.drawCentredString((xs[i] + xs[i + 1]) / 2, base, text)
            else:
                c.drawString(xs[i] + PAD, base, text)
        table_grid(c, xs, y, y - row_h, THIN)
        y -= row_h
    return y


def _no(n: int, _r: Resident) -> str:
    return str(n)


def _member_columns(on: dt.date, scale: float) -> dict[str, Column]:
    """Every member column the forms use, widths in millimetres times `scale`."""

    def col(label, width, value, centred=False) -> Column:
        return Column(label, width * mm * scale, value, centred)

    return {
        "no": col("No", 8, _no, True),
        "name": col("Nama Lengkap", 46, lambda n, r: r.name),
        "nik": col("NIK", 32, lambda n, r: r.nik, True),
        "sex": col("Jenis Kelamin", 22, lambda n, r: SEX_WORDS.get(r.sex, r.sex)),
        "birth_place": col("Tempat Lahir", 28, lambda n, r: _upper(r.birth_place)),
        "birth_date": col(
            "Tanggal Lahir", 27, lambda n, r: format_date(r.birth_date), True
        ),
        "age": col("Umur", 10, lambda n, r: _age(r.birth_date, on), True),
        "religion": col("Agama", 20, lambda n, r: r.religion or ""),
        "education": col("Pendidikan", 36, lambda n, r: _upper(r.education)),
        "occupation": col("Jenis Pekerjaan", 36, lambda n, r: _upper(r.occupation)),
        "blood": col("Golongan Darah", 19, lambda n, r: r.blood_type or "", True),
        "marital": col("Status Perkawinan", 28, lambda n, r: r.marital_status or ""),
        "married_on": col(
            "Tanggal Perkawinan", 30, lambda n, r: format_date(r.marriage_date), True
        ),
        "shdk": col(
            "Status Hubungan Dalam Keluarga", 38, lambda n, r: r.family_relation or ""
        ),
        "citizenship": col(
            "Kewarganegaraan", 26, lambda n, r: r.citizenship or "WNI", True
        ),
        "passport": col("No. Paspor", 24, lambda n, r: "", True),
        "kitap": col("No. KITAP", 24, lambda n, r: "", True),
        "father": col("Ayah", 47, lambda n, r: _upper(r.father_name)),
        "mother": col("Ibu", 47, lambda n, r: _upper(r.mother_name)),
        "disabled": col(
            "Kelainan Fisik dan Mental",
            24,
            lambda n, r: "ADA" if r.disabled else "TIDAK ADA",
            True,
        ),
    }


# ------------------------------------------------------------------ page parts


class _Page:
    """A form's canvas with the parts every family form shares."""

    def __init__(self, paper: Paper, size: tuple[float, float], title: str) -> None:
        self.paper = paper
        self.size = size
        self.w, self.h = size
        self.left, self.right = 12 * mm, self.w - 12 * mm
        self.top, self.bottom = self.h - 10 * mm, 12 * mm
        self.buf = io.BytesIO()
        village = paper.village
        number = "" if paper.draft or not paper.number else f" {paper.number}"
        self.c = new_canvas(
            self.buf,
            size,
            self._footer,
            title=f"{title}{number}",
            author=f"Pemerintah {village.title}",
            subject=f"{village.title}, Kecamatan {village.district}, {village.regency}",
        )
        self.start()

    def _footer(self, c: Canvas, number: int, total: int) -> None:
        page_number(c, number, total, 6 * mm, self.w, only_if_many=True)

    def start(self) -> None:
        if self.paper.draft:
            draw_watermark(self.c, self.size)

    def new_page(self) -> None:
        self.c.showPage()
        self.start()

    def corner(self, code: str) -> None:
        """The form's code at the top right, the letter's number under it."""
        c = self.c
        c.setFont(SANS_BOLD, 9)
        text = f"Formulir {code}"
        c.drawRightString(self.right, self.top - 8, text)
        c.setLineWidth(THIN)
        c.rect(
            self.right - stringWidth(text, SANS_BOLD, 9) - 4,
            self.top - 11,
            stringWidth(text, SANS_BOLD, 9) + 8,
            13,
        )
        c.setFont(SANS, 8)
        c.drawRightString(self.right, self.top - 22, pdf_text(self.number_text()))

    def number_text(self) -> str:
        if self.paper.draft or not self.paper.number:
            return "Nomor: — (DRAF)"
        return f"Nomor: {self.paper.number}"

    def labelled(
        self,
        x: float,
        y: float,
        rows: Sequence[tuple[str, str]],
        label_w: float,
        width: float,
        size: float = 9,
    ) -> float:
        """`Label : value` lines; returns the y under the last."""
        c = self.c
        for label, value in rows:
            y -= size + 4
            c.setFont(SANS, size)
            c.drawString(x, y, pdf_text(label))
            c.drawString(x + label_w, y, ":")
            text = pdf_text(value or "-")
            room = width - label_w - 8
            c.setFont(SANS_BOLD, fit_size(text, SANS_BOLD, size, room, 6))
            c.drawString(x + label_w + 6, y, text)
        return y

    def signature(
        self,
        centre: float,
        top: float,
        lines: Sequence[str],
        name: str,
        size: float = 9,
    ) -> float:
        """A signature block: its heading lines, the space to sign, the name."""
        c = self.c
        y = top
        c.setFont(SANS, size)
        for line in lines:
            y -= size + 3
            c.drawCentredString(centre, y, pdf_text(line))
        y -= 17 * mm
        text = pdf_text(name or "(...............................)")
        fitted = fit_size(text, SANS_BOLD, size, 70 * mm, 6)
        c.setFont(SANS_BOLD, fitted)
        c.drawCentredString(centre, y, text)
        width = stringWidth(text, SANS_BOLD, fitted)
        underline(c, centre - width / 2, y - 2, width, 0.6)
        return y - 4

    def qr(self, x: float, top: float) -> float:
        """The letter's QR with caption (issued only); returns the y under it."""
        if self.paper.draft or not self.paper.qr_url:
            return top
        return draw_qr_block(self.c, self.paper.qr_url, x, top)

    def qr_height(self) -> float:
        if self.paper.draft or not self.paper.qr_url:
            return 0
        return qr_block_height(self.paper.qr_url)

    def place_date(self) -> str:
        return f"{self.paper.village.name}, {format_date(self.paper.on)}"

    def finish(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def _chunks(members: Sequence[Resident], size: int) -> list[list[Resident]]:
    return [list(members[i : i + size]) for i in range(0, len(members), size)] or [[]]


# --------------------------------------------------------------------- F-1.09


@layout(F109)
def kk_sheet(paper: Paper) -> bytes:
    """F-1.09: the KK sheet as the card is laid out, A4 landscape."""
    members = family_members(paper.resident)
    head = letter_resident(paper.resident, members)
    village = paper.village
    page = _Page(paper, landscape(A4), "Formulir F-1.09 Kartu Keluarga")
    c = page.c
    width = page.right - page.left
    cols = _member_columns(paper.on, 1.0)
    table1 = [
        cols[k]
        for k in (
            "no",
            "name",
            "nik",
            "sex",
            "birth_place",
            "birth_date",
            "religion",
            "education",
            "occupation",
            "blood",
        )
    ]
    table2 = [
        cols[k]
        for k in (
            "no",
            "marital",
            "married_on",
            "shdk",
            "citizenship",
            "passport",
            "kitap",
            "father",
            "mother",
        )
    ]
    scale1 = width / sum(col.width for col in table1)
    scale2 = width / sum(col.width for col in table2)
    table1 = [
        Column(col.label, col.width * scale1, col.value, col.centred) for col in table1
    ]
    table2 = [
        Column(col.label, col.width * scale2, col.value, col.centred) for col in table2
    ]
    per_page = 6
    chunks = _chunks(members, per_page)
    for index, chunk in enumerate(chunks):
        if index:
            page.new_page()
        page.corner(F109)
        y = page.top - 4
        c.setFont(SANS_BOLD, 18)
        c.drawCentredString(page.w / 2, y - 14, "KARTU KELUARGA")
        c.setFont(SANS_BOLD, 12)
        c.drawCentredString(
            page.w / 2, y - 30, pdf_text(f"No. {paper.resident.kk or '-'}")
        )
        y -= 36
        half = width / 2
        left_rows = [
            ("Nama Kepala Keluarga", head.name),
            ("Alamat", _upper(head.address) or _upper(head.dusun)),
            ("RT/RW", _rt_rw(head)),
            ("Desa/Kelurahan", _upper(village.name)),
        ]
        right_rows = [
            ("Kecamatan", _upper(village.district)),
            ("Kabupaten/Kota", _upper(village.regency)),
            ("Kode Pos", village.postal_code or ""),
            ("Provinsi", _upper(village.province)),
        ]
        low_l = page.labelled(page.left, y, left_rows, 38 * mm, half - 6 * mm)
        low_r = page.labelled(
            page.left + half + 30 * mm, y, right_rows, 30 * mm, half - 30 * mm
        )
        y = min(low_l, low_r) - 6
        start = index * per_page + 1
        y = draw_member_table(
            c, page.left, y, table1, chunk, first_number=1, start=start
        )
        y -= 4 * mm
        y = draw_member_table(
            c,
            page.left,
            y,
            table2,
            chunk,
            first_number=11,
            start=start,
            groups=(("Dokumen Imigrasi", 5, 6), ("Nama Orang Tua", 7, 8)),
        )
    # Issue date, the QR, the head's and the village's signatures on the last page.
    top = y - 5 * mm
    need = max(page.qr_height(), 36 * mm)
    if top - need < page.bottom:
        page.new_page()
        page.corner(F109)
        top = page.top - 30
    c.setFont(SANS, 9)
    page.qr(page.left, top)
    c.setFont(SANS, 9)
    x_mid = page.left + width * 0.5
    x_right = page.left + width * 0.82
    c.drawString(page.left + 50 * mm, top - 9, "Dikeluarkan Tanggal")
    c.setFont(SANS_BOLD, 9)
    c.drawString(page.left + 50 * mm, top - 21, pdf_text(format_date(paper.on)))
    page.signature(x_mid, top, ["KEPALA KELUARGA"], head.name)
    page.signature(
        x_right,
        top,
        [page.place_date(), *paper.signer_title.upper().split("\n")],
        paper.signer_name,
    )
    return page.finish()


# --------------------------------------------------------------------- F-1.01


@layout(F101)
def family_biodata(paper: Paper) -> bytes:
    """F-1.01 Formulir Biodata Keluarga: the family's data, then each member's rows
    in three bands of columns (identity; status; parents and documents)."""
    members = family_members(paper.resident)
    head = letter_resident(paper.resident, members)
    village = paper.village
    page = _Page(paper, landscape(A4), "Formulir F-1.01 Biodata Keluarga")
    c = page.c
    width = page.right - page.left
    cols = _member_columns(paper.on, 1.0)

    def band(keys: Sequence[str]) -> list[Column]:
        chosen = [cols[k] for k in keys]
        scale = width / sum(col.width for col in chosen)
        return [Column(x.label, x.width * scale, x.value, x.centred) for x in chosen]

    bands = [
        band(
            (
                "no",
                "name",
                "nik",
                "sex",
                "birth_place",
                "birth_date",
                "age",
                "blood",
                "religion",
            )
        ),
        band(
            (
                "no",
                "marital",
                "married_on",
                "shdk",
                "disabled",
                "education",
                "occupation",
            )
        ),
        band(("no", "father", "mother", "citizenship", "passport", "kitap")),
    ]
    numbers = [1, 10, 16]
    page.corner(F101)
    y = page.top - 4
    c.setFont(SANS_BOLD, 15)
    c.drawCentredString(page.w / 2, y - 14, "FORMULIR BIODATA KELUARGA")
    y -= 30
    c.setFont(SANS_BOLD, 9.5)
    c.drawString(page.left, y, "DATA KELUARGA")
    half = width / 2
    low_l = page.labelled(
        page.left,
        y - 2,
        [
            ("1. Nama Kepala Keluarga", head.name),
            ("2. Nomor Kartu Keluarga", paper.resident.kk or ""),
            ("3. Alamat", _upper(head.address) or _upper(head.dusun)),
            ("4. RT/RW", _rt_rw(head)),
            ("5. Jumlah Anggota Keluarga", f"{len(members)} orang"),
        ],
        48 * mm,
        half - 6 * mm,
    )
    low_r = page.labelled(
        page.left + half,
        y - 2,
        [
            ("6. Desa/Kelurahan", _upper(village.name)),
            ("7. Kecamatan", _upper(village.district)),
            ("8. Kabupaten/Kota", _upper(village.regency)),
            ("9. Provinsi", _upper(village.province)),
            (
                "10. Kode Pos / Telepon",
                f"{village.postal_code or '-'} / {head.phone or '-'}",
            ),
        ],
        44 * mm,
        half,
    )
    y = min(low_l, low_r) - 17
    c.setFont(SANS_BOLD, 9.5)
    c.drawString(page.left, y, "DATA ANGGOTA KELUARGA")
    y -= 4
    per_page = 5
    row_h = 4.6 * mm
    for columns, first in zip(bands, numbers, strict=True):
        for i, chunk in enumerate(_chunks(members, per_page)):
            height = 14 * mm + len(chunk) * row_h
            if y - height < page.bottom:
                page.new_page()
                page.corner(F101)
                y = page.top - 30
            y = (
                draw_member_table(
                    c,
                    page.left,
                    y,
                    columns,
                    chunk,
                    first_number=first,
                    start=i * per_page + 1,
                    row_h=row_h,
                )
                - 3 * mm
            )
    top = y - 1 * mm
    need = max(page.qr_height(), 34 * mm)
    if top - need < page.bottom:
        page.new_page()
        page.corner(F101)
        top = page.top - 30
    page.qr(page.left, top)
    page.signature(page.left + width * 0.45, top, ["Kepala Keluarga,"], head.name)
    page.signature(
        page.left + width * 0.8,
        top,
        [page.place_date(), "Mengetahui,", *paper.signer_title.split("\n")],
        paper.signer_name,
    )
    return page.finish()


# --------------------------------------------------------------------- F-1.02

APPLICATIONS = (
    ("A. KARTU KELUARGA", ("1. Baru", "2. Perubahan Data", "3. Hilang/Rusak")),
    (
        "B. KTP-el",
        ("1. Baru", "2. Pindah Datang", "3. Hilang/Rusak", "4. Perubahan Data"),
    ),
    ("C. KARTU IDENTITAS ANAK", ("1. Baru", "2. Hilang/Rusak", "3. Perpanjangan")),
    ("D. PERUBAHAN DATA", ("1. KK", "2. KTP-el", "3. KIA")),
)
REQUIREMENTS = (
    "Surat Pengantar RT/RW",
    "Kartu Keluarga lama",
    "Buku Nikah/Akta Perkawinan atau Akta Perceraian",
    "Surat Keterangan Pindah/Datang",
    "Akta Kelahiran",
    "Lainnya: ........................",
)


def _box(c: Canvas, x: float, y: float, label: str, size: float = 8.5) -> float:
    c.setLineWidth(THIN)
    c.rect(x, y - 1, 8, 8)
    c.setFont(SANS, size)
    c.drawString(x + 11, y, pdf_text(label))
    return x + 11 + stringWidth(pdf_text(label), SANS, size) + 12


@layout(F102)
def event_registration(paper: Paper) -> bytes:
    """F-1.02 Formulir Pendaftaran Peristiwa Kependudukan (A4 portrait): the
    applicant's and the family's data, what is applied for, the attachments."""
    members = family_members(paper.resident)
    applicant = paper.resident
    head = letter_resident(applicant, members)
    village = paper.village
    page = _Page(paper, A4, "Formulir F-1.02 Pendaftaran Peristiwa Kependudukan")
    page.left, page.right = 15 * mm, page.w - 15 * mm
    c = page.c
    width = page.right - page.left
    page.corner(F102)
    y = page.top - 44
    c.setFont(SANS_BOLD, 13)
    c.drawCentredString(page.w / 2, y, "FORMULIR PENDAFTARAN PERISTIWA KEPENDUDUKAN")
    y -= 8
    y = (
        page.labelled(
            page.left,
            y,
            [
                ("Provinsi", _upper(village.province)),
                ("Kabupaten/Kota", _upper(village.regency)),
                ("Kecamatan", _upper(village.district)),
                ("Desa/Kelurahan", f"{_upper(village.name)} ({village.code})"),
            ],
            36 * mm,
            width,
            8.5,
        )
        - 10
    )

    def heading(text: str) -> None:
        nonlocal y
        y -= 6
        c.setFillGray(0.88)
        c.rect(page.left, y - 3, width, 12, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont(SANS_BOLD, 9)
        c.drawString(page.left + 3, y, text)
        y -= 4

    heading("I. DATA PEMOHON")
    y = (
        page.labelled(
            page.left + 3,
            y,
            [
                ("1. Nama Lengkap", applicant.name),
                ("2. NIK", applicant.nik),
                ("3. Nomor Kartu Keluarga", applicant.kk or ""),
                (
                    "4. Alamat",
                    f"{_upper(applicant.address)} RT/RW {_rt_rw(applicant)}".strip(),
                ),
                ("5. Nomor HP/Email", applicant.phone or ""),
                ("6. Nama Kepala Keluarga", head.name),
            ],
            48 * mm,
            width - 3,
            8.5,
        )
        - 10
    )
    heading("II. JENIS PERMOHONAN (beri tanda pada kotak yang sesuai)")
    for group, options in APPLICATIONS:
        y -= 13
        c.setFont(SANS_BOLD, 8.5)
        c.drawString(page.left + 3, y, group)
        x = page.left + 52 * mm
        for option in options:
            x = _box(c, x, y, option)
    if paper.purpose:
        y -= 13
        c.setFont(SANS, 8.5)
        text = pdf_text(f"Keperluan: {paper.purpose}")
        c.drawString(page.left + 3, y, wrap(text, SANS, 8.5, width - 6)[0])
    y -= 16
    heading("III. ANGGOTA KELUARGA")
    y -= 2
    cols = _member_columns(paper.on, 1.0)
    chosen = [cols[k] for k in ("no", "name", "nik", "sex", "birth_date", "shdk")]
    scale = width / sum(col.width for col in chosen)
    chosen = [Column(x.label, x.width * scale, x.value, x.centred) for x in chosen]
    for i, chunk in enumerate(_chunks(members, 12)):
        if i:
            page.new_page()
            page.corner(F102)
            y = page.top - 34
        y = draw_member_table(c, page.left, y, chosen, chunk, start=i * 12 + 1)
    y -= 14
    if y - 60 < page.bottom:
        page.new_page()
        page.corner(F102)
        y = page.top - 34
    heading("IV. PERSYARATAN YANG DILAMPIRKAN")
    for n, requirement in enumerate(REQUIREMENTS):
        if n % 2 == 0:
            y -= 13
        _box(c, page.left + 3 + (n % 2) * width / 2, y, requirement)
    top = y - 10
    need = max(page.qr_height(), 36 * mm)
    if top - need < page.bottom:
        page.new_page()
        page.corner(F102)
        top = page.top - 34
    page.qr(page.left, top)
    page.signature(page.left + width * 0.5, top, ["", "Pemohon,"], applicant.name)
    page.signature(
        page.left + width * 0.82,
        top,
        [page.place_date(), "Mengetahui,", *paper.signer_title.split("\n")],
        paper.signer_name,
    )
    return page.finish()
