"""The village's letterhead: office address and contacts, the head's name, the logo,
and the office's address on the network that QR codes and links carry.

An uploaded logo is accepted only when Pillow reads it as a PNG or JPEG of sane
size, and it is re-encoded (a fresh PNG, no metadata, at most 600 px), so what
lands in the instance folder is never the uploaded bytes.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core import addresses
from desa.core.errors import ValidationError
from desa.core.models import Village

LOGO_FILE = Path("branding") / "logo.png"
MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000  # refused before decoding: no decompression bombs
LOGO_SIDE = 600
CONTACT_LIMITS = {
    "address": 200,
    "phone": 30,
    "email": 120,
    "head_name": 120,
    "head_title": 120,
}


def update_letterhead(actor: Actor, village: Village, data: dict[str, Any]) -> Village:
    """Sets the office address, contacts and the head's name/title shown on letters."""
    errors = {}
    for name, limit in CONTACT_LIMITS.items():
        value = " ".join(str(data.get(name) or "").split()) or None
        if value and len(value) > limit:
            errors[name] = [_("Paling banyak %(n)d karakter.", n=limit)]
        setattr(village, name, value)
    if errors:
        raise ValidationError(_("Periksa isian kop surat."), fields=errors)
    audit.record(
        actor,
        "letters.letterhead",
        object_type="village",
        object_id=village.code,
        detail="kop surat diubah",
    )
    return village


def update_base_url(actor: Actor, village: Village, value: str | None) -> str | None:
    """Sets (or, empty, clears) the address QR codes and links carry."""
    before = village.base_url
    after = addresses.store_base_url(village, value)
    if after != before:
        audit.record(
            actor,
            "village.base_url",
            object_type="village",
            object_id=village.code,
            detail=f"alamat layanan {before or '(turunan)'} -> {after or '(turunan)'}",
        )
    return after


def store_logo(actor: Actor, village: Village, upload: Any) -> Path:
    """Checks an uploaded PNG/JPEG, re-encodes it and makes it the letterhead logo."""
    raw = upload.read(MAX_LOGO_BYTES + 1)
    if len(raw) > MAX_LOGO_BYTES:
        raise _logo_error(_("Berkas logo paling besar 2 MB."))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind, size = probe.format, probe.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _logo_error(_("Logo harus berupa gambar PNG atau JPEG.")) from None
    if kind not in ("PNG", "JPEG"):
        raise _logo_error(_("Logo harus berupa gambar PNG atau JPEG."))
    if size[0] * size[1] > MAX_LOGO_PIXELS:
        raise _logo_error(_("Gambar logo terlalu besar (piksel)."))
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            clean = image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise _logo_error(_("Gambar logo rusak atau tidak dapat dibaca.")) from None
    clean.thumbnail((LOGO_SIDE, LOGO_SIDE))
    target = Path(current_app.instance_path) / LOGO_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".tmp")
    with partial.open("wb") as fh:
        clean.save(fh, format="PNG", optimize=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)
    village.logo_path = LOGO_FILE.as_posix()
    audit.record(
        actor,
        "letters.logo",
        object_type="village",
        object_id=village.code,
        detail=f"logo {kind} {size[0]}x{size[1]} disimpan ulang sebagai PNG",
    )
    return target


def remove_logo(actor: Actor, village: Village) -> None:
    """Letters go back to a letterhead without a logo."""
    village.logo_path = None
    audit.record(
        actor,
        "letters.logo",
        object_type="village",
        object_id=village.code,
        detail="logo dihapus",
    )


def _logo_error(message: str) -> ValidationError:
    return ValidationError(message, fields={"logo": [message]})
