"""The district's recording results coming back (CONTRACT §7): NIK + STAT_RKM.

Every row is checked before anything changes: a file with one bad row is refused
whole, with the line and the reason. Then each matched resident whose status
differs is updated through the registry (so history and audit are written), in the
caller's one transaction; the same file again finds everything unchanged.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from desa.appointments.booking import release_residents
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.errors import ValidationError
from desa.core.formatting import mask_nik
from desa.exports.models import ResultsImport
from desa.exports.pending import file_sha256
from desa.extensions import db
from desa.residents import fields, registry
from desa.residents.importer import reading
from desa.residents.importer.columns import MAX_FILE_BYTES, ImportFileError
from desa.residents.models import (
    PRINTED_CODES,
    RECORDED_CODES,
    Resident,
    ektp_shown,
)
from desa.residents.nik import whole_number_nik
from desa.residents.services import clean_nik

MAX_ITEMS = 100_000
FIRST_ERRORS = 20
_LOOKUP_CHUNK = 500


class ResultsError(ValidationError):
    """The results cannot be applied; `fields` lists the bad lines."""

    code = "invalid_results"


@dataclass
class ParsedResults:
    """Checked results: {nik: code}, where each NIK first came, rows without a status."""

    codes: dict[str, int] = field(default_factory=dict)
    first: dict[str, Any] = field(default_factory=dict)
    skipped: int = 0


@dataclass
class ResultsSummary:
    """What applying the results did; unmatched NIKs are kept masked only."""

    matched: int = 0
    unchanged: int = 0
    unmatched: list[tuple[Any, str]] = field(default_factory=list)
    skipped: int = 0
    import_id: int | None = None
    # Rows that would lower a status, not applied: (position, masked NIK, now, sent).
    lowered: list[tuple[Any, str, int, int]] = field(default_factory=list)
    # Bookings in future sessions cancelled because the person is now recorded.
    released: int = 0

    @property
    def line(self) -> str:
        """`matched N, unchanged M, unmatched K` (CONTRACT §7)."""
        return (
            f"matched {self.matched}, unchanged {self.unchanged}, "
            f"unmatched {len(self.unmatched)}"
        )


def parse_nik(value: Any) -> str:
    """A NIK from a results cell; FieldError with the reason otherwise."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise fields.FieldError(
            _(
                "NIK harus teks 16 angka, bukan bilangan: angka sepanjang itu rusak bila "
                "diformat sebagai angka di Excel. Format kolom NIK sebagai Teks lalu "
                "kirim ulang."
            )
        )
    nik = clean_nik(str(value or "").strip())
    if not nik:
        raise fields.FieldError(_("NIK kosong."))
    if not (len(nik) == 16 and nik.isascii() and nik.isdigit()):
        raise fields.FieldError(
            _("NIK harus 16 angka; yang tertulis %(n)d karakter.", n=len(nik))
        )
    return nik


