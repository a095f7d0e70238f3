"""KUA marriage forms N-1…N-6 (KMA 477/2004, model N) as letter layouts.

The KUA takes a marriage's village papers only in its own forms: a heading with
the village, kecamatan and kabupaten, the form's title and number, numbered rows
(one block per person), a closing sentence, the place and date and the head's
signature. Each form is a letter type (migration 0023) made for the bride or
groom (N6: the surviving spouse); one routine draws the numbered-rows layout of
all six. Rows come from the letter's resident and the letter's fields; a field
`nik_<who>` that names someone in the registry the actor may see fills that
person's rows the clerk left blank (the read is audited). A NIK outside the
registry fills nothing. A row with no value prints a dotted line to be written
by hand, as on the paper form. An issued form carries the letter's number and
QR; a draft is marked DRAF and has neither.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desa.core.db import SAFE_METHODS, begin_write
from desa.core.formatting import format_date
from desa.documents.drawing import (
    SERIF,
    SERIF_BOLD,
    fit_size,
    new_canvas,
    page_number,
    pdf_text,
    underline,
    wrap,
)
from desa.letters.documents import SEX_WORDS, field_text, resident_address
from desa.letters.layouts import Paper, layout
from desa.letters.pdf.letter import draw_qr_block, draw_watermark, qr_block_height
from desa.residents.models import Resident

PAGE_W, PAGE_H = A4
LEFT = 22 * mm
RIGHT = PAGE_W - 18 * mm
TOP = PAGE_H - 15 * mm
BOTTOM = 18 * mm
SIZE = 10
LEADING = 12.5
NO_W = 9 * mm  # "10."
LABEL_W = 48 * mm
DOTS = "." * 60
SIGN_SPACE = 20 * mm

OPENING = "Yang bertanda tangan di bawah ini menerangkan dengan sesungguhnya bahwa:"
CLOSING = (
    "Demikianlah, surat keterangan ini dibuat dengan mengingat sumpah jabatan dan "
    "untuk digunakan seperlunya."
)

# A person's rows: (row key, label). `bin_binti`'s label depends on the sex.
FULL = (
    "nama",
    "bin_binti",
    "nik",
    "lahir",
    "warganegara",
    "agama",
    "pekerjaan",
    "alamat",
)
LABELS = {
    "nama": "Nama lengkap dan alias",
    "nik": "Nomor Induk Kependudukan",
    "jenis_kelamin": "Jenis kelamin",
    "lahir": "Tempat dan tanggal lahir",
    "warganegara": "Warganegara",
    "agama": "Agama",
    "pekerjaan": "Pekerjaan",
    "alamat": "Tempat tinggal",
}


def _citizenship(value: str | None) -> str:
    if not value:
        return ""
    return "Indonesia" if value.upper() == "WNI" else value


def _born(place: str | None, date_text: str | None) -> str:
    return ", ".join(p for p in ((place or "").strip(), (date_text or "").strip()) if p)


def _from_resident(r: Any) -> dict[str, str]:
    """A registry person's rows."""
    return {
        "nama": r.name or "",
        "bin_binti": getattr(r, "father_name", None) or "",
        "nik": r.nik or "",
        "jenis_kelamin": SEX_WORDS.get(r.sex, r.sex or ""),
        "lahir": _born(
            r.birth_place, format_date(r.birth_date) if r.birth_date else ""
        ),
        "warganegara": _citizenship(getattr(r, "citizenship", None) or "WNI"),
        "agama": r.religion or "",
        "pekerjaan": r.occupation or "",
        "alamat": "" if resident_address(r) == "-" else resident_address(r),
    }


def registry_person(nik: Any, code: str) -> Resident | None:
    """The resident with that NIK if the current actor may see them (audited)."""
    from desa.auth import audit
    from desa.auth.actor import command_actor, current_actor
    from desa.auth.scope import scopes
    from desa.residents.services import clean_nik

    text = clean_nik(str(nik or ""))
    if len(text) != 16 or not text.isascii() or not text.isdigit():
        return None
    actor = current_actor() if has_request_context() else command_actor()
    person = scopes.get(actor, Resident, Resident.nik == text)
    if person is not None:
        if has_request_context() and request.method in SAFE_METHODS:
            # A draft's preview (GET) writes this read's audit line.
            begin_write(only_read_audit=True)
        audit.record(
            actor,
            "residents.read",
            object_type="resident",
            object_id=person.id,
            detail=f"Formulir KUA {code}",
        )
    return person


