"""A web import, run in its own process: `python -m desa.residents.import_job ID`.

A register of hundreds of thousands of rows takes longer than a request may, and
must survive the web worker that accepted it; so the view starts this module with
`subprocess.Popen` and the page follows its progress. Progress goes to a small
JSON file (`instance/imports/<id>/progress.json`), not to the database: on SQLite
the import holds the write lock for its whole transaction. The job row changes in
short transactions before the import, and its final counts are saved together
with the imported rows (or, when nothing is saved, in a short transaction after).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

from desa.auth.actor import Via, command_actor
from desa.core.db import mark_write_intent, utcnow
from desa.core.errors import ServiceError
from desa.extensions import db
from desa.residents.models import ImportJob, ImportJobStatus
from desa.residents.services import refresh_after_import

log = logging.getLogger(__name__)

PROGRESS_FILE = "progress.json"
REJECTS_FILE = "rejects.csv"
LOG_FILE = "job.log"
CRASHED = "Proses impor berhenti sebelum selesai; data penduduk tidak diubah."


def job_dir(instance_path: str | os.PathLike[str], job_id: int) -> Path:
    """The folder of one import: the uploaded file, progress, rejects, log."""
    return Path(instance_path) / "imports" / str(int(job_id))


def preview_or_discard(actor: Any, job: ImportJob, instance_path: str) -> Any:
    """The importer's preview of an uploaded job; a refused file is deleted at once.

    A file the importer refuses (not a spreadsheet, no NIK column, …) holds personal
    data nobody will import: it is removed from the disk and the job ends as failed
    with the same sentence, kept even though the request shows the refusal.
    """
    import shutil

    from desa.residents import importer

    try:
        return importer.preview(job.stored_path, actor.today)
    except ServiceError as err:
        shutil.rmtree(job_dir(instance_path, job.id), ignore_errors=True)
        job.status = ImportJobStatus.FAILED
        job.error = err.message
        job.finished_at = actor.utcnow
        err.keeps_changes = True
        raise


def write_progress(directory: Path, *, keep: bool = False, **data: Any) -> None:
    """Replaces progress.json atomically (a reader never sees half a file).

    With `keep`, a progress file that already exists (the job's own) is left alone.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".progress-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        if keep:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, directory / PROGRESS_FILE)
        else:
            os.replace(tmp, directory / PROGRESS_FILE)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def read_progress(directory: Path) -> dict[str, Any]:
    """The last progress written, or {} when there is none yet."""
    try:
        with (directory / PROGRESS_FILE).open(encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def start(app: Flask, job_id: int) -> int:
    """Starts the job process (detached, same database and instance); its pid."""
    from desa import ROOT

    directory = job_dir(app.instance_path, job_id)
    directory.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["DESA_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    env["DESA_INSTANCE_PATH"] = app.instance_path
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    with (directory / LOG_FILE).open("ab") as log_file:
        process = subprocess.Popen(  # noqa: S603 - own module, no shell  # nosec B603
            [sys.executable, "-m", "desa.residents.import_job", str(int(job_id))],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            close_fds=True,
        )
    # The job may already have written its own progress; that one wins.
    write_progress(
        directory,
        keep=True,
        state="starting",
        processed=0,
        total=0,
        **identity(process.pid),
    )
    return process.pid


def is_alive(pid: int) -> bool:
    """True while process `pid` runs (our own child is reaped when it has ended)."""
    try:
        ended, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # started by another worker, or already reaped
    else:
        return ended != pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed job whose parent died too lingers as a zombie until init reaps it.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # not Linux, or it has just gone: kill(0) said it was there
    return stat.rsplit(")", 1)[-1].split()[:1] not in (["Z"], ["X"])


def boot_id() -> str | None:
    """This boot of the machine (Linux); a pid from before a power cut means nothing."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:  # pragma: no cover - not Linux
        return None


def identity(pid: int) -> dict[str, Any]:
    """Who runs a job: its pid, on which machine, since which boot."""
    return {"pid": pid, "host": socket.gethostname(), "boot": boot_id()}


def abandoned(directory: Path) -> bool:
    """True when this machine started the job and its process is gone.

    After a power cut the machine has rebooted: the recorded pid may belong to
    some other process by now, so a job from an earlier boot is gone too.
    """
    data = read_progress(directory)
    pid, host = data.get("pid"), data.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return False
    if data.get("state") not in ("starting", "running"):
        return False
    booted = data.get("boot")
    if booted and booted != boot_id():
        return True
    return not is_alive(pid)


def run_job(app: Flask, job_id: int) -> int:
    """Runs one claimed job (status `running`); 0 when it finished, 1 otherwise."""
    from desa.residents.importer import run_import

    directory = job_dir(app.instance_path, job_id)
    job = db.session.get(ImportJob, job_id)
    if (
        job is None
        or job.status != ImportJobStatus.RUNNING
        or job.finished_at is not None
    ):
        log.error("import job %s is not waiting to run", job_id)
        return 1
    path, filename, strict = job.stored_path, job.filename, job.strict
    actor = job.created_by
    db.session.commit()  # ends the read; the import takes the write lock itself
    mine = identity(os.getpid())
    write_progress(directory, state="running", processed=0, total=0, **mine)

    def progress(processed: int, total: int) -> None:
        write_progress(
            directory, state="running", processed=processed, total=total, **mine
        )

    mark_write_intent()
    try:
        result = run_import(
            command_actor(via=Via.JOB),
            path,
            strict=strict,
            actor_name=actor,
            progress=progress,
            rejects_path=directory / REJECTS_FILE,
            filename=filename,
        )
    except Exception as err:
        db.session.rollback()
        if isinstance(err, ServiceError):
            message = err.message
        else:
            log.exception("import job %s failed", job_id)
            message = "Impor gagal karena kesalahan tak terduga; data tidak diubah."
        _finish(job_id, status=ImportJobStatus.FAILED, error=message)
        write_progress(directory, state="failed", processed=0, total=0, **mine)
        return 1
    note = None
    if strict and result.rejected:
        note = "Mode ketat: tidak ada yang disimpan karena ada baris yang ditolak."
    # Saved with the rows when they are committed, so the two never disagree.
    _finish(job_id, status=ImportJobStatus.DONE, error=note, result=result)
    write_progress(
        directory,
        state="done",
        processed=result.processed,
        total=result.processed,
        **mine,
    )
    refresh_after_import(result)
    return 0


def _finish(job_id: int, *, status: str, error: str | None, result: Any = None) -> None:
    """Records the outcome on the job row and commits."""
    job = db.session.get(ImportJob, job_id)
    if job is None:  # pragma: no cover - deleted while running
        db.session.rollback()
        return
    job.status = status
    job.error = error
    job.finished_at = utcnow()
    if result is not None:
        job.processed = result.processed
        job.total = max(job.total, result.processed)
        job.imported, job.updated = result.imported, result.updated
        job.unchanged, job.rejected = result.unchanged, result.rejected
        job.rejects_path = result.rejects_path
        job.columns = json.dumps(
            {
                "columns": result.columns,
                "unknown": result.unknown_columns,
                "first_errors": result.first_errors,
            }
        )
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the job process."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("pemakaian: python -m desa.residents.import_job ID", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from desa import create_app

    app = create_app()
    with app.app_context():
        return run_job(app, int(args[0]))


if __name__ == "__main__":
    sys.exit(main())
