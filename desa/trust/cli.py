"""`desa keys …` and `desa trust export` (CONTRACT §3, §8)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from desa.auth.actor import command_actor
from desa.core.cli import command_errors, fail
from desa.core.files import write_atomic
from desa.core.village import get_village, to_village
from desa.trust import bundle, keys, services

keys_cli = AppGroup("keys", help="Kunci tanda tangan surat.")
trust_cli = AppGroup("trust", help="Daftar kepercayaan: kunci desa dan surat dicabut.")

_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@keys_cli.command("public")
def keys_public() -> None:
    """Prints the public key (PEM) of the active key, which verifies new letters."""
    from cryptography.hazmat.primitives import serialization

    row = keys.active_key()
    if row is None:
        fail("Kunci tanda tangan belum ada. Jalankan `desa init` terlebih dahulu.")
    pem = keys.public_key(row).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    click.echo(pem.decode(), nl=False)


@keys_cli.command("list")
def keys_list() -> None:
    """One line per signing key: KID STATUS CREATED."""
    rows = keys.all_keys()
    if not rows:
        fail("Kunci tanda tangan belum ada. Jalankan `desa init` terlebih dahulu.")
    for row in rows:
        created = to_village(row.created_at).date().isoformat()
        click.echo(f"{row.kid} {row.status} {created}")
    lost = keys.missing_private_key()
    if lost is not None:
        click.echo(
            f"Berkas kunci aktif {lost.kid} hilang: jalankan `desa keys rotate`.",
            err=True,
        )


@keys_cli.command("rotate")
@command_errors
def keys_rotate() -> None:
    """A new active key; the old one is retired and keeps verifying its letters."""
    actor = command_actor()
    old = keys.active_key()
    new = keys.rotate(actor)
    if old is not None:
        click.echo(
            f"Kunci {old.kid} dipensiunkan: surat yang ditandatanganinya tetap sah "
            "dan tidak ada surat baru yang ditandatanganinya."
        )
    click.echo(
        "Kunci baru aktif; bagikan `desa trust export` yang baru ke penerima surat."
    )
    click.echo(new.kid)


@keys_cli.command("export")
@click.argument("file", type=_FILE)
def keys_export(file: Path) -> None:
    """Writes every public key of this village as JSON (as /.well-known/desa-keys.json)."""
    document = keys.keys_document(get_village())
    if not document["keys"]:
        fail("Kunci tanda tangan belum ada. Jalankan `desa init` terlebih dahulu.")
    _write(file, (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode())
    click.echo(f"{len(document['keys'])} kunci ditulis ke {file}.")


@trust_cli.command("export")
@click.argument("file", type=_FILE)
@command_errors
def trust_export(file: Path) -> None:
    """Writes the signed trust bundle: this village's keys and revoked letters."""
    actor = command_actor()
    document = services.village_bundle(actor)
    _write(file, bundle.dump(document))
    (village,) = document["villages"]
    click.echo(
        f"Daftar kepercayaan {village['name']} ditulis ke {file}: "
        f"{len(village['keys'])} kunci, {len(village['revoked'])} surat dicabut."
    )


def _write(file: Path, data: bytes) -> None:
    try:
        write_atomic(file, data)
    except OSError as err:
        fail(f"Tidak dapat menulis {file}: {err.strerror or err}.")
