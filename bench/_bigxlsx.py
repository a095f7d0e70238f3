"""A cheap streaming XLSX writer for very large files (a million rows in seconds).

Used by bench/million.py and by the import-limit tests (tests/residents), so it
depends on nothing but the standard library.

openpyxl would need minutes and gigabytes to write a million rows; this writes the
few parts a spreadsheet needs straight into the zip, one row at a time. Text goes
in as inline strings, or into a shared-strings table when `shared_strings` is set
(the form Excel itself writes, and the one a reader has to hold in memory).
`dimension=False` leaves out the `<dimension>` a reader could trust for the row
count, as a hostile file would.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    _XML
    + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_OOXML}.worksheet+xml"/>'
    "{shared}</Types>"
)
_SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    f'ContentType="{_OOXML}.sharedStrings+xml"/>'
)
_RELS = (
    f'{_XML}<Relationships xmlns="{_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    _XML
    + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_DOC_RELS}">'
    '<sheets><sheet name="Penduduk" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    "{shared}</Relationships>"
)
_SHARED_REL = (
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/sharedStrings" '
    'Target="sharedStrings.xml"/>'
)
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    row_count: int | None = None,
    dimension: bool = True,
    shared_strings: bool = False,
) -> Path:
    """Writes `header` then `rows` (text cells) to `path` as a one-sheet XLSX.

    `row_count` (data rows) is needed for an honest `<dimension>`.
    """
    if dimension and row_count is None:
        raise ValueError("an honest dimension needs row_count")
    shared: dict[str, int] = {}
    letters = [_column_letters(i) for i in range(len(header))]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        shared_type = _SHARED_TYPE if shared_strings else ""
        zf.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.replace("{shared}", shared_type)
        )
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        shared_rel = _SHARED_REL if shared_strings else ""
        zf.writestr(
            "xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.replace("{shared}", shared_rel)
        )
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw:
            out: list[str] = [
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="{_MAIN_NS}">'
            ]
            if dimension:
                out.append(f'<dimension ref="A1:{letters[-1]}{row_count + 1}"/>')
            out.append("<sheetData>")

            def cell(ref: str, text: str) -> str:
                if not text:
                    return ""
                if shared_strings:
                    index = shared.setdefault(text, len(shared))
                    return f'<c r="{ref}" t="s"><v>{index}</v></c>'
                return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'

            out.append('<row r="1">')
            out.extend(
                cell(f"{letter}1", v)
                for letter, v in zip(letters, header, strict=False)
            )
            out.append("</row>")
            for number, values in enumerate(rows, 2):
                out.append(f'<row r="{number}">')
                out.extend(
                    cell(f"{letters[i]}{number}", v) for i, v in enumerate(values)
                )
                out.append("</row>")
                if len(out) > 20_000:
                    raw.write("".join(out).encode())
                    out = []
            out.append("</sheetData></worksheet>")
            raw.write("".join(out).encode())
        if shared_strings:
            with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as raw:
                raw.write(
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    f'<sst xmlns="{_MAIN_NS}" count="{len(shared)}" '
                    f'uniqueCount="{len(shared)}">'.encode()
                )
                batch: list[str] = []
                for text in shared:
                    batch.append(f"<si><t>{escape(text)}</t></si>")
                    if len(batch) > 20_000:
                        raw.write("".join(batch).encode())
                        batch = []
                raw.write(("".join(batch) + "</sst>").encode())
    return path