class _Values:
    """The rows of the letter's resident and of the people its fields name."""

    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self.code = paper.letter_type.code
        self.defs = {f.get("name"): f for f in paper.letter_type.fields or []}
        self.resident = _from_resident(paper.resident)
        own = self.field("bin_binti")
        if own:
            self.resident["bin_binti"] = own

    def field(self, name: str) -> str:
        value = self.paper.fields.get(name)
        if value in (None, ""):
            return ""
        return field_text(self.defs.get(name), value).strip()

    def person(self, key: str) -> dict[str, str]:
        """`<row>_<key>` fields, the registry's rows for `nik_<key>` under them."""
        found = registry_person(self.paper.fields.get(f"nik_{key}"), self.code)
        base = _from_resident(found) if found is not None else {}
        typed = {
            "nama": self.field(f"nama_{key}"),
            "bin_binti": self.field(f"bin_binti_{key}"),
            "nik": self.field(f"nik_{key}"),
            "warganegara": _citizenship(self.field(f"warganegara_{key}")),
            "agama": self.field(f"agama_{key}"),
            "pekerjaan": self.field(f"pekerjaan_{key}"),
            "alamat": self.field(f"alamat_{key}"),
        }
        place, born = (
            self.field(f"tempat_lahir_{key}"),
            self.field(f"tanggal_lahir_{key}"),
        )
        typed["lahir"] = _born(place, born)
        if found is not None and (place or born) and not (place and born):
            # One half typed: the other half from the registry.
            typed["lahir"] = _born(
                place or found.birth_place,
                born or (format_date(found.birth_date) if found.birth_date else ""),
            )
        merged = {k: v for k, v in base.items() if k != "jenis_kelamin"}
        merged.update({k: v for k, v in typed.items() if v})
        if found is not None:
            merged["jenis_kelamin"] = base["jenis_kelamin"]
        return merged


# A block of the form: a sentence, or numbered rows under an optional heading.
@dataclass(frozen=True)
class Text:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Rows:
    rows: Sequence[tuple[str, str, str]]  # (number "1.", label, value)
    heading: str = ""  # "I.", "A. CALON SUAMI"


def person_rows(
    values: dict[str, str], keys: Sequence[str], bin_label: str = "Bin/Binti"
) -> list[tuple[str, str, str]]:
    out = []
    for n, key in enumerate(keys, 1):
        label = bin_label if key == "bin_binti" else LABELS[key]
        out.append((f"{n}.", label, values.get(key, "")))
    return out


def _bin(sex: str | None) -> str:
    return {"L": "Bin", "P": "Binti"}.get(sex or "", "Bin/Binti")


def _spouse_bin(sex: str | None) -> str:
    """The bin/binti label of the resident's spouse (the other sex)."""
    return _bin({"L": "P", "P": "L"}.get(sex or "", ""))


# ------------------------------------------------------------------ the drawing


