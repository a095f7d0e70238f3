"""QR codes as vector shapes: the module matrix, a PDF drawing, an SVG.

Letters carry their verify URL in one, appointment tickets their code.

The `qrcode` library encodes the data (error correction M, quiet zone of 4 modules),
a trailing run of digits in numeric mode (`segments`).
Choosing the mask is done here: qrcode lays out and scores each of the eight masks in
pure Python (about 20 ms for a verify URL), which alone would eat most of the budget
for issuing a letter. The data bits are laid out once; every mask is then a few
integer operations per row, and the ISO 18004 penalty rules run on bit rows and
strings (about 3 ms in all).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import NamedTuple

from qrcode import QRCode, util
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

BORDER = 4
_SAME_RUN = re.compile(r"00000+|11111+")
_DARK_RUN = re.compile(r"1+")
_DIGIT_TAIL = re.compile(r"[0-9]{24,}\Z")  # shorter runs gain less than a segment costs
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")  # a row of bools as binary digits


class _Mask(NamedTuple):
    """Function patterns (with this mask's format bits) and the modules it inverts."""

    fixed: tuple[int, ...]
    flips: tuple[int, ...]
    fixed_cols: tuple[int, ...]
    flips_cols: tuple[int, ...]


@lru_cache(maxsize=16)
def _layout(version: int) -> tuple[int, tuple[int, ...], tuple[_Mask, ...]]:
    """One version's data area and, for each of the eight masks, its fixed parts.

    Rows (and columns) are integers whose most significant of `n` bits is module 0.
    """
    n = version * 4 + 17
    q = QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0)
    q.modules_count = n
    q.modules = [[None] * n for _ in range(n)]
    q.setup_position_probe_pattern(0, 0)
    q.setup_position_probe_pattern(n - 7, 0)
    q.setup_position_probe_pattern(0, n - 7)
    q.setup_position_adjust_pattern()
    q.setup_timing_pattern()
    blank = [row[:] for row in q.modules]
    masks = []
    data_area: tuple[int, ...] = ()
    for k in range(8):
        q.modules = [row[:] for row in blank]
        q.setup_type_info(False, k)
        if version >= 7:
            q.setup_type_number(False)
        if not data_area:
            data_area = tuple(_bits(v is None for v in row) for row in q.modules)
        inverts = util.mask_func(k)
        fixed = tuple(_bits(bool(v) for v in row) for row in q.modules)
        flips = tuple(
            _bits(inverts(r, c) for c in range(n)) & data_area[r] for r in range(n)
        )
        masks.append(_Mask(fixed, flips, _transpose(fixed, n), _transpose(flips, n)))
    return n, data_area, tuple(masks)


def _bits(values) -> int:
    return int("".join("1" if v else "0" for v in values), 2)


def _transpose(rows, n: int) -> tuple[int, ...]:
    lines = [format(v, f"0{n}b") for v in rows]
    return tuple(int("".join(col), 2) for col in zip(*lines, strict=True))


