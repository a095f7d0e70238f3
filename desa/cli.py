"""The `desa` command line (a Flask CLI group).

Documented in docs/cli.md.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from desa.core.cli import command_errors, fail


def register_commands(app: Flask) -> None:
    """Adds every domain's commands to `app.cli` (so `flask` and `desa` both work)."""
    from desa.appointments.cli import appointments_cli
    from desa.auth.cli import token_cli, user_cli
    from desa.exports.cli import recording_cli
    from desa.hub.cli import hub_cli
    from desa.letters.cli import letter_cli
    from desa.residents.cli import resident_cli
    from desa.sync.cli import sync_cli
    from desa.trust.cli import keys_cli, trust_cli

    for group in (user_cli, token_cli, resident_cli, letter_cli, recording_cli):
        app.cli.add_command(group)
    app.cli.add_command(appointments_cli)
    app.cli.add_command(init_command)
    app.cli.add_command(serve_info_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(keys_cli)
    app.cli.add_command(trust_cli)
    app.cli.add_command(sync_cli)
    app.cli.add_command(hub_cli)
    from desa.maintenance.cli import backup_command, doctor_command, restore_command

    for command in (backup_command, restore_command, doctor_command):
        app.cli.add_command(command)


@click.command("init")
@click.option(
    "--village-code", help="Kode wilayah Kemendagri desa, misalnya 61.01.12.2002."
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Alamat yang dicetak di kode QR dan tautan, misalnya "
    'http://192.168.1.10:5000; "" menghapusnya.',
)
@with_appcontext
@command_errors
def init_command(village_code: str | None, base_url: str | None) -> None:
    """Creates or upgrades the schema, makes the signing key, sets the village."""
    from flask_migrate import upgrade

    from desa.auth.actor import command_actor
    from desa.core.addresses import normalize_base_url
    from desa.core.errors import ValidationError
    from desa.core.village import get_village, set_village
    from desa.extensions import db
    from desa.letters.letterhead import update_base_url
    from desa.trust import keys

    if base_url is not None:
        try:  # a typo fails before anything is changed, in one sentence
            normalize_base_url(base_url)
        except ValidationError as err:
            fail(err.message)
    upgrade()
    db.session.remove()
    made_key = keys.ensure_active_key(command_actor())
    lost = keys.missing_private_key()
    village = get_village()
    if village_code or village is None:
        village = set_village(village_code or "61.01.12.2002")
    if base_url is not None:
        db.session.flush()
        update_base_url(command_actor(), village, base_url)
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
    for line in address_lines(stored_now=base_url is not None):
        click.echo(line)


def address_lines(*, stored_now: bool = False) -> list[str]:
    """What QR codes will carry, where that came from, and a hint for loopback."""
    from flask_babel import gettext as _

    from desa.core import addresses
    from desa.core.addresses import Source

    address = addresses.resolve()
    lines = [
        _(
            "Alamat di kode QR dan tautan: %(u)s (%(s)s).",
            u=address.url,
            s=address.source_label,
        )
    ]
    if stored_now and address.source == Source.ENV:
        lines.append(
            _(
                "Alamat desa disimpan, tetapi DESA_BASE_URL tetap dipakai selama "
                "variabel itu diatur."
            )
        )
    if address.is_loopback:
        lines.append(
            _(
                "HP warga tidak dapat membuka alamat %(host)s: alamat itu hanya "
                "berlaku di laptop ini. Jalankan `make run HOST=0.0.0.0`, atau atur "
                "alamat laptop di jaringan kantor: `desa init --base-url %(s)s`.",
                host=address.host,
                s=addresses.suggested_url(),
            )
        )
    return lines


@click.command("serve-info")
@with_appcontext
def serve_info_command() -> None:
    """Says where `make run` serves and how phones on the office network reach it."""
    for line in serving_lines():
        click.echo(line)


def serving_lines() -> list[str]:
    """The lines `make run` prints before it starts serving (DESA_HOST, DESA_PORT)."""
    from flask_babel import gettext as _

    from desa.core import addresses

    cfg = current_app.config
    host = (cfg.get("SERVE_HOST") or addresses.DEFAULT_HOST).strip()
    port = cfg.get("SERVE_PORT") or addresses.DEFAULT_PORT
    served = addresses.serving_url(host, port) or addresses.DEFAULT_BASE_URL
    lan = addresses.lan_address()
    lines = [
        _(
            "Layanan Desa berjalan di %(u)s/ — tekan Ctrl+C untuk berhenti.",
            u=served,
        )
    ]
    if addresses.is_loopback_host(urlsplit(served).hostname or ""):
        lines.append(
            _(
                "Alamat itu hanya dapat dibuka di laptop ini. Agar HP di jaringan "
                "kantor dapat membuka layanan dan kode QR, jalankan: "
                "make run HOST=0.0.0.0"
            )
            + (f" PORT={port}" if str(port) != str(addresses.DEFAULT_PORT) else "")
        )
        if lan:
            lines.append(
                _(
                    "HP lalu membuka %(u)s/ (alamat laptop ini di jaringan kantor).",
                    u=addresses.serving_url(lan, port),
                )
            )
        else:
            lines.append(
                _(
                    "Laptop ini belum tersambung ke jaringan; sambungkan dulu ke "
                    "Wi-Fi atau jaringan kantor."
                )
            )
    else:
        lines.append(
            _(
                "HP di jaringan kantor membuka %(u)s/; bila tidak terbuka, izinkan "
                "port %(p)s di firewall laptop.",
                u=served,
                p=port,
            )
        )
    address = addresses.resolve()
    if address.url != served:
        lines.append(
            _(
                "Kode QR dan tautan memakai %(u)s (%(s)s).",
                u=address.url,
                s=address.source_label,
            )
        )
    return lines


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
