"""From a letter to its printed page: placeholders, the document, the stored file.

Body templates are paragraphs separated by blank lines with `{name}` placeholders
and one `[data]` line where the table of the resident's data goes. Placeholders:
the resident (`nama`, `nik`, `no_kk`, `tempat_lahir`, `tanggal_lahir`,
`jenis_kelamin`, `agama`, `status_kawin`, `pekerjaan`, `kewarganegaraan`,
`alamat`, `rt`, `rw`, `dusun`), the village (`desa`, `kecamatan`, `kabupaten`,
`provinsi`), `keperluan` (the purpose) and the type's extra fields by name.
An unknown placeholder stays as written, so a typo shows on the preview.
The addressee of a referral comes from the type, or from an extra field named
`kepada` (the general "Surat Pengantar").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

from flask import current_app

from desa.core.files import write_atomic
from desa.core.formatting import format_date
from desa.core.models import Village

DATA_MARKER = "[data]"
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
SEX_WORDS = {"L": "Laki-laki", "P": "Perempuan"}
ADDRESSEE_FIELD = "kepada"


def fill(template: str, values: dict[str, str]) -> str:
    """Replaces `{name}` with its value; unknown names stay (no str.format tricks)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def resident_address(resident: Any) -> str:
    """`Jl. Parit Baru RT 002 / RW 001, Dusun Sungai Bedung`."""
    parts = [p for p in ((resident.address or "").strip(), resident.area_label) if p]
    return " ".join(parts) if parts else "-"


def field_text(definition: dict[str, Any] | None, value: Any) -> str:
    """An extra field's value as printed: dates in words, numbers with dots."""
    if value in (None, ""):
        return "-"
    kind = (definition or {}).get("type")
    if kind == "date":
        try:
            return format_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind == "number":
        text = str(value)
        if str((definition or {}).get("name", "")).startswith("tahun"):
            return text  # a year is written 2019, never 2.019
        if text.lstrip("-").isdigit():
            return f"{int(text):,}".replace(",", ".")
        return text.replace(".", ",")
    return str(value)


def placeholder_values(
    letter_type: Any,
    resident: Any,
    purpose: str,
    fields: dict[str, Any],
    village: Village,
) -> dict[str, str]:
    """Everything a body template may use."""
    values = {
        "nama": resident.name,
        "nik": resident.nik,
        "no_kk": resident.kk or "-",
        "tempat_lahir": resident.birth_place or "-",
        "tanggal_lahir": format_date(resident.birth_date) or "-",
        "jenis_kelamin": SEX_WORDS.get(resident.sex, resident.sex or "-"),
        "agama": resident.religion or "-",
        "status_kawin": resident.marital_status or "-",
        "pekerjaan": resident.occupation or "-",
        "kewarganegaraan": getattr(resident, "citizenship", None) or "WNI",
        "alamat": resident_address(resident),
        "rt": resident.rt or "-",
        "rw": resident.rw or "-",
        "dusun": resident.dusun or "-",
        "desa": village.name,
        "kecamatan": village.district,
        "kabupaten": village.regency,
        "provinsi": village.province,
        "keperluan": purpose,
    }
    for definition in letter_type.fields or []:
        name = definition.get("name")
        if name:
            values[name] = field_text(definition, fields.get(name))
    return values


def data_rows(resident: Any) -> list[tuple[str, str]]:
    """The resident's data as the table on the letter shows it.

    A field the register leaves empty (religion, marital status, occupation, …) is
    left out rather than printed as a bare label beside the next one.
    """
    born = ", ".join(
        p for p in (resident.birth_place, format_date(resident.birth_date)) if p
    )
    address = resident_address(resident)
    rows = [
        ("Nama", resident.name),
        ("NIK", resident.nik),
        ("Tempat/Tgl. Lahir", born),
        ("Jenis Kelamin", SEX_WORDS.get(resident.sex, resident.sex or "")),
        ("Agama", resident.religion),
        ("Status Perkawinan", resident.marital_status),
        ("Pekerjaan", resident.occupation),
        ("Kewarganegaraan", getattr(resident, "citizenship", None) or "WNI"),
        ("Alamat", "" if address == "-" else address),
    ]
    return [(label, value.strip()) for label, value in rows if (value or "").strip()]


