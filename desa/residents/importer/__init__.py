"""Resident import and export: CSV/XLSX files in our or Disdukcapil's shape (CONTRACT §5).

The import is built for a whole village register in one go (hundreds of thousands
of rows): rows are read as a stream, every cell goes through the shared parsers of
`fields.py` (with a per-column cache of the parsed values, since most columns hold
few distinct values), every NIK through `check_nik`, and the accepted rows reach
the database in chunks, never as ORM objects: through Core `executemany`, or on
PostgreSQL through `COPY` (writing.py). Nothing is committed here: the caller
commits once, so the accepted rows land in one transaction, and a crash leaves the
database as it was.

Documented in docs/file-formats.md.
"""

from desa.residents.importer.columns import (
    ALIASES,
    IMPORT_COLUMNS,
    MAX_FILE_BYTES,
    ImportFileError,
)
from desa.residents.importer.exporting import (
    ImportPreview,
    export_residents,
    preview,
    record_export,
)
from desa.residents.importer.reading import Table, read_table
from desa.residents.importer.running import ImportResult, run_import

__all__ = [
    "ALIASES",
    "IMPORT_COLUMNS",
    "ImportFileError",
    "ImportPreview",
    "ImportResult",
    "MAX_FILE_BYTES",
    "Table",
    "export_residents",
    "record_export",
    "preview",
    "read_table",
    "run_import",
]