def parse_status(value: Any) -> int:
    """STAT_RKM as a code 1–8 or its label (e.g. SUDAH REKAM)."""
    try:
        code = fields.ektp_status(value)
    except fields.FieldError:
        raise fields.FieldError(
            _(
                "STAT_RKM harus kode 1–8 atau labelnya (mis. SUDAH REKAM); tertulis "
                "%(v)s.",
                v=str(value)[:40],
            )
        ) from None
    if code is None:
        raise fields.FieldError(_("STAT_RKM kosong."))
    return code


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_entries(
    entries: Iterable[tuple[Any, Any, Any]], where: str, *, skip_blank: bool = False
) -> ParsedResults:
    """(position, nik, status) → the checked results; every row checked first.

    Raises ResultsError listing the first bad rows; `where` names a position
    (`"baris %s"` for a file line, `"results[%s]"` for an API index). With
    `skip_blank`, a row whose status is empty says nothing and is skipped (the
    district's copy of our own list, filled in only where it has a result).
    """
    parsed = ParsedResults()
    codes, first = parsed.codes, parsed.first
    errors: dict[str, list[str]] = {}
    bad = 0
    for position, raw_nik, raw_status in entries:
        if skip_blank and _blank(raw_status):
            parsed.skipped += 1
            continue
        problems = []
        nik = code = None
        try:
            nik = parse_nik(raw_nik)
        except fields.FieldError as err:
            problems.append(str(err))
        try:
            code = parse_status(raw_status)
        except fields.FieldError as err:
            problems.append(str(err))
        if nik is not None and code is not None:
            if nik in codes and codes[nik] != code:
                problems.append(
                    _(
                        "NIK %(n)s muncul lagi dengan status lain (pertama di %(w)s).",
                        n=mask_nik(nik),
                        w=where % first[nik],
                    )
                )
            elif nik not in codes:
                codes[nik], first[nik] = code, position
        if problems:
            bad += 1
            if len(errors) < FIRST_ERRORS:
                errors[where % position] = problems
        if len(codes) > MAX_ITEMS:
            raise ResultsError(
                _("Terlalu banyak baris (paling banyak %(m)s).", m=f"{MAX_ITEMS:,}")
            )
    if bad:
        first_key = next(iter(errors))
        raise ResultsError(
            _(
                "%(n)d baris hasil belum benar; tidak ada yang diubah. Pertama: %(k)s: "
                "%(e)s",
                n=bad,
                k=first_key,
                e=" ".join(errors[first_key]),
            ),
            fields=errors,
        )
    return parsed


def stage(code: int | None) -> int:
    """How far along a status is: 0 not recorded (empty, 1, 2), 1 recorded (3, 5,
    7), 2 card printed (4, 6, 8). Disdukcapil's codes are not in that order."""
    if code in PRINTED_CODES:
        return 2
    if code in RECORDED_CODES:
        return 1
    return 0


def lowers(before: int | None, after: int) -> bool:
    """Whether `after` takes a resident back a stage (4 CARD PRINTED → 2 BELUM REKAM)."""
    return stage(after) < stage(before)


def apply_results(
    actor: Actor,
    parsed: ParsedResults,
    *,
    source: str,
    actor_name: str | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    confirm_lowered: bool = False,
) -> ResultsSummary:
    """Updates each matched resident's e-KTP status (with history); never commits.

    A row that would lower a status is not applied unless `confirm_lowered`: it is
    listed in `summary.lowered` for the clerk to confirm. A resident now recorded
    loses their booking in a future session (the place goes to the waitlist).
    """
    codes, first = parsed.codes, parsed.first
    summary = ResultsSummary(skipped=parsed.skipped)
    found: set[str] = set()
    recorded: list[int] = []
    niks = list(codes)
    reason = _("hasil perekaman dari Disdukcapil")
    if file_name:
        reason = f"{reason} ({file_name[:100]})"
    for start in range(0, len(niks), _LOOKUP_CHUNK):
        chunk = niks[start : start + _LOOKUP_CHUNK]
        for resident in db.session.scalars(
            scopes.select(actor, Resident).where(Resident.nik.in_(chunk))
        ):
            found.add(resident.nik)
            code = codes[resident.nik]
            before = resident.ektp_status
            if before == code:
                summary.unchanged += 1
                continue
            if lowers(before, code) and not confirm_lowered:
                summary.lowered.append(
                    (first[resident.nik], mask_nik(resident.nik), before, code)
                )
                continue
            registry.update_resident(
                actor, resident, {"ektp_status": code}, reason=reason
            )
            summary.matched += 1
            if code in RECORDED_CODES:
                recorded.append(resident.id)
    # Now recorded: their places in future sessions go to the people waiting.
    summary.released = len(
        release_residents(
            actor, recorded, reason, from_day=actor.today + dt.timedelta(days=1)
        )
    )
    summary.lowered.sort(key=lambda row: row[0])
    summary.unmatched = [(first[n], mask_nik(n)) for n in niks if n not in found]
    record = ResultsImport(
        source=source,
        file_name=file_name,
        sha256=sha256,
        matched=summary.matched,
        unchanged=summary.unchanged,
        unmatched=len(summary.unmatched),
        created_by=(actor_name or actor.display_name)[:120],
        created_at=actor.utcnow,
    )
    db.session.add(record)
    db.session.flush()
    summary.import_id = record.id
    audit.record(
        actor,
        "recording.results",
        object_type="results_import",
        object_id=record.id,
        detail=f"{file_name or 'API'}: {summary.line}"
        + (f", {len(summary.lowered)} menurunkan status" if summary.lowered else ""),
    )
    return summary


