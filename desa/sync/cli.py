"""`desa sync export` and `desa sync import` (CONTRACT §9, village side)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from desa.auth.actor import command_actor
from desa.core.cli import command_errors
from desa.sync import services

sync_cli = AppGroup("sync", help="Sinkronisasi dengan hub kabupaten/kecamatan.")


@sync_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--full", is_flag=True, help="Semua data, bukan hanya perubahan baru.")
@command_errors
def sync_export(file: Path, full: bool) -> None:
    """Writes a signed bundle of every change the hub has not acknowledged."""
    result = services.export_bundle(command_actor(), file, full=full)
    click.echo(result.line)


@sync_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@command_errors
def sync_import(file: Path) -> None:
    """Reads a hub's return bundle: acknowledgements, e-KTP results, trust list."""
    got = services.import_return(
        command_actor(), file.read_bytes(), current_app.instance_path
    )
    click.echo(
        f"Balasan hub {got.hub_code}: perubahan s.d. nomor {got.acked_seq} diterima, "
        f"{got.statuses} status e-KTP diperbarui, daftar kepercayaan "
        f"{got.trust_villages} desa."
    )
