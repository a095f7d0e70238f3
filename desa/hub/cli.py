"""`desa hub …` (CONTRACT §9, hub side)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from desa.auth.actor import command_actor
from desa.core.cli import command_errors, fail
from desa.core.files import write_atomic
from desa.hub import apply, services
from desa.trust import bundle as trust_bundle

hub_cli = AppGroup("hub", help="Hub kabupaten/kecamatan: desa, bundel, balasan.")
village_cli = AppGroup("village", help="Desa yang terdaftar di hub.")
hub_trust_cli = AppGroup("trust", help="Daftar kepercayaan kabupaten.")
targets_cli = AppGroup("targets", help="Sasaran proyeksi wajib KTP dari Disdukcapil.")
results_cli = AppGroup("results", help="Hasil perekaman dari Disdukcapil.")
hub_cli.add_command(village_cli)
hub_cli.add_command(hub_trust_cli)
hub_cli.add_command(targets_cli)
hub_cli.add_command(results_cli)

_IN = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.Path(dir_okay=False, path_type=Path)


@hub_cli.command("init")
@click.option("--kabupaten", "code", required=True, help="Kode Kemendagri, mis. 61.01.")
@command_errors
def hub_init(code: str) -> None:
    """Makes this instance the hub of a kabupaten (or kecamatan); idempotent."""
    from flask_migrate import upgrade

    upgrade()
    hub, made = services.init_hub(command_actor(), code)
    click.echo(f"Hub {hub.code} ({hub.name}) {'siap' if made else 'sudah terpasang'}.")


@village_cli.command("add")
@click.argument("keys_file", type=_IN)
@command_errors
def village_add(keys_file: Path) -> None:
    """Registers a village (or its new keys) from its `desa keys export` file."""
    try:
        document = json.loads(keys_file.read_bytes())
    except (UnicodeDecodeError, ValueError):
        fail(f"{keys_file} bukan berkas kunci desa (JSON dari `desa keys export`).")
    got = services.register_village(command_actor(), document)
    click.echo(
        f"Desa {got.village.code} ({got.village.name}) "
        f"{'terdaftar' if got.new else 'sudah terdaftar'}: "
        f"{got.keys_added} kunci baru."
    )


@hub_cli.command("import")
@click.argument("bundle_file", type=_IN)
@command_errors
def hub_import(bundle_file: Path) -> None:
    """Verifies and applies a village bundle in one transaction."""
    got = apply.apply_bundle(command_actor(), bundle_file.read_bytes())
    click.echo(got.line)


@hub_cli.command("return")
@click.argument("village_code")
@click.argument("file", type=_OUT)
@command_errors
def hub_return(village_code: str, file: Path) -> None:
    """Writes the return bundle for a village."""
    got = services.write_return(command_actor(), village_code, file)
    click.echo(
        f"Balasan untuk {got.village_code} ditulis ke {file}: dikonfirmasi sampai "
        f"nomor {got.acked_seq}, {got.statuses} status e-KTP."
    )


@hub_trust_cli.command("export")
@click.argument("file", type=_OUT)
@command_errors
def hub_trust_export(file: Path) -> None:
    """Writes the kabupaten trust list, signed by the hub."""
    document = services.trust_list(command_actor())
    try:
        write_atomic(file, trust_bundle.dump(document))
    except OSError as err:
        fail(f"Tidak dapat menulis {file}: {err.strerror or err}.")
    revoked = sum(len(v["revoked"]) for v in document["villages"])
    click.echo(
        f"Daftar kepercayaan {document['issuer']['name']} ditulis ke {file}: "
        f"{len(document['villages'])} desa, {revoked} surat dicabut."
    )


@targets_cli.command("import")
@click.argument("file", type=_IN)
@command_errors
def targets_import(file: Path) -> None:
    """Keeps the projection targets of a CSV (kode;target), all or none."""
    from desa.hub import targets

    count = targets.import_targets(command_actor(), file.read_bytes(), file.name)
    click.echo(f"{count} sasaran proyeksi disimpan dari {file.name}.")


@results_cli.command("import")
@click.argument("file", type=_IN)
@click.option(
    "--confirm-lowered",
    is_flag=True,
    help="Terapkan juga hasil yang menurunkan status (sudah diperiksa).",
)
@command_errors
def results_import(file: Path, confirm_lowered: bool) -> None:
    """Sets the district's statuses from a results file (NIK, STAT_RKM)."""
    from desa.exports.results import read_file
    from desa.hub import results

    summary = results.apply_results(
        command_actor(),
        read_file(file),
        source="file",
        file_name=file.name,
        confirm_lowered=confirm_lowered,
    )
    click.echo(summary.line)