# --- files -----------------------------------------------------------------------


def _open(path: Path) -> reading.Table:
    """The file's table through the importer's safe readers (encoding, zip bombs)."""
    if not path.is_file():
        raise ResultsError(_("Berkas tidak ditemukan atau tidak dapat dibuka."))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ResultsError(
            _(
                "Berkas terlalu besar (paling besar %(m)d MB).",
                m=MAX_FILE_BYTES // (1024 * 1024),
            )
        )
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return reading._read_xlsx(path)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ResultsError(
            _(
                "Format Excel lama (.xls) tidak didukung; simpan ulang sebagai .xlsx "
                "atau CSV UTF-8."
            )
        )
    if path.suffix.lower() == ".xlsx":
        raise ResultsError(_("Berkas XLSX rusak atau bukan berkas XLSX."))
    return reading._read_csv(path)


def read_file(path: str | os.PathLike[str]) -> ParsedResults:
    """The results file, checked (rows without a status skipped); ResultsError when bad."""
    path = Path(path)
    try:
        table = _open(path)
    except ImportFileError as err:
        raise ResultsError(err.message) from None
    with table:
        columns = {name: i for i, name in table.mapping.items()}
        missing = [
            label
            for key, label in (("nik", "NIK"), ("ektp_status", "STAT_RKM"))
            if key not in columns
        ]
        if missing:
            raise ResultsError(
                _(
                    "Kolom wajib tidak ditemukan: %(c)s. Berkas hasil harus memuat kolom "
                    "NIK dan STAT_RKM.",
                    c=", ".join(missing),
                )
            )
        nik_at, status_at = columns["nik"], columns["ektp_status"]

        def entries() -> Iterator[tuple[int, Any, Any]]:
            line = table.header_line
            for cells in table.rows:
                line += 1
                if not any(c not in (None, "") for c in cells):
                    continue
                nik = cells[nik_at] if nik_at < len(cells) else None
                if isinstance(nik, int | float) and not isinstance(nik, bool):
                    # An XLSX number cell holding every digit of the NIK is fine;
                    # one Excel cut short stays a number and is refused with why.
                    nik = whole_number_nik(nik) or nik
                yield (
                    line,
                    nik,
                    cells[status_at] if status_at < len(cells) else None,
                )

        try:
            return parse_entries(entries(), _("baris %(n)s", n="%s"), skip_blank=True)
        except ImportFileError as err:
            raise ResultsError(err.message) from None


def import_file(
    actor: Actor,
    path: str | os.PathLike[str],
    *,
    actor_name: str | None = None,
    file_name: str | None = None,
    confirm_lowered: bool = False,
) -> ResultsSummary:
    """Reads and applies a results file in the caller's transaction."""
    path = Path(path)
    return apply_results(
        actor,
        read_file(path),
        source="file",
        actor_name=actor_name,
        file_name=(file_name or path.name)[:200],
        sha256=file_sha256(path),
        confirm_lowered=confirm_lowered,
    )


def status_label(code: int) -> str:
    """`3 SUDAH REKAM`; `4 CARD PRINTED (KTP-el sudah dicetak)`."""
    return ektp_shown(code) or str(code)
