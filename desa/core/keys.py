"""Private signing key files in the instance folder: `keys/<kid>.pem`, mode 0600.

Which key is active, and the public half of every key that ever signed, is in the
database (desa/trust/keys.py); this module only writes and reads the files.
Before key ids, the one key lived in `keys/signing-ed25519.pem`; `desa init`
registers that file under its kid and renames it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEYS_DIR = Path("keys")
LEGACY_KEY_FILE = KEYS_DIR / "signing-ed25519.pem"


def keys_dir(instance_path: str) -> Path:
    return Path(instance_path) / KEYS_DIR


def legacy_key_path(instance_path: str) -> Path:
    return Path(instance_path) / LEGACY_KEY_FILE


def key_path(instance_path: str, kid: str) -> Path:
    """The private key file of key `kid`."""
    if not (len(kid) == 8 and all(c in "0123456789abcdef" for c in kid)):
        raise ValueError("not a kid")
    return keys_dir(instance_path) / f"{kid}.pem"


def write_private_key(path: Path, key: Ed25519PrivateKey) -> bool:
    """Writes the key (0600, fsynced); False when the file exists. Never overwrites."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    _sync_dir(path.parent)
    return True


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The private key in `path`; FileNotFoundError when it is missing.

    Every letter issued needs it: the parsed key is kept per process, and read
    again only when the file changes (a restore).
    """
    stat = path.stat()
    return _parsed_key(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _parsed_key(path: str, _mtime_ns: int, _size: int) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("signing key is not Ed25519")
    return key
