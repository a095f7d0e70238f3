"""`desa user …` and `desa token …`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from desa.auth import services
from desa.auth.actor import command_actor
from desa.auth.permissions import HUB_STAFF_ROLES, STAFF_ROLES, TOKEN_ROLES, Role
from desa.core.cli import command_errors, fail, read_secret_stdin
from desa.core.unit_of_work import after_commit

user_cli = AppGroup("user", help="Akun petugas.")
token_cli = AppGroup("token", help="Token API.")


# click would match Enum choices by member name (ADMIN): the CLI takes the values.
@user_cli.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        [r.value for r in dict.fromkeys([*STAFF_ROLES, *HUB_STAFF_ROLES])]
    ),
)
@click.option("--rt", "rw_rt", help="RW/RT untuk ketua RT, misalnya 001/002.")
@click.option(
    "--area", help="Kode kecamatan untuk petugas kecamatan di hub (61.01.12)."
)
@click.option("--employer", help="Nama pemberi kerja untuk akun pemberi kerja.")
@click.option("--full-name", help="Nama lengkap (bawaan: NAME).")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="Baca kata sandi dari stdin."
)
@command_errors
def user_add(name, role, rw_rt, employer, area, full_name, password_stdin) -> None:
    """Adds a staff account; the password comes on standard input."""
    rw = rt = None
    if rw_rt:
        if rw_rt.count("/") != 1:
            fail("Format --rt harus RW/RT, misalnya 001/002.", 2)
        rw, rt = rw_rt.split("/")
    if role == Role.RT and not rw_rt:
        fail("Akun ketua RT memerlukan --rt RW/RT.", 2)
    if role == Role.EMPLOYER and not employer:
        fail("Akun pemberi kerja memerlukan --employer NAMA.", 2)
    if role == Role.KECAMATAN and not area:
        fail("Akun petugas kecamatan memerlukan --area KODE_KECAMATAN.", 2)
    password = read_secret_stdin()
    user = services.create_user(
        command_actor(),
        name,
        password,
        role,
        full_name=full_name,
        rw=rw,
        rt=rt,
        employer=employer,
        area=area,
    )
    username = user.username
    after_commit(lambda: click.echo(f"Akun {username} ({role}) dibuat."))


@token_cli.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in TOKEN_ROLES])
)
@click.option(
    "--area",
    default=None,
    help="Untuk token district: kode kecamatan (61.01.12) yang boleh dilihatnya.",
)
@command_errors
def token_add(name, role, area) -> None:
    """Prints a new API token once (last line); only its hash is kept."""
    token, secret = services.create_token(command_actor(), name, role, area)
    token_name = token.name

    def show() -> None:  # only once the token is stored
        click.echo(
            f"Token {token_name} ({role}) dibuat. Simpan sekarang; tidak ditampilkan lagi:"
        )
        click.echo(secret)

    after_commit(show)