def split_body(body: str, values: dict[str, str]) -> tuple[list[str], list[str]]:
    """Paragraphs before and after the `[data]` line, placeholders filled."""
    before: list[str] = []
    after: list[str] = []
    target = before
    for raw in re.split(r"\n\s*\n", (body or "").replace("\r\n", "\n")):
        text = " ".join(raw.split())
        if not text:
            continue
        if text == DATA_MARKER:
            target = after
            continue
        target.append(fill(text, values))
    return before, after


def addressee_of(
    letter_type: Any, fields: dict[str, Any], village: Village
) -> str | None:
    """The office a referral goes to, placeholders filled (None for plain letters)."""
    addressee = letter_type.addressee or fields.get(ADDRESSEE_FIELD)
    if not addressee:
        return None
    values = {
        "desa": village.name,
        "kecamatan": village.district,
        "kabupaten": village.regency,
        "provinsi": village.province,
    }
    return fill(str(addressee), values)


def letterhead(village: Village):
    """The letterhead of the village (Kabupaten / Kecamatan / Desa, address, logo)."""
    from desa.documents.drawing import village_letterhead

    return village_letterhead(village)


def build_document(
    *,
    letter_type: Any,
    resident: Any,
    purpose: str,
    fields: dict[str, Any],
    village: Village,
    on: dt.date,
    signer_name: str,
    signer_title: str,
    number: str | None = None,
    qr_url: str | None = None,
    valid_until: dt.date | None = None,
    draft: bool,
):
    """The LetterDocument the PDF renderer draws."""
    from desa.letters.pdf import LetterDocument

    values = placeholder_values(letter_type, resident, purpose, fields, village)
    before, after = split_body(letter_type.body, values)
    addressee = letter_type.addressee or fields.get(ADDRESSEE_FIELD)
    return LetterDocument(
        letterhead(village),
        title=letter_type.title,
        number=number,
        addressee=f"Kepada Yth.\n{fill(str(addressee), values)}\ndi Tempat"
        if addressee
        else None,
        paragraphs_before=before,
        data_rows=data_rows(resident),
        paragraphs_after=after,
        place_date=f"{village.name}, {format_date(on)}",
        signer_title=signer_title,
        signer_name=signer_name,
        qr_url=qr_url,
        draft=draft,
        valid_until=f"Surat ini berlaku sampai dengan {format_date(valid_until)}."
        if valid_until
        else None,
    )


# --- stored files -----------------------------------------------------------------


def relative_pdf_path(public_id: str, year: int) -> str:
    """`letters/2026/<public_id>.pdf`, relative to the instance folder."""
    return f"letters/{year}/{public_id}.pdf"


def absolute(relative: str) -> Path:
    return Path(current_app.instance_path) / relative


def store_pdf(relative: str, data: bytes) -> str:
    """Writes the PDF atomically and durably; returns its SHA-256.

    Called only while the letter is being issued, before the transaction that
    records the hash commits: a file left by a rolled-back attempt has no letter
    pointing at it yet and is simply replaced.
    """
    path = absolute(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, 0o640)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return hashlib.sha256(data).hexdigest()


def read_pdf(relative: str) -> bytes:
    """The stored bytes (exactly as issued)."""
    return absolute(relative).read_bytes()


def sweep_unreferenced(referenced: set[str], min_age_seconds: float) -> list[str]:
    """Removes files under `instance/letters/` not in `referenced` (relative paths)."""
    root = absolute("letters")
    if not root.is_dir():
        return []
    cutoff = time.time() - min_age_seconds
    removed = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root.parent).as_posix()
        if not path.is_file() or relative in referenced:
            continue
        if path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        removed.append(relative)
    return removed
