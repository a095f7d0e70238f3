"""A book as a table: its columns (with the regulation's groups and numbering)
and its rows of plain values, shared by the PDF and the XLSX."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column: its heading, its group heading (two-level headings), width."""

    label: str
    width_mm: float
    group: str | None = None
    kind: str = "text"  # text, date, int
    align: str = "left"  # left, centre, right


@dataclass(frozen=True)
class Sign:
    """The closing block: `Merubung, 23 November 2026`, position, name."""

    place_date: str
    position: str
    name: str


@dataclass
class Book:
    """What a printed book shows; `rows` are tuples in `columns` order."""

    key: str
    code: str  # "B.1"
    title: str  # "BUKU INDUK PENDUDUK"
    period_label: str  # "BULAN NOVEMBER TAHUN 2026"
    place: str  # "DESA MERUBUNG KECAMATAN TEKARANG KABUPATEN SAMBAS"
    columns: Sequence[Column]
    rows: Sequence[tuple[Any, ...]]
    sign: Sign | None = None
    # Rows drawn bold (a JUMLAH line), by index.
    bold_rows: frozenset[int] = frozenset()
    font_size: float = 6.5

    @property
    def numbers(self) -> list[int]:
        return list(range(1, len(self.columns) + 1))


def header_bands(columns: Sequence[Column]) -> list[tuple[str | None, int, int]]:
    """(group label or None, first index, last index) runs of the top heading row."""
    bands: list[tuple[str | None, int, int]] = []
    for i, col in enumerate(columns):
        if col.group is not None and bands and bands[-1][0] == col.group:
            bands[-1] = (col.group, bands[-1][1], i)
        else:
            bands.append((col.group, i, i))
    return bands


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date)
