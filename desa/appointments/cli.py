"""`desa appointments …`: the day-before reminders."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from desa.core.cli import command_errors

appointments_cli = AppGroup("appointments", help="Jadwal perekaman e-KTP.")


@appointments_cli.command("remind")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Tanggal sesi (YYYY-MM-DD); bawaan: besok menurut waktu desa.",
)
@click.option("--dry-run", is_flag=True, help="Hanya tampilkan; tidak membuat pesan.")
@command_errors
def remind(day: dt.datetime | None, dry_run: bool) -> None:
    """Makes (and e-mails, when SMTP is set) the reminders for a session day."""
    from desa.appointments.attendance import due_reminders, send_reminders
    from desa.appointments.messages import compose, whatsapp_link
    from desa.auth.actor import command_actor
    from desa.core.formatting import mask_nik

    actor = command_actor()
    target = day.date() if day else actor.today + dt.timedelta(days=1)
    if dry_run:
        bookings = due_reminders(target)
    else:
        bookings = [m.booking for m in send_reminders(actor, target)]
    for b in bookings:
        link = whatsapp_link(b.resident.phone, compose("reminder", b))
        click.echo(
            f"#{b.queue_number} {b.resident.name} ({mask_nik(b.resident.nik)})"
            f" {link or 'tanpa nomor HP'}"
        )
    click.echo(f"{len(bookings)} pengingat untuk {target.isoformat()}.")
