"""Online backups of the database and the instance files, and their restore.

One archive (`.tar.gz`) holds a consistent copy of the database (SQLite's backup
API, or `pg_dump` for PostgreSQL), the instance files that matter (signing key,
session key, stored letters, exports) and `manifest.json` with a SHA-256 for each
member. The database is copied first: a letter's PDF is written before its row is
committed, so every row in the copy finds its file in the archive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.engine import make_url

from desa.core.errors import ServiceError, ValidationError

FORMAT = "desa-backup/1"
MANIFEST = "manifest.json"
DB_SQLITE = "database/desa.sqlite"
DB_PG = "database/desa.pgdump"
# Instance folders and files carried by a backup (relative to the instance path).
INSTANCE_ITEMS = ("keys", "secret_key", "letters", "exports")
STATE_FILE = "backup-state.json"
ARCHIVE_PREFIX = "desa-backup-"
CHUNK = 1024 * 1024


class BackupError(ServiceError):
    """A backup or restore that cannot go on; nothing was changed."""

    code = "backup_failed"
    status = 409


@dataclass
class BackupResult:
    path: Path
    files: int
    size: int
    sha256: str
    # Older archives an automatic backup removed (retention).
    removed: list[Path] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems (FAT on a flash disk)
        pass
    finally:
        os.close(fd)


def _database_url() -> Any:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_dsn(url: Any) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _copy_database(url: Any, workdir: Path) -> tuple[Path, str]:
    """A consistent copy of the live database in `workdir`; returns (file, member)."""
    if url.get_backend_name() == "sqlite":
        target = workdir / "desa.sqlite"
        source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(target)
            with copy:
                # One step: the copy is a single read transaction, a snapshot.
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        return target, DB_SQLITE
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupError(
                "pg_dump tidak ditemukan; pasang paket postgresql-client."
            )
        target = workdir / "desa.pgdump"
        done = subprocess.run(  # noqa: S603 - own args, no shell  # nosec B603
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                _pg_dsn(url),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError("pg_dump gagal: " + done.stderr.strip()[:300])
        return target, DB_PG
    raise BackupError("Jenis basis data ini tidak dapat dicadangkan.")


def _instance_files(instance: Path) -> list[tuple[Path, str]]:
    files = []
    for item in INSTANCE_ITEMS:
        path = instance / item
        if path.is_file():
            files.append((path, f"instance/{item}"))
        elif path.is_dir():
            for sub in sorted(path.rglob("*")):
                if sub.is_file() and not sub.name.endswith(".tmp"):
                    rel = sub.relative_to(instance).as_posix()
                    files.append((sub, f"instance/{rel}"))
    return files


def create_backup(target: Path) -> BackupResult:
    """Writes one archive with the database, instance files and a manifest."""
    from desa.core.village import get_village

    instance = Path(current_app.instance_path)
    url = _database_url()
    village = get_village()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="desa-backup-") as tmp:
        work = Path(tmp)
        db_file, db_member = _copy_database(url, work)
        members = [(db_file, db_member), *_instance_files(instance)]
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "village_code": village.code if village else None,
            "database": url.get_backend_name(),
            "files": [
                {
                    "name": name,
                    "size": path.stat().st_size,
                    "sha256": _sha256_file(path),
                }
                for path, name in members
            ],
        }
        partial = target.with_name(target.name + ".tmp")
        # The archive holds the signing key and the whole register: owner-only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
                for path, name in members:
                    tar.add(path, arcname=name, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)  # the rename itself survives a power cut
    result = BackupResult(
        target, len(members), target.stat().st_size, _sha256_file(target)
    )
    _write_state(instance, result)
    return result


def _read_state(instance: Path) -> dict[str, Any]:
    try:
        state = json.loads((instance / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _save_state(instance: Path, state: dict[str, Any]) -> None:
    partial = instance / (STATE_FILE + ".tmp")
    partial.write_text(json.dumps(state))
    os.replace(partial, instance / STATE_FILE)


def _write_state(instance: Path, result: BackupResult) -> None:
    """A successful backup; it clears an earlier failure."""
    _save_state(
        instance,
        {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "file": str(result.path),
            "size": result.size,
            "sha256": result.sha256,
        },
    )


def record_failure(instance: Path | str, message: str) -> None:
    """Keeps why the last automatic backup failed, beside the last good one."""
    instance = Path(instance)
    state = _read_state(instance)
    state["failed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    state["error"] = message
    _save_state(instance, state)


def _naive_utc(text: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)


def backup_status(
    instance: Path | str,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the last backup, the failure since it), from one read of the state file.

    The last backup is its state with `at` as naive UTC (like the database); the
    failure is `{"at": …, "error": …}`. Either may be None.
    """
    state = _read_state(Path(instance))
    try:
        last = {**state, "at": _naive_utc(state["at"])}
    except (ValueError, KeyError, TypeError):
        last = None
    try:
        failure = {"at": _naive_utc(state["failed_at"]), "error": str(state["error"])}
    except (ValueError, KeyError, TypeError):
        failure = None
    return last, failure


