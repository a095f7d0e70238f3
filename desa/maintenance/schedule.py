"""The automatic daily backup, run by the app itself.

Every serving process (each gunicorn worker, `flask run`) keeps one small daemon
thread that wakes every few minutes and asks whether today's backup is due: the
village's backup hour has passed (in the village's time zone) and no backup has
been made since. The laptop of a village office is off at night, so "daily" means
the first check after that hour. An exclusive lock file lets only one process
make it, and the state is read again under the lock, so two workers never make
the same day's backup twice. A failure (the flash disk not plugged in) is kept in
the state file and shown on the admin home and by `desa doctor`; the next check
tries again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from desa.auth.actor import Actor
from desa.core.errors import ServiceError
from desa.maintenance import backup

try:  # POSIX; elsewhere the schedule runs without the cross-process lock
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LOCK_FILE = "backup.lock"
CHECK_EVERY = dt.timedelta(minutes=10)
FIRST_CHECK_AFTER = dt.timedelta(minutes=1)
DEFAULT_TIME = "12:00"


def check_folder(text: str) -> Path:
    """A folder the admin chose for backups: absolute, existing and writable."""
    from flask_babel import gettext as _

    from desa.core.errors import ValidationError

    def refuse(message: str) -> ValidationError:
        return ValidationError(message, fields={"backup_dir": [message]})

    folder = Path(text.strip())
    if not folder.is_absolute():
        raise refuse(
            _(
                "Tulis folder lengkap dari akar, misalnya /media/desa/FLASHDISK/cadangan."
            )
        )
    if not folder.is_dir():
        raise refuse(
            _("Folder tidak ditemukan. Pasang flash disk lalu buat foldernya dahulu.")
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise refuse(_("Folder tidak dapat ditulisi oleh aplikasi."))
    static = Path(current_app.static_folder or "").resolve()
    if folder.resolve().is_relative_to(static):
        # Whatever lies there is served to anyone: never the village's data.
        raise refuse(_("Folder itu dapat diunduh siapa saja; pilih folder lain."))
    return folder


def update_settings(actor: Actor, village: Any, data: dict[str, Any]) -> None:
    """Saves the admin's backup settings on the village row, audited."""
    from desa.auth import audit

    folder = (data.get("backup_dir") or "").strip()
    village.backup_dir = str(check_folder(folder)) if folder else None
    village.backup_auto = bool(data.get("backup_auto"))
    when = data["backup_time"]
    village.backup_time = f"{when.hour:02d}:{when.minute:02d}"
    village.backup_keep = data.get("backup_keep") or None
    audit.record(
        actor,
        "maintenance.backup_settings",
        object_type="village",
        object_id=village.code,
        detail=f"otomatis={'ya' if village.backup_auto else 'tidak'}, "
        f"pukul {village.backup_time}, simpan {village.backup_keep or '-'}",
    )


@dataclass(frozen=True)
class Schedule:
    """Where and when the automatic backup runs (the village's settings)."""

    enabled: bool
    directory: Path
    keep: int
    time: dt.time
    timezone: str


def current_schedule() -> Schedule:
    """The village's settings, with the configuration's folder and count as fallback."""
    from desa.core.village import get_village

    cfg = current_app.config
    village = get_village()
    directory = (village.backup_dir if village else None) or cfg["BACKUP_DIR"]
    keep = (village.backup_keep if village else None) or cfg["BACKUP_KEEP"]
    return Schedule(
        enabled=bool(cfg.get("BACKUP_AUTO", True))
        and (village.backup_auto if village else True),
        directory=Path(directory),
        keep=int(keep),
        time=parse_time((village.backup_time if village else None) or DEFAULT_TIME),
        timezone=(village.timezone if village else None) or "Asia/Pontianak",
    )


def parse_time(text: str) -> dt.time:
    """`"07:30"` → 07:30; a damaged value falls back to noon rather than failing."""
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return dt.time(hour, minute)
    except (ValueError, TypeError):
        return dt.time(12, 0)


