"""The village's Ed25519 signing key, kept in the instance folder (0600)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_FILE = Path("keys") / "signing-ed25519.pem"


def key_path(instance_path: str) -> Path:
    return Path(instance_path) / KEY_FILE


def ensure_signing_key(instance_path: str) -> bool:
    """Creates the key when missing; returns True if it made one. Never overwrites."""
    path = key_path(instance_path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first; keep theirs
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def load_signing_key(instance_path: str) -> Ed25519PrivateKey:
    """The private key (run `desa init` first).

    Every letter issued and every QR checked needs it: the parsed key is kept per
    process, and read again only when the file changes (a restore).
    """
    path = key_path(instance_path)
    stat = path.stat()
    return _parsed_key(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _parsed_key(path: str, _mtime_ns: int, _size: int) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("signing key is not Ed25519")
    return key


def public_key_pem(instance_path: str) -> str:
    """The PEM public key that verifies this village's letters."""
    return (
        load_signing_key(instance_path)
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
