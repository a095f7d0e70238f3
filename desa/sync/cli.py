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
    """Reads a hub's return bundle: acknowledgements, e-KTP results, trust list,
    the sessions the hub planned."""
    got = services.import_return(
        command_actor(), file.read_bytes(), current_app.instance_path
    )
    click.echo(
        f"Balasan hub {got.hub_code}: perubahan s.d. nomor {got.acked_seq} diterima, "
        f"{got.statuses} status e-KTP diperbarui, {got.sessions} jadwal dari hub, "
        "daftar kepercayaan "
        f"{got.trust_villages} desa."
    )


@sync_cli.command("push")
@click.argument("hub_url")
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Berkas berisi token hub (bawaan: variabel DESA_HUB_TOKEN).",
)
@click.option(
    "--chunk-kb", default=256, show_default=True, type=click.IntRange(4, 1024)
)
@click.option("--full", is_flag=True, help="Semua data, bukan hanya perubahan baru.")
@command_errors
def sync_push(hub_url: str, token_file: Path | None, chunk_kb: int, full: bool) -> None:
    """Sends the bundle to the hub over HTTP in chunks, resuming a broken upload."""
    import os

    from desa.core.cli import fail
    from desa.sync import push

    token = (
        token_file.read_text(encoding="utf-8").strip()
        if token_file
        else os.environ.get("DESA_HUB_TOKEN", "").strip()
    )
    if not token:
        fail("Token hub tidak ada: beri --token-file BERKAS atau DESA_HUB_TOKEN.", 2)
    from desa.core.unit_of_work import commit

    actor = command_actor()
    path = push.prepare(actor, hub_url, current_app.instance_path, full=full)
    commit()  # no lock is held while the bytes go over the link
    result, resumed_at = push.send(path, hub_url, token, chunk=chunk_kb * 1024)
    got = push.acknowledge(actor, path, result, resumed_at)
    if got.resumed_at:
        click.echo(f"Dilanjutkan dari bait {got.resumed_at}.")
    click.echo(got.line)