def due(schedule: Schedule, last_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Is a backup due at `now` (naive UTC), the last one made at `last_at` (naive UTC)?

    Due once the day's backup hour has passed in the village's time zone and no
    backup was made since that moment.
    """
    if not schedule.enabled:
        return False
    zone = ZoneInfo(schedule.timezone)
    local_now = now.replace(tzinfo=dt.UTC).astimezone(zone)
    slot = local_now.replace(
        hour=schedule.time.hour,
        minute=schedule.time.minute,
        second=0,
        microsecond=0,
    )
    if local_now < slot:
        slot -= dt.timedelta(days=1)  # before today's hour: yesterday's slot counts
    if last_at is None:
        return True
    return last_at.replace(tzinfo=dt.UTC) < slot


@contextlib.contextmanager
def _exclusive(instance: Path) -> Iterator[bool]:
    """Holds the instance's backup lock if no other process does; yields whether it does."""
    if fcntl is None:  # pragma: no cover - Windows
        yield True
        return
    instance.mkdir(parents=True, exist_ok=True)
    with (instance / LOCK_FILE).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def run_if_due(actor: Actor) -> backup.BackupResult | None:
    """Makes the day's automatic backup if it is due at the actor's time; returns it.

    Needs an app context. A failure is recorded (and logged), not raised: the
    scheduler thread must outlive a missing flash disk.
    """
    from desa.core.db import clear_write_intent

    instance = Path(current_app.instance_path)
    now = actor.utcnow
    clear_write_intent()
    schedule = current_schedule()
    last = backup.last_backup(instance)
    if not due(schedule, last["at"] if last else None, now):
        return None
    with _exclusive(instance) as mine:
        if not mine:
            return None  # another process is making it right now
        last = backup.last_backup(instance)  # it may have just finished one
        if not due(schedule, last["at"] if last else None, now):
            return None
        try:
            return make_backup(actor, schedule, how="jadwal harian")
        except backup.BackupError:
            return None  # recorded; the next check tries again


def make_backup(actor: Actor, schedule: Schedule, *, how: str) -> backup.BackupResult:
    """One backup into the schedule's folder with its retention, audited.

    The folder must exist (a flash disk that is not plugged in must not become a
    folder on the laptop's own disk), except the default one inside the instance.
    A failure is recorded for the admin home and `desa doctor`, then raised as a
    BackupError carrying the same sentence.
    """
    from flask_babel import gettext as _

    instance = Path(current_app.instance_path)
    try:
        if schedule.directory.resolve().is_relative_to(instance.resolve()):
            schedule.directory.mkdir(parents=True, exist_ok=True)
        if not schedule.directory.is_dir():
            raise backup.BackupError(
                _(
                    "Folder cadangan tidak ditemukan: %(folder)s. Pasang flash disk "
                    "atau pilih folder lain.",
                    folder=str(schedule.directory),
                )
            )
        result = backup.auto_backup(schedule.directory, schedule.keep, actor.now)
    except (OSError, ServiceError) as err:
        message = (
            err.message
            if isinstance(err, ServiceError)
            else _(
                "Cadangan tidak dapat ditulis ke %(folder)s: %(reason)s.",
                folder=str(schedule.directory),
                reason=str(err.strerror or err),
            )
        )
        backup.record_failure(instance, message)
        log.warning("automatic backup failed: %s", message)
        raise backup.BackupError(message) from None
    record_backup(actor, result, how=how)
    return result


def record_backup(actor: Actor, result: backup.BackupResult, *, how: str) -> None:
    """The audit line of a backup made (by the schedule, the admin or a command).

    The copy itself only read; the audit line is written in a fresh transaction
    that takes the write lock at once.
    """
    from desa.auth import audit
    from desa.core.db import begin_write

    begin_write()
    removed = f"; {len(result.removed)} lama dihapus" if result.removed else ""
    audit.record(
        actor,
        "maintenance.backup",
        detail=f"{result.path.name} ({result.files} berkas, {how}{removed})",
    )


class _Scheduler:
    """One daemon thread per process; started again in a forked child."""

    def __init__(self, app: Flask, every: dt.timedelta, first: dt.timedelta) -> None:
        self.app = app
        self.every = every
        self.first = first
        self.pid: int | None = None
        self.stop = threading.Event()

    def start(self) -> None:
        if self.pid == os.getpid():
            return
        self.pid = os.getpid()
        self.stop = threading.Event()
        thread = threading.Thread(
            target=self._loop, name="desa-backup-schedule", daemon=True
        )
        thread.start()

    def _loop(self) -> None:
        wait = self.first
        while not self.stop.wait(wait.total_seconds()):
            wait = self.every
            try:
                with self.app.app_context():
                    check_once()
            except Exception:  # the thread must live on; the error goes to the log
                log.exception("automatic backup check failed")


def check_once() -> backup.BackupResult | None:
    """One check of the schedule thread: its own actor and unit of work."""
    from desa.auth.actor import Via, command_actor
    from desa.core.unit_of_work import commit, rollback

    try:
        result = run_if_due(command_actor(via=Via.JOB))
    except BaseException:
        rollback()
        raise
    commit()
    return result


def start_scheduler(
    app: Flask,
    every: dt.timedelta = CHECK_EVERY,
    first: dt.timedelta = FIRST_CHECK_AFTER,
) -> threading.Event | None:
    """Starts the backup thread in this process (and in every forked child).

    Returns the event that stops it, or None when `DESA_BACKUP_AUTO` is off.
    """
    if not app.config.get("BACKUP_AUTO", True):
        return None
    scheduler = _Scheduler(app, every, first)
    scheduler.start()
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=scheduler.start)
    return scheduler.stop
