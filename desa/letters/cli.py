"""`desa letter …`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from desa.core.cli import fail
from desa.core.formatting import format_date
from desa.letters import token as tokens

letter_cli = AppGroup("letter", help="Surat dan surat pengantar.")


@letter_cli.command("verify")
@click.argument("token_or_url")
@click.option(
    "--public-key",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Berkas PEM kunci publik desa (keluaran `desa keys public`).",
)
def letter_verify(token_or_url: str, key_file: Path | None) -> None:
    """Checks a letter's QR token offline (no database, no network); exit 0 if valid."""
    try:
        if key_file is not None:
            key = tokens.public_key_from_pem(key_file.read_bytes())
        else:
            from desa.letters.verification import public_key

            key = public_key()
    except FileNotFoundError:
        fail(
            "Berkas kunci tidak ditemukan; beri --public-key atau jalankan `desa init`."
        )
    except (ValueError, TypeError, OSError):
        fail("Berkas kunci bukan kunci publik Ed25519 yang sah.")
    payload = tokens.verify(tokens.token_from_text(token_or_url), key)
    if payload is None:
        click.echo(
            "Tidak sah: tanda tangan tidak cocok dengan kunci desa atau token rusak."
        )
        sys.exit(1)
    try:
        issued = format_date(dt.date.fromisoformat(payload["d"]))
    except ValueError:
        issued = payload["d"]
    click.echo(
        f"Sah: surat nomor {payload['no']} ({payload['t']}) tanggal {issued} atas nama "
        f"{payload['h']} (NIK {payload['n']}) ditandatangani dengan kunci desa "
        f"{payload['vc']}; status pencabutan hanya dapat dilihat di halaman pemeriksaan."
    )
