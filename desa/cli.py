"""The `desa` command line (a Flask CLI group).

Documented in docs/cli.md.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from desa.core.cli import command_errors


def register_commands(app: Flask) -> None:
    """Adds every domain's commands to `app.cli` (so `flask` and `desa` both work)."""
    from desa.appointments.cli import appointments_cli
    from desa.auth.cli import token_cli, user_cli
    from desa.exports.cli import recording_cli
    from desa.letters.cli import letter_cli
    from desa.residents.cli import resident_cli
    from desa.trust.cli import keys_cli, trust_cli

    for group in (user_cli, token_cli, resident_cli, letter_cli, recording_cli):
        app.cli.add_command(group)
    app.cli.add_command(appointments_cli)
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(keys_cli)
    app.cli.add_command(trust_cli)
    from desa.maintenance.cli import backup_command, doctor_command, restore_command

    for command in (backup_command, restore_command, doctor_command):
        app.cli.add_command(command)


@click.command("init")
@click.option(
    "--village-code", help="Kode wilayah Kemendagri desa, misalnya 61.01.12.2002."
)
@command_errors
def init_command(village_code: str | None) -> None:
    """Creates or upgrades the schema, makes the signing key, sets the village."""
    from flask_migrate import upgrade

    from desa.auth.actor import command_actor
    from desa.core.village import get_village, set_village
    from desa.extensions import db
    from desa.trust import keys

    upgrade()
    db.session.remove()
    made_key = keys.ensure_active_key(command_actor())
    lost = keys.missing_private_key()
    village = get_village()
    if village_code or village is None:
        village = set_village(village_code or "61.01.12.2002")
    click.echo(f"Basis data siap ({db.engine.url.get_backend_name()}).")
    if made_key:
        click.echo(f"Kunci tanda tangan surat siap (kid {keys.active_key().kid}).")
    if lost is not None:
        click.echo(
            f"Berkas kunci tanda tangan aktif (kid {lost.kid}) hilang. Jalankan "
            "`desa keys rotate`: surat yang sudah terbit tetap dapat diperiksa.",
            err=True,
        )
    click.echo(
        f"{village.title}, Kecamatan {village.district}, {village.regency}, "
        f"{village.province} ({village.code})."
    )


@click.command("demo")
@click.option(
    "--residents",
    "count",
    default=1500,
    show_default=True,
    type=click.IntRange(10, 500_000),
)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option(
    "--if-empty", is_flag=True, help="Lewati tanpa galat bila basis data sudah berisi."
)
@command_errors
def demo_command(count: int, seed: int, if_empty: bool) -> None:
    """Fills an empty database with a believable demo village and prints the sign-ins."""
    from desa.auth.actor import command_actor
    from desa.demo import database_is_empty, load_demo

    if if_empty and not database_is_empty():
        click.echo("Basis data sudah berisi data; data contoh tidak dimuat ulang.")
        return

    accounts = load_demo(command_actor(), count, seed)
    click.echo("Desa contoh dimuat. Akun untuk mencoba:")
    for line in accounts:
        click.echo("  " + line)


def _make_app() -> Flask:
    from desa import create_app

    return create_app()


cli = FlaskGroup(
    name="desa",
    create_app=_make_app,
    add_default_commands=True,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="Layanan kantor desa.",
)


def main() -> None:
    """Console entry point: no tracebacks, one sentence on stderr."""
    try:
        cli.main(prog_name="desa")
    except SystemExit:
        raise
    except Exception as err:  # noqa: BLE001 - the contract promises no traceback
        click.echo(f"Gagal: {err}".splitlines()[0], err=True)
        sys.exit(1)