class _Form:
    """The numbered-rows layout every N form shares."""

    def __init__(self, paper: Paper, model: str, title: str) -> None:
        self.paper, self.model, self.title = paper, model, title
        self.buf = io.BytesIO()
        village = paper.village
        number = "" if paper.draft or not paper.number else f" {paper.number}"
        self.c = new_canvas(
            self.buf,
            A4,
            self._footer,
            title=f"{title}{number}",
            author=f"Pemerintah {village.title}",
            subject=f"{village.title}, Kecamatan {village.district}, {village.regency}",
        )
        self.y = TOP
        self._start()

    def _footer(self, c: Canvas, number: int, total: int) -> None:
        page_number(c, number, total, 8 * mm, PAGE_W, only_if_many=True)

    def _start(self) -> None:
        if self.paper.draft:
            draw_watermark(self.c, A4)
        c = self.c
        c.setFont(SERIF_BOLD, 10)
        text = f"Model {self.model}"
        c.drawRightString(RIGHT, TOP - 9, text)
        width = stringWidth(text, SERIF_BOLD, 10)
        c.setLineWidth(0.6)
        c.rect(RIGHT - width - 4, TOP - 13, width + 8, 15)
        self.y = TOP

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.c.showPage()
            self._start()
            self.y = TOP - 24

    def heading(self) -> None:
        c, v = self.c, self.paper.village
        lines = [
            ("KANTOR DESA/KELURAHAN", v.name),
            ("KECAMATAN", v.district),
            ("KABUPATEN/KOTA", v.regency),
        ]
        y = TOP - 6
        for label, value in lines:
            y -= LEADING
            c.setFont(SERIF, SIZE)
            c.drawString(LEFT, y, label)
            c.drawString(LEFT + 54 * mm, y, ":")
            c.setFont(SERIF_BOLD, SIZE)
            c.drawString(LEFT + 57 * mm, y, pdf_text((value or "").upper()))
        y -= 2.2 * LEADING
        c.setFont(SERIF_BOLD, 13)
        title = pdf_text(self.title.upper())
        c.drawCentredString(PAGE_W / 2, y, title)
        width = stringWidth(title, SERIF_BOLD, 13)
        underline(c, PAGE_W / 2 - width / 2, y - 2.5, width, 0.8)
        y -= LEADING + 2
        c.setFont(SERIF, SIZE)
        number = (
            "Nomor: .................................... (DRAF)"
            if self.paper.draft or not self.paper.number
            else f"Nomor: {self.paper.number}"
        )
        c.drawCentredString(PAGE_W / 2, y, pdf_text(number))
        self.y = y - 1.6 * LEADING

    def text(self, block: Text) -> None:
        font = SERIF_BOLD if block.bold else SERIF
        lines = wrap(pdf_text(block.text), font, SIZE, RIGHT - LEFT)
        self.need(len(lines) * LEADING + 4)
        self.c.setFont(font, SIZE)
        for line in lines:
            self.y -= LEADING
            self.c.drawString(LEFT, self.y, line)
        self.y -= 4

    def rows(self, block: Rows) -> None:
        c = self.c
        x_no = LEFT + (7 * mm if block.heading else 0)
        x_label = x_no + NO_W
        x_colon = LEFT + LABEL_W + 16 * mm
        x_value = x_colon + 3 * mm
        room = RIGHT - x_value
        if block.heading:
            self.need(2 * LEADING)
            self.y -= LEADING
            c.setFont(SERIF_BOLD, SIZE)
            c.drawString(LEFT, self.y, pdf_text(block.heading))
            self.y += LEADING  # the first row shares its line when it is a numeral
            if " " in block.heading:  # "A. CALON SUAMI": the rows start under it
                self.y -= LEADING
        for no, label, value in block.rows:
            text = pdf_text(value) if value else DOTS
            lines = wrap(text, SERIF_BOLD, SIZE, room) or [DOTS]
            label_lines = wrap(pdf_text(label), SERIF, SIZE, x_colon - x_label - 2)
            height = max(len(lines), len(label_lines)) * LEADING
            self.need(height)
            y = self.y - LEADING
            c.setFont(SERIF, SIZE)
            if no:
                c.drawString(x_no, y, no)
            for i, line in enumerate(label_lines):
                c.drawString(x_label, y - i * LEADING, line)
            if value is not None:
                c.drawString(x_colon, y, ":")
                font = SERIF_BOLD if value else SERIF
                for i, line in enumerate(lines):
                    size = fit_size(line, font, SIZE, room, 8)
                    c.setFont(font, size)
                    c.drawString(x_value, y - i * LEADING, line)
            self.y -= height
        self.y -= 6

    def _signature(
        self, centre: float, top: float, lines: Sequence[str], name: str
    ) -> float:
        c = self.c
        y = top
        c.setFont(SERIF, SIZE)
        for line in lines:
            y -= LEADING
            c.drawCentredString(centre, y, pdf_text(line))
        y -= SIGN_SPACE
        text = pdf_text(name or "(....................................)")
        size = fit_size(text, SERIF_BOLD, SIZE, 72 * mm, 8)
        c.setFont(SERIF_BOLD, size)
        c.drawCentredString(centre, y, text)
        width = stringWidth(text, SERIF_BOLD, size)
        underline(c, centre - width / 2, y - 2, width, 0.6)
        return y - 4

    def finish(self, parties: Sequence[tuple[str, str]] = (), known: str = "") -> bytes:
        """The QR at the left; at its right the parties' signatures side by side
        (N3, N5), under them the place and date and the head's signature."""
        paper = self.paper
        title_lines = [line for line in (paper.signer_title or "").split("\n") if line]
        lines = [
            f"{paper.village.name}, {format_date(paper.on)}",
            *([known] if known else []),
            *[
                f"{line}," if i == len(title_lines) - 1 else line
                for i, line in enumerate(title_lines)
            ],
        ]
        party_h = (LEADING + SIGN_SPACE + 10) if parties else 0
        sign_h = party_h + len(lines) * LEADING + SIGN_SPACE + 8
        qr = not paper.draft and bool(paper.qr_url)
        qr_h = qr_block_height(paper.qr_url) if qr else 0
        self.need(max(sign_h, qr_h) + 8)
        top = self.y - 8
        if parties:
            x0 = LEFT + 50 * mm
            width = (RIGHT - x0) / len(parties)
            for i, (role, name) in enumerate(parties):
                self._signature(x0 + width * (i + 0.5), top, [role], name)
        self._signature(RIGHT - 40 * mm, top - party_h, lines, paper.signer_name)
        if qr:
            draw_qr_block(self.c, paper.qr_url, LEFT, top)
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def draw_form(
    paper: Paper,
    model: str,
    title: str,
    blocks: Sequence[Text | Rows],
    parties: Sequence[tuple[str, str]] = (),
    known: str = "",
) -> bytes:
    """One N form: heading, title and number, the blocks, signatures, QR."""
    form = _Form(paper, model, title)
    form.heading()
    for block in blocks:
        if isinstance(block, Text):
            form.text(block)
        else:
            form.rows(block)
    return form.finish(parties, known)


