"""`desa resident …`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from desa.auth.actor import command_actor
from desa.core.cli import command_errors, fail
from desa.core.db import begin_write, clear_write_intent
from desa.core.unit_of_work import after_commit
from desa.residents import services
from desa.residents.models import LifeStatus

resident_cli = AppGroup("resident", help="Data penduduk.")


@resident_cli.command("pin")
@click.argument("nik")
@command_errors
def resident_pin(nik: str) -> None:
    """(Re)issues a resident's self-service PIN, printed once."""
    resident = services.find_by_nik(nik)
    if resident is None:
        fail("Penduduk dengan NIK itu tidak ditemukan.")
    if resident.life_status != LifeStatus.ACTIVE:
        fail("Penduduk ini tidak berstatus aktif; PIN tidak dapat diberikan.")
    pin = services.issue_pin(command_actor(), resident)
    click.echo(f"PIN baru untuk {resident.name}: {pin}")


@resident_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--strict", is_flag=True, help="Tidak menyimpan apa pun bila ada baris ditolak."
)
@click.option("--dry-run", is_flag=True, help="Hanya memeriksa; tidak menyimpan.")
@command_errors
def resident_import(file: Path, strict: bool, dry_run: bool) -> None:
    """Imports residents from CSV/XLSX; exit 3 when some rows were rejected."""
    from desa.residents.importer import run_import

    if dry_run:
        # A dry run only reads: it must not hold the write lock meanwhile.
        clear_write_intent()
    rejects_path = file.with_name(file.name + ".rejects.csv")
    with contextlib.ExitStack() as stack:
        bar: Any = None

        def progress(processed: int, total: int) -> None:
            # Shown from the first chunk on: a file refused at once gets its one
            # sentence on stderr and nothing else.
            nonlocal bar
            if bar is None:
                bar = stack.enter_context(
                    click.progressbar(length=total, label="Mengimpor", file=sys.stderr)
                )
            bar.length = max(total, 1)
            bar.update(processed - bar.pos)

        result = run_import(
            command_actor(),
            file,
            strict=strict,
            dry_run=dry_run,
            actor_name="sistem (baris perintah)",
            progress=progress,
            rejects_path=rejects_path,
        )
    after_commit(lambda: services.refresh_after_import(result))
    click.echo(result.summary)
    if result.unchanged:
        click.echo(f"{result.unchanged} baris tidak berubah.", err=True)
    if result.rejects_path:
        click.echo(
            f"{result.rejected} baris ditolak; lihat {result.rejects_path}", err=True
        )
    if result.unknown_columns:
        click.echo(
            "Kolom tidak dikenal diabaikan: " + ", ".join(result.unknown_columns),
            err=True,
        )
    if dry_run:
        click.echo("Uji coba: tidak ada yang disimpan.", err=True)
    elif strict and result.rejected:
        click.echo(
            "Mode ketat: tidak ada yang disimpan karena ada baris yang ditolak.",
            err=True,
        )
    if result.rejected:
        sys.exit(3)


@resident_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@command_errors
def resident_export(file: Path) -> None:
    """Writes every resident with the import's columns (CSV or XLSX)."""
    from desa.residents.importer import export_residents, record_export

    if file.suffix.lower() not in (".csv", ".xlsx"):
        fail("Nama berkas harus berakhiran .csv atau .xlsx.")
    clear_write_intent()
    try:
        count = export_residents(file)
    except OSError as err:
        fail(f"Berkas tidak dapat ditulis: {err.strerror or err}.")
    begin_write()  # the export only read; its audit line needs the write lock
    record_export(command_actor(), file, count)
    click.echo(f"{count} penduduk diekspor ke {file}.")
