"""`desa backup`, `desa restore`, `desa doctor`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from desa.core.cli import command_errors, fail


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--auto",
    is_flag=True,
    help="Ke folder cadangan desa (halaman Cadangan, atau DESA_BACKUP_DIR) dengan "
    "nama bertanggal; yang lama dihapus sesuai jumlah yang disimpan.",
)
@with_appcontext
@command_errors
def backup_command(file: Path | None, auto: bool) -> None:
    """Writes a consistent backup of the database and instance files."""
    from desa.auth.actor import command_actor
    from desa.core.db import clear_write_intent
    from desa.maintenance.backup import create_backup
    from desa.maintenance.schedule import current_schedule, make_backup, record_backup

    if auto == (file is not None):
        fail("Sebutkan satu FILE tujuan, atau pakai --auto.", code=2)
    # Copying reads only: the office keeps working while it runs.
    clear_write_intent()
    actor = command_actor()
    if auto:
        result = make_backup(actor, current_schedule(), how="perintah")
    else:
        try:
            result = create_backup(file)
        except OSError as err:
            fail(f"Cadangan tidak dapat ditulis: {err.strerror or err}.")
        record_backup(actor, result, how="perintah")
    click.echo(
        f"Cadangan dibuat: {result.path} ({result.files} berkas, "
        f"{result.size / 1024**2:.1f} MB, sha256 {result.sha256[:16]}…)."
    )
    for old in result.removed:
        click.echo(f"Cadangan lama dihapus: {old.name}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@command_errors
def restore_command(file: Path) -> None:
    """Restores a backup into this instance, which must be empty."""
    from desa.maintenance.backup import restore_backup

    if not file.is_file():
        fail(f"Berkas cadangan tidak ditemukan: {file}.")
    try:
        manifest = restore_backup(file)
    except OSError as err:
        fail(f"Cadangan tidak dapat dipulihkan: {err.strerror or err}.")
    click.echo(
        f"Cadangan {manifest['created_at']} dipulihkan ({len(manifest['files'])} "
        "berkas). Jalankan `desa init` untuk memutakhirkan skema bila perlu."
    )


@click.command("doctor")
@with_appcontext
@command_errors
def doctor_command() -> None:
    """Checks configuration, database, key, disk and backups; exit 0 when all are fine."""
    from desa.maintenance.doctor import OK, run_checks

    verdicts = run_checks()
    for verdict in verdicts:
        click.echo(verdict.line)
    if any(v.level != OK for v in verdicts):
        sys.exit(1)