def _title(paper: Paper, fallback: str) -> str:
    return (getattr(paper.letter_type, "title", None) or fallback).strip()


# ------------------------------------------------------------------ the forms


def _marital(paper: Paper, values: _Values) -> tuple[str, str]:
    """N1 row 9: (a. laki-laki, b. perempuan) — the one that applies filled."""
    r = paper.resident
    typed = values.field("status_perkawinan_rinci")
    wife_no = values.field("istri_ke")
    status = (r.marital_status or "").upper()
    if r.sex == "L":
        word = typed or {
            "BELUM KAWIN": "Jejaka",
            "CERAI HIDUP": "Duda",
            "CERAI MATI": "Duda",
            "KAWIN": "Beristri",
        }.get(status, "")
        if wife_no and "ke" not in word.lower():
            word = f"{word or 'Beristri'}, istri ke-{wife_no}"
        return word, "-"
    word = typed or {
        "BELUM KAWIN": "Perawan",
        "CERAI HIDUP": "Janda",
        "CERAI MATI": "Janda",
    }.get(status, "")
    return "-", word


@layout("N1")
def n1(paper: Paper) -> bytes:
    """N1 Surat Keterangan Untuk Nikah."""
    values = _Values(paper)
    me = values.resident
    man, woman = _marital(paper, values)
    rows = [
        ("1.", "Nama lengkap dan alias", me["nama"]),
        ("2.", "Jenis kelamin", me["jenis_kelamin"]),
        ("3.", "Tempat dan tanggal lahir", me["lahir"]),
        ("4.", "Warganegara", me["warganegara"]),
        ("5.", "Agama", me["agama"]),
        ("6.", "Pekerjaan", me["pekerjaan"]),
        ("7.", "Tempat tinggal", me["alamat"]),
        ("8.", "Bin/Binti", me["bin_binti"]),
        ("9.", "Status perkawinan", None),
        ("", "a. Laki-laki: jejaka, duda, atau beristri ke-", man),
        ("", "b. Perempuan: perawan atau janda", woman),
        (
            "10.",
            "Nama istri/suami terdahulu",
            values.field("nama_pasangan_terdahulu") or "-",
        ),
    ]
    blocks = [Text(OPENING), Rows(rows), Text(CLOSING)]
    return draw_form(paper, "N1", _title(paper, "Surat Keterangan Untuk Nikah"), blocks)


@layout("N2")
def n2(paper: Paper) -> bytes:
    """N2 Surat Keterangan Asal-Usul: the bride or groom, then the father and mother."""
    values = _Values(paper)
    child = values.resident
    blocks = [
        Text(OPENING),
        Rows(person_rows(child, FULL, _bin(paper.resident.sex)), "I."),
        Text("adalah benar anak kandung dari pernikahan seorang pria:"),
        Rows(person_rows(values.person("ayah"), FULL, "Bin"), "II."),
        Text("dengan seorang wanita:"),
        Rows(person_rows(values.person("ibu"), FULL, "Binti"), "III."),
        Text(CLOSING),
    ]
    return draw_form(paper, "N2", _title(paper, "Surat Keterangan Asal-Usul"), blocks)


