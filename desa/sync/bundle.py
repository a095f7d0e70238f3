"""Sync bundles: a signed, gzip-compressed file of JSON lines (docs/file-formats.md).

    line 1     {"format": "desa-sync", "version": 1, "kind": "village" | "return",
                "village": {"code", "name"}, "issuer": {"code", "kid"},
                "seq_from", "seq_to", "full", "changes", "made_at",
                "body_sha256", "signature"}
    lines 2…   one change each: {"t": "resident" | "event" | "revocation" | "rt" | …}

The signature (Ed25519, base64url) covers the canonical JSON of the header
without `signature` (desa/trust/bundle.py's canonical form); `body_sha256` is
the SHA-256 of every byte after the header's line, so one signature covers the
whole file. A village signs with its letter key (the hub knows it from `desa
hub village add`); a hub signs return bundles with its own.

Plain functions: no request, no database. Reading is bounded (compressed and
uncompressed size, line length, change count) and checks everything before a
single change is handed on: the gzip stream, the header, the signature, the
digest and the count. Every refusal is a `SyncFileError` with one Indonesian
sentence (callers translate it).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask_babel import lazy_gettext as _l

from desa.core.errors import ValidationError
from desa.letters import token as tokens
from desa.trust.bundle import canonical

FORMAT = "desa-sync"
# The bundle's own schema: what its lines mean. A reader refuses any other.
VERSION = 1
KINDS = ("village", "return")
MAX_COMPRESSED_BYTES = 256 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_CHANGES = 2_000_000
_HEADER_FIELDS = {
    "format",
    "version",
    "kind",
    "village",
    "issuer",
    "seq_from",
    "seq_to",
    "full",
    "changes",
    "made_at",
    "body_sha256",
    "signature",
}


class SyncFileError(ValidationError):
    """A bundle that cannot be used: one sentence, nothing applied (422 in the
    API, exit 1 on the command line)."""

    code = "bad_bundle"


def bad_return_line(no: int) -> ValidationError:
    """The one sentence for a return bundle's line that cannot be read."""
    from flask_babel import gettext as _

    return ValidationError(
        _("Baris %(no)d berkas balasan tidak dapat dibaca.", no=no), code="bad_return"
    )


@dataclass(frozen=True)
class Header:
    kind: str
    village_code: str
    village_name: str
    issuer_code: str
    kid: str
    seq_from: int
    seq_to: int
    full: bool
    changes: int
    made_at: str
    extra: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.village_code} seq {self.seq_from}..{self.seq_to}"


def write(
    path: Path,
    header: Mapping[str, Any],
    changes: Iterable[Mapping[str, Any]],
    *,
    kid: str,
    private_key: Ed25519PrivateKey,
) -> int:
    """Writes the bundle to `path` (via a .part file, renamed when whole); returns
    how many changes it holds. `header` gives everything but the counts, digest
    and signature."""
    body = io.BytesIO()
    digest = hashlib.sha256()
    count = 0
    for change in changes:
        line = json.dumps(change, ensure_ascii=False, separators=(",", ":")) + "\n"
        data = line.encode("utf-8")
        digest.update(data)
        body.write(data)
        count += 1
    document = {
        **header,
        "format": FORMAT,
        "version": VERSION,
        "changes": count,
        "body_sha256": digest.hexdigest(),
    }
    document["issuer"] = {**document.get("issuer", {}), "kid": kid}
    document["signature"] = tokens.b64url(private_key.sign(canonical(document)))
    part = path.with_name(path.name + ".part")
    with (
        part.open("wb") as file,
        gzip.GzipFile(path.name, "wb", compresslevel=6, fileobj=file) as out,
    ):
        out.write(json.dumps(document, ensure_ascii=False).encode("utf-8") + b"\n")
        out.write(body.getbuffer())
    part.replace(path)
    return count


def _lines(raw: bytes) -> list[bytes]:
    """The decompressed lines of `raw`, bounded; damage anywhere in the stream
    (a cut file, a flipped byte: gzip's CRC) is a SyncFileError before any line
    is read."""
    if len(raw) > MAX_COMPRESSED_BYTES:
        raise SyncFileError(_l("Berkas sinkronisasi terlalu besar."))
    if raw[:2] != b"\x1f\x8b":
        raise SyncFileError(_l("Berkas ini bukan berkas sinkronisasi desa."))
    lines, total = [], 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            while line := stream.readline(MAX_LINE_BYTES + 1):
                total += len(line)
                if len(line) > MAX_LINE_BYTES or total > MAX_UNCOMPRESSED_BYTES:
                    raise SyncFileError(_l("Berkas sinkronisasi terlalu besar."))
                lines.append(line)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile, a cut file, CRC
        raise SyncFileError(
            _l("Berkas sinkronisasi rusak atau terpotong; kirim ulang berkasnya.")
        ) from err
    return lines