def _penalty(rows: list[int], cols: list[int], n: int) -> int:
    """The ISO 18004 mask penalty (rules N1–N4) of one masked symbol."""
    lines = [format(v, f"0{n}b") for v in rows + cols]
    runs = _SAME_RUN.findall("|".join(lines))
    score = sum(map(len, runs)) - 2 * len(runs)  # 3 for a run of five, +1 for each more
    # 1:1:3:1:1 dark-light-dark-light-dark beside four light modules. Neither pattern
    # can overlap itself, so str.count finds them all; the quiet zone counts as light.
    padded = "0000" + "0000|0000".join(lines) + "0000"
    score += 40 * (padded.count("10111010000") + padded.count("00001011101"))
    pairs = (1 << (n - 1)) - 1
    for a, b in zip(rows, rows[1:], strict=False):
        same = ~(a ^ b) & ~(a ^ (a >> 1)) & ~(b ^ (b >> 1)) & pairs
        score += 3 * same.bit_count()
    dark = sum(v.bit_count() for v in rows)
    return score + 10 * int(abs(dark * 100 / (n * n) - 50) // 5)


def segments(data: str) -> list[util.QRData]:
    """The text as QR segments: a long run of digits at its end in numeric mode.

    A letter's verify URL ends in its token written as digits (3.3 bits each in
    numeric mode, against 8 in byte mode); the address before it stays in byte
    mode, exactly as typed, so the scanned text is the URL itself.
    """
    match = _DIGIT_TAIL.search(data)
    if match is None or match.start() == 0:
        return [util.QRData(data)]  # the most compact single mode, as qrcode picks
    head, tail = data[: match.start()], match.group()
    return [
        util.QRData(head.encode("utf-8"), mode=util.MODE_8BIT_BYTE),
        util.QRData(tail, mode=util.MODE_NUMBER),
    ]


def _data_bits(chunk: util.QRData) -> int:
    n = len(chunk)
    if chunk.mode == util.MODE_NUMBER:
        return 10 * (n // 3) + (0, 4, 7)[n % 3]
    if chunk.mode == util.MODE_ALPHA_NUM:
        return 11 * (n // 2) + 6 * (n % 2)
    return 8 * n


def _fit(q: QRCode) -> None:
    """qrcode's best_fit without writing the data out bit by bit to count it."""
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECT_M]
    for version in range(1, 41):
        needed = sum(
            4 + util.length_in_bits(chunk.mode, version) + _data_bits(chunk)
            for chunk in q.data_list
        )
        if needed <= limits[version]:
            q.version = version
            return
    raise DataOverflowError()


def _masked(data: str, mask: int | None) -> tuple[str, ...]:
    q = QRCode(error_correction=ERROR_CORRECT_M, border=0)
    for chunk in segments(data):
        q.add_data(chunk, optimize=0)
    _fit(q)
    q.makeImpl(False, 0)  # qrcode lays the data out once, under mask 0
    n, data_area, masks = _layout(q.version)
    unmask = masks[0].flips
    plain = [
        (int(bytes(row).translate(_DIGITS), 2) ^ unmask[r]) & data_area[r]
        for r, row in enumerate(q.modules)
    ]
    plain_cols = _transpose(plain, n)
    best: list[int] = []
    best_score = -1
    for k in range(8) if mask is None else (mask,):
        m = masks[k]
        rows = [f | (p ^ x) for f, p, x in zip(m.fixed, plain, m.flips, strict=True)]
        if mask is None:
            cols = [
                f | (p ^ x)
                for f, p, x in zip(m.fixed_cols, plain_cols, m.flips_cols, strict=True)
            ]
            score = _penalty(rows, cols, n)
        else:
            score = 0
        if best_score < 0 or score < best_score:
            best, best_score = rows, score
    return tuple(format(v, f"0{n}b") for v in best)


@lru_cache(maxsize=32)
def qr_rows(data: str, mask: int | None = None) -> tuple[str, ...]:
    """The symbol with its quiet zone as rows of "0" (light) and "1" (dark).

    `mask` forces one of the eight masks (tests); by default the one with the
    lowest ISO penalty is used.
    """
    edge = "0" * BORDER
    rows = [f"{edge}{row}{edge}" for row in _masked(data, mask)]
    blank = "0" * len(rows[0])
    return (blank,) * BORDER + tuple(rows) + (blank,) * BORDER


def qr_matrix(data: str) -> list[list[bool]]:
    """The module matrix, quiet zone included; True is a dark module."""
    return [[ch == "1" for ch in row] for row in qr_rows(data)]


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draws the code as filled rectangles, quiet zone included, lower-left at (x, y).

    Each horizontal run of dark modules is one rectangle and all of them make one
    path filled once: no hairline seams between modules, and in module units under
    one transformation every operand is a small integer, so the page stays small.
    """
    rows = qr_rows(data)
    module = size / len(rows)
    path = " ".join(
        f"{run.start()} {r} {run.end() - run.start()} 1 re"
        for r, row in enumerate(rows)
        for run in _DARK_RUN.finditer(row)
    )
    canvas.saveState()
    canvas.translate(x, y + size)
    canvas.scale(module, -module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(f"{path} f")
    canvas.restoreState()


def qr_svg(data: str, *, title: str | None = None) -> str:
    """The code as a standalone SVG (one path), scaling to any size without blur."""
    rows = qr_rows(data)
    n = len(rows)
    d = "".join(
        f"M{run.start()} {r}h{run.end() - run.start()}v1h-{run.end() - run.start()}z"
        for r, row in enumerate(rows)
        for run in _DARK_RUN.finditer(row)
    )
    label = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
        f'shape-rendering="crispEdges" role="img">{label}'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{d}"/></svg>'
    )
