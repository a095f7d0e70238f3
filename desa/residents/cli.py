"""`desa resident …`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from desa.core.cli import command_errors, fail
from desa.extensions import db
from desa.residents import services

resident_cli = AppGroup("resident", help="Data penduduk.")


@resident_cli.command("pin")
@click.argument("nik")
@command_errors
def resident_pin(nik: str) -> None:
    """(Re)issues a resident's self-service PIN, printed once."""
    resident = services.find_by_nik(nik)
    if resident is None:
        fail("Penduduk dengan NIK itu tidak ditemukan.")
    if resident.life_status != "active":
        fail("Penduduk ini tidak berstatus aktif; PIN tidak dapat diberikan.")
    pin = services.issue_pin(resident)
    db.session.commit()
    click.echo(f"PIN baru untuk {resident.name}: {pin}")
