"""Files at rest: what the app writes is readable by its own account only.

The database, imports, exports, letters and backups hold the village's personal
data; on a shared laptop another account must not read them. The process umask
makes every new file 0600 and every new folder 0700; `loose` finds what an older
version (or a copy by hand) left readable to others, for `desa doctor`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def owner_only() -> None:
    """New files 0600 and folders 0700 from now on, for this whole process."""
    os.umask(OWNER_ONLY_UMASK)


def loose(roots: Iterable[Path]) -> list[Path]:
    """Files and folders under `roots` that the group or others may read or enter."""
    found: list[Path] = []
    seen: set[Path] = set()
    for root in roots:
        if not root.exists() or root in seen:
            continue
        seen.add(root)
        items = [root] if root.is_file() else [root, *root.rglob("*")]
        for item in items:
            try:
                mode = item.lstat().st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                continue
            if stat.S_IMODE(mode) & 0o077:
                found.append(item)
    return found


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Writes `data` to `path` whole or not at all: a temporary file beside it,
    fsynced, then renamed over it; a crash leaves the old file or the new one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not every platform opens directories
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(tmp: Path, target: Path) -> None:
    """Flushes the finished file `tmp` to disk and renames it over `target`, then
    flushes the folder: a power cut leaves the old file or the whole new one."""
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)