@layout("N3")
def n3(paper: Paper) -> bytes:
    """N3 Surat Persetujuan Mempelai: the groom and the bride agree to marry."""
    values = _Values(paper)
    me, other = values.resident, values.person("calon")
    if paper.resident.sex == "P":
        groom, bride = other, me
    else:
        groom, bride = me, other
    blocks = [
        Text("Yang bertanda tangan di bawah ini:"),
        Rows(person_rows(groom, FULL, "Bin"), "A. CALON SUAMI"),
        Rows(person_rows(bride, FULL, "Binti"), "B. CALON ISTRI"),
        Text(
            "Menyatakan dengan sesungguhnya bahwa atas dasar sukarela, dengan "
            "kesadaran sendiri, tanpa paksaan dari siapa pun juga, setuju untuk "
            "melangsungkan pernikahan."
        ),
        Text("Demikianlah surat persetujuan ini dibuat untuk digunakan seperlunya."),
    ]
    parties = [
        ("Calon Suami,", groom.get("nama", "")),
        ("Calon Istri,", bride.get("nama", "")),
    ]
    return draw_form(
        paper,
        "N3",
        _title(paper, "Surat Persetujuan Mempelai"),
        blocks,
        parties,
        known="Mengetahui,",
    )


@layout("N4")
def n4(paper: Paper) -> bytes:
    """N4 Surat Keterangan tentang Orang Tua: the father and mother of the bride/groom."""
    values = _Values(paper)
    blocks = [
        Text(OPENING),
        Rows(person_rows(values.person("ayah"), FULL, "Bin"), "I."),
        Rows(person_rows(values.person("ibu"), FULL, "Binti"), "II."),
        Text("adalah benar ayah kandung dan ibu kandung dari seorang:"),
        Rows(person_rows(values.resident, FULL, _bin(paper.resident.sex)), "III."),
        Text(CLOSING),
    ]
    return draw_form(
        paper, "N4", _title(paper, "Surat Keterangan tentang Orang Tua"), blocks
    )


# N5 (KMA 477/2004) has no NIK rows: four people on one page.
N5_ROWS = tuple(key for key in FULL if key != "nik")


@layout("N5")
def n5(paper: Paper) -> bytes:
    """N5 Surat Izin Orang Tua (a bride or groom under 21)."""
    values = _Values(paper)
    father, mother = values.person("ayah"), values.person("ibu")
    other = values.person("calon")
    other_bin = _spouse_bin(paper.resident.sex)
    blocks = [
        Text("Yang bertanda tangan di bawah ini:"),
        Rows(person_rows(father, N5_ROWS, "Bin"), "A."),
        Rows(person_rows(mother, N5_ROWS, "Binti"), "B."),
        Text("adalah ayah dan ibu kandung dari:"),
        Rows(person_rows(values.resident, N5_ROWS, _bin(paper.resident.sex)), "C."),
        Text("memberikan izin kepada anak kami untuk melakukan pernikahan dengan:"),
        Rows(person_rows(other, N5_ROWS, other_bin), "D."),
        Text(
            "Demikianlah surat izin ini dibuat dengan kesadaran tanpa ada paksaan dari "
            "siapa pun dan untuk digunakan seperlunya."
        ),
    ]
    parties = [("Ayah,", father.get("nama", "")), ("Ibu,", mother.get("nama", ""))]
    return draw_form(
        paper,
        "N5",
        _title(paper, "Surat Izin Orang Tua"),
        blocks,
        parties,
        known="Mengetahui,",
    )


@layout("N6")
def n6(paper: Paper) -> bytes:
    """N6 Surat Keterangan Kematian Suami/Istri, for the surviving spouse."""
    values = _Values(paper)
    dead = values.person("almarhum")
    dead_bin = _spouse_bin(paper.resident.sex)
    when = values.field("tanggal_meninggal") or "...................."
    where = values.field("tempat_meninggal") or "...................."
    blocks = [
        Text(OPENING),
        Rows(person_rows(dead, FULL, dead_bin), "I."),
        Text(f"telah meninggal dunia pada tanggal {when} di {where}."),
        Text(
            "Yang bersangkutan adalah "
            + (
                "suami"
                if paper.resident.sex == "P"
                else "istri"
                if paper.resident.sex == "L"
                else "suami/istri"
            )
            + " dari:"
        ),
        Rows(person_rows(values.resident, FULL, _bin(paper.resident.sex)), "II."),
        Text(CLOSING),
    ]
    return draw_form(
        paper, "N6", _title(paper, "Surat Keterangan Kematian Suami/Istri"), blocks
    )


KUA_FORMS: dict[str, Callable[[Paper], bytes]] = {
    "N1": n1,
    "N2": n2,
    "N3": n3,
    "N4": n4,
    "N5": n5,
    "N6": n6,
}
