"""The bundle file: whatever is changed, cut or forged in it is refused whole,
with one sentence, before any of it is handed on."""

from __future__ import annotations

import gzip
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desa.letters import token as tokens
from desa.sync import bundle
from desa.sync.bundle import SyncFileError

KEY = Ed25519PrivateKey.generate()
KID = tokens.kid_of(KEY.public_key())
HEADER = {
    "kind": "village",
    "village": {"code": "61.01.12.2002", "name": "Desa Merubung"},
    "issuer": {"code": "61.01.12.2002"},
    "seq_from": 1,
    "seq_to": 3,
    "full": True,
    "made_at": "2026-12-07T10:00:00+07:00",
}
CHANGES = [
    {"t": "resident", "id": 1, "name": "SITI AMINAH"},
    {"t": "resident", "id": 2, "gone": True},
    {"t": "revocation", "id": "abc", "revoked_on": "2026-12-01"},
]


def _made(tmp_path, header=HEADER, changes=CHANGES) -> bytes:
    path = tmp_path / "b.gz"
    assert bundle.write(path, header, changes, kid=KID, private_key=KEY) == len(changes)
    return path.read_bytes()


def _key(_header):
    return KEY.public_key()


def _lines(raw: bytes) -> list[bytes]:
    return gzip.decompress(raw).splitlines(keepends=True)


def _packed(lines: list[bytes]) -> bytes:
    return gzip.compress(b"".join(lines))


def test_a_bundle_reads_back_as_written(tmp_path):
    header, changes = bundle.verify(_made(tmp_path), _key)
    assert changes == CHANGES
    assert (header.village_code, header.seq_from, header.seq_to) == (
        "61.01.12.2002",
        1,
        3,
    )
    assert header.kid == KID and header.full and header.changes == 3
    assert not (tmp_path / "b.gz.part").exists()


def _refused(raw: bytes, key_for=_key) -> str:
    with pytest.raises(SyncFileError) as caught:
        bundle.verify(raw, key_for)
    return str(caught.value)


def test_a_changed_line_breaks_the_digest(tmp_path):
    lines = _lines(_made(tmp_path))
    lines[1] = lines[1].replace(b"SITI AMINAH", b"SITI AMINAX")
    assert "tidak cocok dengan tanda tangannya" in _refused(_packed(lines))


def test_a_dropped_or_added_line_is_refused(tmp_path):
    lines = _lines(_made(tmp_path))
    assert "tidak cocok" in _refused(_packed(lines[:-1]))
    assert "tidak cocok" in _refused(_packed([*lines, lines[-1]]))


def test_a_changed_header_breaks_the_signature(tmp_path):
    lines = _lines(_made(tmp_path))
    doc = json.loads(lines[0])
    doc["seq_to"] = 99
    lines[0] = json.dumps(doc).encode() + b"\n"
    assert "Tanda tangan" in _refused(_packed(lines))


def test_another_key_is_refused(tmp_path):
    other = Ed25519PrivateKey.generate().public_key()
    assert "Tanda tangan" in _refused(_made(tmp_path), lambda h: other)
    assert "tidak dikenal" in _refused(_made(tmp_path), lambda h: None)


def test_a_cut_or_damaged_file_is_refused(tmp_path):
    raw = _made(tmp_path)
    assert "rusak atau terpotong" in _refused(raw[: len(raw) // 2])
    damaged = bytearray(raw)
    damaged[len(raw) // 2] ^= 0xFF
    assert "rusak" in _refused(bytes(damaged))
    assert "bukan berkas sinkronisasi" in _refused(b"PK\x03\x04 a zip file")
    assert "bukan berkas sinkronisasi" in _refused(gzip.compress(b"[1, 2]\n"))


def test_an_unknown_version_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(bundle, "VERSION", 2)
    raw = _made(tmp_path)
    monkeypatch.undo()
    assert "Versi berkas sinkronisasi tidak dikenal" in _refused(raw)


def test_a_line_that_is_not_an_object_is_refused(tmp_path):
    raw = _made(tmp_path, changes=[{"t": "resident", "id": 1}, ["not", "a", "dict"]])
    assert "tidak dapat dibaca" in _refused(raw)
