"""A population book as an A4 landscape PDF: the title, the period and the
village on every page, the regulation's headings with their numbering row,
rows that fill the page (each cell one line, cut to its column), "Halaman x
dari y", and the closing block on the last page.

Drawn with plain canvas calls (one text object per page, widths measured once
per distinct text) so that a Buku Induk of 20,000 residents takes seconds.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desa.documents.drawing import (
    SANS,
    SANS_BOLD,
    column_edges,
    new_canvas,
    page_number,
    pdf_text,
    wrap,
)
from desa.papers.book_tables import cell_text
from desa.papers.table import Book, header_bands

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 10 * mm
TOP = PAGE_H - 9 * mm
BOTTOM = 12 * mm
PAD = 1.2
SIGN_H = 78
SHRINK = 0.8


class _Fitter:
    """Text cut to a width at one font and size, with the widths kept."""

    def __init__(self, font: str, size: float):
        self.font, self.size = font, size
        self._widths: dict[str, float] = {}
        self._dots = stringWidth("…", font, size)

    def width(self, text: str) -> float:
        w = self._widths.get(text)
        if w is None:
            w = self._widths[text] = stringWidth(text, self.font, self.size)
        return w

    def fit(self, text: str, room: float) -> str:
        if self.width(text) <= room:
            return text
        # Cut by the average character width, then by measuring.
        cut = max(1, int(len(text) * room / self.width(text)))
        while cut > 1 and stringWidth(text[:cut], self.font, self.size) + 2 > room:
            cut -= 1
        return text[:cut].rstrip() + "…" if room > self._dots * 2 else text[:cut]


def render_book(book: Book) -> bytes:
    """The book's PDF bytes; the same book gives the same bytes."""
    buf = io.BytesIO()
    size = book.font_size
    row_h = size + 3.2
    widths = [c.width_mm * mm for c in book.columns]
    scale = (PAGE_W - 2 * MARGIN) / sum(widths)
    widths = [w * scale for w in widths]
    xs = column_edges(MARGIN, widths)
    title = pdf_text(f"{book.title} ({book.code})")

    def footer(c: Canvas, number: int, total: int) -> None:
        page_number(c, number, total, 6 * mm, PAGE_W, only_if_many=False)

    c = new_canvas(
        buf,
        (PAGE_W, PAGE_H),
        footer,
        title=f"{book.title} {book.period_label}",
        author=book.place,
        subject=book.code,
    )
    head_size = size + 0.2
    head_sizes = [
        _head_size(col.label, head_size, w - 2 * PAD)
        for col, w in zip(book.columns, widths, strict=True)
    ]
    head_lines = [
        [pdf_text(line) for line in wrap(col.label, SANS_BOLD, hs, w - 2 * PAD)]
        for col, w, hs in zip(book.columns, widths, head_sizes, strict=True)
    ]
    bands = header_bands(book.columns)
    # Edges inside a group run only under the group's heading.
    inner = {i for g, f, last in bands if g is not None for i in range(f + 1, last + 1)}
    group_lines = {
        first: [
            pdf_text(line)
            for line in wrap(
                group, SANS_BOLD, head_size, xs[last + 1] - xs[first] - 2 * PAD
            )
        ]
        for group, first, last in bands
        if group is not None
    }
    line_h = head_size + 1.6
    group_h = max((len(v) for v in group_lines.values()), default=0) * line_h + 3
    grouped = [c_.group is not None for c_ in book.columns]
    sub_h = (
        max(len(lines) for lines, g in zip(head_lines, grouped, strict=True) if g)
        * line_h
        + 3
        if any(grouped)
        else 0
    )
    plain_h = max(len(lines) for lines in head_lines) * line_h + 3
    heading_h = max(group_h + sub_h, plain_h)
    number_h = size + 4
    body = _Fitter(SANS, size)
    bold = _Fitter(SANS_BOLD, size)
    aligns = [col.align for col in book.columns]
    rooms = [w - 2 * PAD for w in widths]

    def page_head() -> float:
        c.setFont(SANS_BOLD, 11)
        c.drawCentredString(PAGE_W / 2, TOP - 10, title)
        c.setFont(SANS_BOLD, 9)
        c.drawCentredString(PAGE_W / 2, TOP - 22, pdf_text(book.period_label))
        c.setFont(SANS, 8.5)
        c.drawCentredString(PAGE_W / 2, TOP - 33, pdf_text(book.place))
        top = TOP - 40
        low = top - heading_h
        c.setLineWidth(0.6)
        c.rect(xs[0], low - number_h, xs[-1] - xs[0], heading_h + number_h)
        c.line(xs[0], low, xs[-1], low)
        c.setLineWidth(0.4)
        c.setFont(SANS_BOLD, head_size)
        for group, first, last in bands:
            left, right = xs[first], xs[last + 1]
            if group is None:
                for i in range(first, last + 1):
                    c.setFont(SANS_BOLD, head_sizes[i])
                    _centred_lines(c, head_lines[i], xs[i], xs[i + 1], top, low, line_h)
                continue
            c.setFont(SANS_BOLD, head_size)
            split = top - (heading_h - sub_h if sub_h else group_h)
            _centred_lines(c, group_lines[first], left, right, top, split, line_h)
            c.line(left, split, right, split)
            for i in range(first, last + 1):
                c.setFont(SANS_BOLD, head_sizes[i])
                _centred_lines(c, head_lines[i], xs[i], xs[i + 1], split, low, line_h)
                if i > first:
                    c.line(xs[i], split, xs[i], low)
        for edge in range(1, len(xs) - 1):
            if edge not in inner:
                c.line(xs[edge], top, xs[edge], low)
        c.setFont(SANS, size - 0.5)
        for i, number in enumerate(book.numbers):
            c.drawCentredString(
                (xs[i] + xs[i + 1]) / 2, low - number_h + 2.8, str(number)
            )
        for x in xs[1:-1]:
            c.line(x, low, x, low - number_h)
        return low - number_h

    rows = book.rows
    per_first = None
    i = 0
    total = len(rows)
    while True:
        y = page_head()
        capacity = int((y - BOTTOM) // row_h)
        if per_first is None:
            per_first = capacity
        count = min(capacity, total - i)
        if count > 0:
            t = c.beginText()
            current = None
            for n in range(count):
                index = i + n
                fitter = bold if index in book.bold_rows else body
                if fitter is not current:
                    t.setFont(fitter.font, size)
                    current = fitter
                base = y - (n + 1) * row_h + 2.6
                for col, value in enumerate(rows[index]):
                    text = cell_text(value)
                    if not text:
                        continue
                    if not text.isascii():
                        text = pdf_text(text)
                    room = rooms[col]
                    small = None
                    if fitter.width(text) > room:
                        if fitter.width(text) * SHRINK <= room:
                            small = (
                                size * SHRINK
                            )  # a NIK shrinks rather than lose digits
                        else:
                            text = fitter.fit(text, room)
                    align = aligns[col]
                    if align == "left":
                        x = xs[col] + PAD
                    elif align == "right":
                        x = xs[col + 1] - PAD - fitter.width(text)
                    else:
                        x = (xs[col] + xs[col + 1] - fitter.width(text)) / 2
                    if small is not None:
                        x = (
                            xs[col] + PAD
                            if align == "left"
                            else (xs[col + 1] - PAD - fitter.width(text) * SHRINK)
                        )
                        t.setFont(fitter.font, small)
                        t.setTextOrigin(x, base)
                        t.textOut(text)
                        t.setFont(fitter.font, size)
                        continue
                    t.setTextOrigin(x, base)
                    t.textOut(text)
            c.drawText(t)
            low = y - count * row_h
            c.setLineWidth(0.25)
            path = c.beginPath()
            for n in range(1, count + 1):
                yy = y - n * row_h
                path.moveTo(xs[0], yy)
                path.lineTo(xs[-1], yy)
            for x in xs:
                path.moveTo(x, y)
                path.lineTo(x, low)
            c.drawPath(path, stroke=1, fill=0)
            y = low
        i += count
        if i >= total:
            break
        c.showPage()
    if total == 0:
        c.setFont(SANS, 8)
        c.drawCentredString(PAGE_W / 2, y - 12, "Tidak ada data pada periode ini.")
        y -= 18
    if book.sign is not None:
        if y - BOTTOM < SIGN_H:
            c.showPage()
            y = page_head()
        _sign(c, book, y)
    c.showPage()
    c.save()
    return buf.getvalue()


def _head_size(label: str, size: float, room: float) -> float:
    """A heading's size: smaller until its longest word fits (not below 4.5)."""
    longest = max((stringWidth(w, SANS_BOLD, size) for w in label.split()), default=0)
    if longest <= room:
        return size
    return max(4.5, size * room / longest)


def _centred_lines(
    c: Canvas,
    lines: list[str],
    left: float,
    right: float,
    top: float,
    low: float,
    line_h: float,
) -> None:
    """Heading lines centred in a cell, vertically too."""
    block = len(lines) * line_h
    y = (top + low) / 2 + block / 2 - line_h + 2
    for line in lines:
        c.drawCentredString((left + right) / 2, y, line)
        y -= line_h


def _sign(c: Canvas, book: Book, y: float) -> None:
    """Place and date, position, the space to sign, the name: on the right."""
    sign = book.sign
    x = PAGE_W - MARGIN - 55 * mm
    c.setFont(SANS, 9)
    c.drawCentredString(x, y - 16, pdf_text(sign.place_date))
    c.drawCentredString(x, y - 28, pdf_text(sign.position))
    c.setFont(SANS_BOLD, 9)
    name = pdf_text(sign.name) if sign.name else "(" + "." * 40 + ")"
    c.drawCentredString(x, y - 72, name)
    if sign.name:
        w = stringWidth(name, SANS_BOLD, 9)
        c.setLineWidth(0.5)
        c.line(x - w / 2, y - 73.5, x + w / 2, y - 73.5)
