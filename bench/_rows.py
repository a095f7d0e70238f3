"""Resident rows as a village's file holds them: the import's columns, as text."""

from __future__ import annotations

import csv
from pathlib import Path

from desa.residents.importer.columns import IMPORT_COLUMNS

# The import's own columns, less those a village file rarely carries (and the
# demo's rows do not have): citizenship, life status, parents, blood group and
# marriage date.
RARE = (
    "citizenship",
    "life_status",
    "father_name",
    "mother_name",
    "blood_type",
    "marriage_date",
)
COLUMNS = [c for c in IMPORT_COLUMNS if c not in RARE]


def cells(rows: list[dict]):
    """Each row's cells in COLUMNS order, dates as DD-MM-YYYY."""
    for r in rows:
        yield [
            r["birth_date"].strftime("%d-%m-%Y")
            if c == "birth_date"
            else ("" if r[c] is None else str(r[c]))
            for c in COLUMNS
        ]


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerows(cells(rows))
