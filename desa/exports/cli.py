"""`desa recording …`: the pending list to a file, the district's results back."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from desa.auth.actor import command_actor
from desa.core.cli import command_errors, fail

recording_cli = AppGroup(
    "recording", help="Perekaman KTP-el: ekspor dan hasil Disdukcapil."
)

ACTOR = "sistem (baris perintah)"


@recording_cli.command("export-pending")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    help="Format berkas (bawaan: dari akhiran nama berkas, selain itu xlsx).",
)
@click.option(
    "--only-new",
    is_flag=True,
    help="Hanya penduduk yang belum ada di ekspor sebelumnya.",
)
@command_errors
def export_pending(file: Path, fmt: str | None, only_new: bool) -> None:
    """Writes the pending-recording list as an export batch, with its manifest."""
    from desa.exports import pending

    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "xlsx")
    if not file.parent.is_dir():
        fail(f"Folder {file.parent} tidak ada.")
    if file.exists() and file.is_dir():
        fail(f"{file} adalah folder, bukan berkas.")
    instance = current_app.instance_path
    batch = pending.export_pending(
        command_actor(),
        fmt,
        only_new=only_new,
        instance_path=instance,
        actor_name=ACTOR,
    )
    try:
        manifest = pending.copy_out(batch, instance, file)
    except OSError as err:
        fail(f"Berkas tidak dapat ditulis: {err.strerror or err}.")
    click.echo(
        f"{batch.rows} penduduk belum rekam diekspor ke {file} (batch #{batch.id}, "
        f"{fmt}); manifest: {manifest}"
    )


@recording_cli.command("import-results")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--confirm-lowered",
    is_flag=True,
    help="Terapkan juga baris yang menurunkan status (mis. 4 → 2) setelah diperiksa.",
)
@command_errors
def import_results(file: Path, confirm_lowered: bool) -> None:
    """Reads the district's results (NIK, STAT_RKM); exit 3 when some NIKs are
    unknown or some rows would lower a status (those are not applied)."""
    from desa.exports import results

    try:
        summary = results.import_file(
            command_actor(), file, actor_name=ACTOR, confirm_lowered=confirm_lowered
        )
    except results.ResultsError as err:
        fail(err.message)  # its first bad line is in it; the rest would be a wall
    click.echo(summary.line)
    if summary.skipped:
        click.echo(f"{summary.skipped} baris tanpa STAT_RKM dilewati.", err=True)
    if summary.released:
        click.echo(
            f"{summary.released} jadwal perekaman yang akan datang dibatalkan "
            "(sudah merekam).",
            err=True,
        )
    for position, nik in summary.unmatched:
        click.echo(f"tidak cocok: baris {position}, NIK {nik}", err=True)
    for position, nik, before, after in summary.lowered:
        click.echo(
            f"menurunkan status, tidak diterapkan: baris {position}, NIK {nik}, "
            f"{results.status_label(before)} → {results.status_label(after)}",
            err=True,
        )
    if summary.lowered:
        click.echo(
            f"{len(summary.lowered)} baris menurunkan status dan tidak diterapkan; "
            "periksa, lalu jalankan lagi dengan --confirm-lowered untuk menerapkannya.",
            err=True,
        )
    if summary.unmatched or summary.lowered:
        sys.exit(3)
