"""Checking one row: every cell through the shared field parsers, cached per column."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from desa.residents import fields
from desa.residents.importer.columns import (
    _BIRTH,
    _FORMULA_START,
    _LIFE_WORDS,
    _MISSING,
    _NIK,
    _POS,
    _SEX,
    CACHE_LIMIT,
    IMPORT_COLUMNS,
    REQUIRED,
    _Bad,
)
from desa.residents.importer.reading import (
    Table,
)
from desa.residents.models import LIFE_STATUSES
from desa.residents.nik import check_nik
from desa.residents.registry import (
    parse_field,
)


def _life_status(value: Any) -> str:
    s = fields.text(value, limit=20, upper=True) or ""
    try:
        return _LIFE_WORDS[s]
    except KeyError:
        raise fields.FieldError(
            "Status hidup harus AKTIF, MENINGGAL, PINDAH atau HILANG ("
            + ", ".join(LIFE_STATUSES)
            + ")."
        ) from None


def _parsers(today: dt.date) -> dict[str, Callable[[Any], Any]]:
    """Field → parser of one non-empty cell: the shared ones of fields/registry."""
    parsers: dict[str, Callable[[Any], Any]] = {
        name: (lambda value, name=name: parse_field(name, value, today))
        for name in IMPORT_COLUMNS
        if name != "nik"
    }
    parsers.update(
        name=fields.name,
        sex=fields.sex,
        kk=fields.kk,
        religion=fields.religion,
        marital_status=fields.marital_status,
        ektp_status=fields.ektp_status,
        phone=fields.phone,
        rt=lambda value: fields.rt_rw(value, "RT"),
        rw=lambda value: fields.rt_rw(value, "RW"),
        birth_date=lambda value: fields.birth_date(value, today=today),
        life_status=_life_status,
    )
    return parsers


_NUL_MESSAGE = (
    "Berisi karakter NUL (kode 0) yang tidak boleh disimpan; hapus karakter itu "
    "dari sel."
)


def _joined(errors: list[str]) -> str:
    """One row's errors in one cell: `TGL_LHR: …; JK: …`."""
    return "; ".join(e.rstrip(".") for e in errors) + "."


def _unescape(value: str) -> str:
    """Undoes the quote our exports put before formula-looking text."""
    if value[:1] == "'" and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


class _Checker:
    """Validates rows of one table: a cached parser per column, then check_nik."""

    def __init__(self, table: Table, today: dt.date, village_code: str | None) -> None:
        parsers = _parsers(today)
        self.today = today
        self.village_code = village_code
        self.blank: list[Any] = [None] * len(IMPORT_COLUMNS)
        self.min_cells = max(table.mapping) + 1
        self.nik_index = next(i for i, n in table.mapping.items() if n == "nik")
        self.nik_label = table.header[self.nik_index]
        self.sex_label = next(
            (table.header[i] for i, n in table.mapping.items() if n == "sex"), None
        )
        # (cell index, position in our row, cache.get, cache miss handler)
        self.specs: list[tuple[int, int, Callable[..., Any], Callable[[Any], Any]]] = []
        for index, name in sorted(table.mapping.items()):
            if name == "nik":
                continue
            cache: dict[Any, Any] = {}
            miss = self._miss_handler(name, table.header[index], parsers[name], cache)
            self.specs.append((index, _POS[name], cache.get, miss))
        self._warning_json: dict[tuple[str, ...], str] = {(): "[]"}

    @staticmethod
    def _miss_handler(
        name: str, label: str, parse: Callable[[Any], Any], cache: dict[Any, Any]
    ) -> Callable[[Any], Any]:
        required = name in REQUIRED
        numeric_text = name in ("kk", "phone")
        # Date and number cells (a real register's TGL_LHR, NO_RT, STAT_RKM) are
        # cached apart, by type and value: in `cache` the number 1 would answer
        # for the cell TRUE (True == 1), and its text cells for nothing else.
        typed: dict[tuple[type, Any], Any] = {}

        def miss(raw: Any) -> Any:
            if raw is not None and type(raw) is not str:
                key = (raw.__class__, raw)
                found = typed.get(key, _MISSING)
                if found is not _MISSING:
                    return found
            value = raw
            nul = False
            if type(value) is str:
                value = _unescape(value)
                empty = not value.strip()
                # No database text holds a NUL (PostgreSQL refuses it outright); an
                # XLSX cell can carry one, written as `_x0000_`.
                nul = "\x00" in value
            else:
                empty = value is None
                # A KK or phone typed into a number cell has lost digits (KK) or its
                # leading zero (phone); the float path of the parser says so.
                if numeric_text and type(value) is int:
                    value = float(value)
            if empty and not required:
                result: Any = None
            elif nul:
                result = _Bad(f"{label}: {_NUL_MESSAGE}")
            else:
                try:
                    result = parse(value)
                except fields.FieldError as err:
                    result = _Bad(f"{label}: {err}")
            if raw is None or type(raw) is str:
                if len(cache) < CACHE_LIMIT:
                    cache[raw] = result
            elif len(typed) < CACHE_LIMIT:
                typed[key] = result
            return result

        return miss

    def check(self, cells: Any) -> tuple[list[Any], list[str], Any]:
        """(our values, errors, NikCheck) of one row."""
        # The hot loop of an import: one dict lookup per cell, the parser only for
        # a value this column has not seen yet.
        if len(cells) < self.min_cells:
            cells = [*cells, *([None] * (self.min_cells - len(cells)))]
        values = self.blank.copy()
        errors: list[str] = []
        missing = _MISSING
        for index, pos, cached, miss in self.specs:
            raw = cells[index]
            value = cached(raw, missing)
            if value is missing:
                value = miss(raw)
            if value.__class__ is _Bad:
                errors.append(value.message)
            else:
                values[pos] = value
        raw_nik = cells[self.nik_index]
        if type(raw_nik) is str and raw_nik[:1] == "'":
            raw_nik = raw_nik[1:]  # Excel users type a quote to keep a NIK as text
        birth = values[_BIRTH]
        sex = values[_SEX]
        check = check_nik(
            raw_nik,
            birth_date=birth,
            sex=sex,
            village_code=self.village_code,
            today=self.today,
        )
        if check.errors:
            errors.insert(
                0, f"{self.nik_label}: " + " ".join(e.message for e in check.errors)
            )
        elif sex is None and check.sex is None:
            label = self.sex_label or "JENIS_KLMIN"
            errors.append(
                f"{label}: Jenis kelamin wajib diisi (L atau P); "
                "tidak dapat dibaca dari NIK sementara."
            )
        values[_NIK] = check.nik
        return values, errors, check

    def warnings_json(self, check: Any) -> str:
        """The NIK's warning codes as the JSON stored in Resident.nik_warnings."""
        codes = tuple(w.code for w in check.warnings)
        found = self._warning_json.get(codes)
        if found is None:
            found = self._warning_json[codes] = json.dumps(list(codes))
        return found


# --- importing -----------------------------------------------------------------------