def last_backup(instance: Path | str) -> dict[str, Any] | None:
    """What the last backup was and when (naive UTC, like the database), or None."""
    return backup_status(instance)[0]


def auto_backup(
    directory: Path, keep: int, now: dt.datetime | None = None
) -> BackupResult:
    """A dated archive in `directory`; older ones beyond `keep` are removed.

    The name carries `now`, the village's wall-clock time (the operator looks for
    "this morning's" backup by that date), or UTC when no moment is given.
    """
    if keep < 1:
        raise ValidationError("Jumlah cadangan yang disimpan paling sedikit 1.")
    moment = now or dt.datetime.now(dt.UTC)
    target = directory / f"{ARCHIVE_PREFIX}{moment:%Y%m%d-%H%M%S-%f}.tar.gz"
    while target.exists():  # two backups in one instant keep both, still in order
        moment += dt.timedelta(microseconds=1)
        target = directory / f"{ARCHIVE_PREFIX}{moment:%Y%m%d-%H%M%S-%f}.tar.gz"
    result = create_backup(target)
    archives = sorted(directory.glob(f"{ARCHIVE_PREFIX}*.tar.gz"))
    removed = archives[:-keep]
    for old in removed:
        old.unlink(missing_ok=True)
    result.removed = removed
    return result


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("Berkas ini bukan cadangan desa (manifes tidak ada).")
    return manifest


def _safe_member(name: str) -> bool:
    path = Path(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (name in (DB_SQLITE, DB_PG) or name.startswith("instance/"))
    )


def verify_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Extracts the archive's listed files into `into`, checking every SHA-256."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            return _extract_listed(tar, into)
    except (OSError, EOFError, tarfile.TarError):
        raise BackupError("Berkas cadangan tidak dapat dibaca atau rusak.") from None


def _extract_listed(tar: tarfile.TarFile, into: Path) -> dict[str, Any]:
    manifest = _read_manifest(tar)
    for entry in manifest.get("files", []):
        name = entry.get("name", "")
        if not _safe_member(name):
            raise BackupError(f"Isi cadangan tidak wajar: {name}.")
        try:
            member = tar.getmember(name)
        except KeyError:
            raise BackupError(f"Cadangan tidak lengkap: {name} hilang.") from None
        source = tar.extractfile(member) if member.isfile() else None
        if source is None:
            raise BackupError(f"Isi cadangan tidak wajar: {name}.")
        out = into / name
        out.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with source, out.open("wb") as fh:
            while block := source.read(CHUNK):
                digest.update(block)
                fh.write(block)
        if digest.hexdigest() != entry.get("sha256"):
            raise BackupError(f"Cadangan rusak: isi {name} tidak cocok.")
    return manifest


def _database_is_empty(url: Any) -> bool:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for table in ("users", "residents"):
                if (
                    table in tables
                    and conn.execute(
                        text(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - fixed names  # nosec B608
                    ).first()
                ):
                    return False
        return True
    finally:
        engine.dispose()


def restore_backup(archive: Path) -> dict[str, Any]:
    """Restores an archive into this (empty) instance: database, keys, letters."""
    from desa.extensions import db

    instance = Path(current_app.instance_path)
    url = _database_url()
    db.session.remove()
    db.engine.dispose()
    if not _database_is_empty(url):
        raise BackupError(
            "Basis data tujuan sudah berisi data; pulihkan hanya ke instance kosong."
        )
    with tempfile.TemporaryDirectory(prefix="desa-restore-") as tmp:
        work = Path(tmp)
        manifest = verify_archive(archive, work)
        kind = manifest.get("database")
        if kind != url.get_backend_name():
            raise BackupError(
                f"Cadangan ini dari basis data {kind}; instance ini memakai "
                f"{url.get_backend_name()}."
            )
        if kind == "sqlite":
            copy = work / DB_SQLITE
            check = sqlite3.connect(copy)
            try:
                verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                check.close()
            if verdict != "ok":
                raise BackupError("Salinan basis data dalam cadangan rusak.")
            live = Path(url.database)
            live.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(str(live) + suffix).unlink(missing_ok=True)
            shutil.copyfile(copy, live.with_name(live.name + ".tmp"))
            os.replace(live.with_name(live.name + ".tmp"), live)
        else:
            pg_restore = shutil.which("pg_restore")
            if pg_restore is None:
                raise BackupError(
                    "pg_restore tidak ditemukan; pasang paket postgresql-client."
                )
            done = subprocess.run(  # noqa: S603 - own args, no shell  # nosec B603
                [
                    pg_restore,
                    "--no-owner",
                    "--clean",
                    "--if-exists",
                    f"--dbname={_pg_dsn(url)}",
                    str(work / DB_PG),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError("pg_restore gagal: " + done.stderr.strip()[:300])
        source = work / "instance"
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    dest = instance / path.relative_to(source)
                    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    shutil.copyfile(path, dest)
                    if dest.parent.name == "keys" or dest.name == "secret_key":
                        dest.chmod(0o600)
    return manifest
