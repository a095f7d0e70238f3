"""Column names, aliases, limits and the errors of the resident import file."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from desa.core.errors import ServiceError, ValidationError
from desa.residents.models import LifeStatus

# Our column names, in the order the export writes them.
IMPORT_COLUMNS = (
    "nik",
    "kk",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "religion",
    "marital_status",
    "family_relation",
    "occupation",
    "education",
    "address",
    "rt",
    "rw",
    "dusun",
    "ektp_status",
    "phone",
    "citizenship",
    "life_status",
    "father_name",
    "mother_name",
    "blood_type",
    "marriage_date",
)
# The Disdukcapil/SIAK names each column also answers to (CONTRACT §5).
ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("NIK",),
    "kk": ("NO_KK",),
    "name": ("NAMA_LGKP", "NAMA"),
    "sex": ("JENIS_KLMIN", "JK"),
    "birth_place": ("TMPT_LHR",),
    "birth_date": ("TGL_LHR",),
    "religion": ("AGAMA",),
    "marital_status": ("STAT_KWN", "STATUS_KAWIN"),
    "family_relation": ("STAT_HBKEL", "SHDK"),
    "occupation": ("JENIS_PKRJN", "PEKERJAAN"),
    "education": ("PDDK_AKH",),
    "address": ("ALAMAT",),
    "rt": ("NO_RT",),
    "rw": ("NO_RW",),
    "dusun": ("DUSUN",),
    "ektp_status": ("STAT_RKM", "STATUS_REKAM"),
    "phone": ("TELEPON", "NO_HP"),
    "citizenship": (),
    "life_status": (),
    "father_name": ("NAMA_LGKP_AYAH", "NAMA_AYAH"),
    "mother_name": ("NAMA_LGKP_IBU", "NAMA_IBU"),
    "blood_type": ("GOL_DARAH", "GOL_DRH"),
    "marriage_date": ("TGL_KWN",),
}
REQUIRED = ("nik", "name", "birth_date")
# The column our rejects file adds; a corrected rejects file is imported again as is.
ERROR_COLUMN = "error"

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_XLSX_MEMBERS = 10_000
# Both XLSX readers hold a workbook's whole shared-strings table in memory (openpyxl
# about five times its XML); a million real rows need about 64 MB of it.
MAX_XLSX_SHARED_STRINGS = 96 * 1024 * 1024
# python-calamine (Rust; ten times openpyxl's speed) loads the whole first sheet at
# once, as a grid of rows × columns: some 100 bytes a cell at its peak, so 8 million
# cells (400,000 rows of 20 columns) are about 800 MB. A sheet whose grid may be
# larger, or whose cells cannot all be checked to lie in it, is streamed by openpyxl
# instead: several times slower, in constant memory.
MAX_XLSX_FAST_CELLS = 8_000_000
# A preview checks 200 rows: only a sheet that loads in about a second is loaded.
MAX_XLSX_PREVIEW_CELLS = 1_000_000
# Data rows in one file: a whole regency (Sambas has about 650,000 residents).
# Past it a file is refused as a whole, before or while it is read.
MAX_IMPORT_ROWS = 1_000_000
CHUNK_SIZE = 10_000
# SQLite tuning for big imports (see _bulk_sqlite).
BULK_CACHE_KIB = -128 * 1024
BULK_MIN_ROWS = 20_000
# A parsed-value cache per column; names and phones are nearly all distinct, so a
# cap keeps a huge file from holding every one of them twice.
CACHE_LIMIT = 20_000
FIRST_ERRORS = 50
HEADER_SEARCH_ROWS = 10
CSV_FIELD_LIMIT = 1024 * 1024

_POS = {name: i for i, name in enumerate(IMPORT_COLUMNS)}
_NIK, _NAME, _SEX, _BIRTH = _POS["nik"], _POS["name"], _POS["sex"], _POS["birth_date"]
_CITIZENSHIP, _LIFE = _POS["citizenship"], _POS["life_status"]
_RW, _RT, _DUSUN = _POS["rw"], _POS["rt"], _POS["dusun"]
# What an existing resident's row may have changed by an import: everything but the
# NIK (the key) and the life status (which changes only through population events).
_UPDATABLE = tuple(n for n in IMPORT_COLUMNS if n not in ("nik", "life_status"))
_UPDATABLE_POS = tuple((n, _POS[n]) for n in _UPDATABLE)
_UPDATABLE_NAME = _UPDATABLE.index("name")
_FORMULA_START = frozenset("=+-@\t\r")
_HEADER_SEPARATORS = re.compile(r"[\s\-.]+")
_LIFE_WORDS = {
    "ACTIVE": LifeStatus.ACTIVE,
    "AKTIF": LifeStatus.ACTIVE,
    "HIDUP": LifeStatus.ACTIVE,
    "DECEASED": LifeStatus.DECEASED,
    "MENINGGAL": LifeStatus.DECEASED,
    "MATI": LifeStatus.DECEASED,
    "MOVED": LifeStatus.MOVED,
    "PINDAH": LifeStatus.MOVED,
    "MISSING": LifeStatus.MISSING,
    "HILANG": LifeStatus.MISSING,
}
Progress = Callable[[int, int], None]


class ImportFileError(ValidationError):
    """The whole file cannot be imported (unreadable, too big, required columns missing)."""

    code = "import_file"


class ImportWriteError(ServiceError):
    """The database refused the import's rows; the whole import was rolled back."""

    code = "import_write_failed"
    status = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Impor gagal saat menyimpan ke basis data; tidak ada data penduduk "
                "yang diubah. Coba impor lagi; bila terulang, hubungi admin."
            )
        )


def too_many_rows_message(limit: int) -> str:
    """The refusal of a file with more than `limit` data rows (Indonesian digits)."""
    shown = f"{limit:,}".replace(",", ".")
    return (
        f"Berkas berisi lebih dari {shown} baris data; tidak ada yang disimpan. "
        "Bagi menjadi beberapa berkas lalu impor satu per satu."
    )


class _Bad:
    """A cell's parse error (kept in the per-column cache like a good value)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_MISSING: Any = object()