def _int(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**62


def read_header(raw: bytes) -> Header:
    """The header of a bundle, unverified (to find out who claims to have sent it)."""
    return _header(_lines(raw))[0]


def _header(lines: list[bytes]) -> tuple[Header, dict[str, Any]]:
    try:
        doc = json.loads(lines[0]) if lines else None
    except (UnicodeDecodeError, ValueError):
        doc = None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SyncFileError(_l("Berkas ini bukan berkas sinkronisasi desa."))
    if doc.get("version") != VERSION:
        raise SyncFileError(
            _l("Versi berkas sinkronisasi tidak dikenal; perbarui aplikasi desa dulu.")
        )
    village, issuer = doc.get("village"), doc.get("issuer")
    if (
        doc.get("kind") not in KINDS
        or not isinstance(village, dict)
        or not isinstance(issuer, dict)
        or not all(
            isinstance(x, str)
            for x in (
                village.get("code"),
                village.get("name"),
                issuer.get("code"),
                issuer.get("kid"),
                doc.get("made_at"),
                doc.get("body_sha256"),
                doc.get("signature"),
            )
        )
        or not all(_int(doc.get(k)) for k in ("seq_from", "seq_to", "changes"))
        or not isinstance(doc.get("full"), bool)
        or doc["seq_from"] > doc["seq_to"] + 1
        or doc["changes"] > MAX_CHANGES
    ):
        raise SyncFileError(_l("Kepala berkas sinkronisasi tidak lengkap atau salah."))
    header = Header(
        kind=doc["kind"],
        village_code=village["code"],
        village_name=village["name"],
        issuer_code=issuer["code"],
        kid=issuer["kid"],
        seq_from=doc["seq_from"],
        seq_to=doc["seq_to"],
        full=doc["full"],
        changes=doc["changes"],
        made_at=doc["made_at"],
        extra={k: v for k, v in doc.items() if k not in _HEADER_FIELDS},
    )
    return header, doc


def verify(
    raw: bytes, key_for: Callable[[Header], Ed25519PublicKey | None]
) -> tuple[Header, list[dict[str, Any]]]:
    """The header and every change of a bundle whose signature, digest and count
    hold. `key_for(header)` gives the public key its issuer signs with (None: not
    known). Nothing is returned from a bundle that fails any check."""
    lines = _lines(raw)
    header, doc = _header(lines)
    key = key_for(header)
    if key is None:
        raise SyncFileError(
            _l("Kunci penanda tangan berkas ini tidak dikenal; daftarkan desanya dulu.")
        )
    try:
        key.verify(tokens.unb64url(doc["signature"]), canonical(doc))
    except (InvalidSignature, ValueError):
        raise SyncFileError(
            _l(
                "Tanda tangan berkas sinkronisasi tidak sah; berkas ini diubah "
                "atau bukan dari pengirimnya."
            )
        ) from None
    digest = hashlib.sha256()
    changes = []
    for line in lines[1:]:
        digest.update(line)
        try:
            change = json.loads(line)
        except (UnicodeDecodeError, ValueError):
            change = None
        changes.append(change)
    if digest.hexdigest() != doc["body_sha256"] or len(changes) != header.changes:
        raise SyncFileError(
            _l(
                "Isi berkas sinkronisasi tidak cocok dengan tanda tangannya; "
                "berkas rusak atau diubah."
            )
        )
    if not all(isinstance(c, dict) and isinstance(c.get("t"), str) for c in changes):
        raise SyncFileError(_l("Isi berkas sinkronisasi tidak dapat dibaca."))
    return header, changes


def public_key(raw_b64url: str) -> Ed25519PublicKey | None:
    """An Ed25519 public key from its base64url raw bytes; None when it is not one."""
    try:
        return Ed25519PublicKey.from_public_bytes(tokens.unb64url(raw_b64url))
    except ValueError:
        return None
