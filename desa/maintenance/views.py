"""The admin's backup page: the daily schedule, the last result, "back up now"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import clear_write_intent
from desa.core.errors import on_error
from desa.core.security import require
from desa.core.village import require_village
from desa.extensions import db
from desa.maintenance import backup, schedule
from desa.maintenance.forms import BackupRunForm, BackupSettingsForm

bp = Blueprint("maintenance", __name__, url_prefix="/admin/backup")

LISTED_ARCHIVES = 30


def _archives(folder: Path) -> list[dict[str, Any]]:
    """The newest archives in the backup folder (name, size, time), if it can be read."""
    try:
        paths = sorted(folder.glob(f"{backup.ARCHIVE_PREFIX}*.tar.gz"), reverse=True)
        return [
            {
                "name": p.name,
                "size": p.stat().st_size,
                "at": dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).replace(
                    tzinfo=None
                ),
            }
            for p in paths[:LISTED_ARCHIVES]
        ]
    except OSError:
        return []


def _page(form: BackupSettingsForm, status: int = 200):
    instance = current_app.instance_path
    plan = schedule.current_schedule()
    last, failure = backup.backup_status(instance)
    return (
        render_template(
            "maintenance/backup.html",
            form=form,
            run_form=BackupRunForm(prefix="run"),
            plan=plan,
            last=last,
            failure=failure,
            due=schedule.due(
                plan, last["at"] if last else None, current_actor().utcnow
            ),
            folder_ready=plan.directory.is_dir(),
            archives=_archives(plan.directory),
        ),
        status,
    )


@bp.route("", methods=["GET"])
@require(Permission.BACKUPS_MANAGE)
def index():
    """The schedule and its form, the last backup, any failure, the archives kept."""
    village = require_village()
    form = BackupSettingsForm()
    form.backup_auto.data = village.backup_auto
    form.backup_dir.data = village.backup_dir or ""
    form.backup_time.data = schedule.parse_time(village.backup_time)
    form.backup_keep.data = village.backup_keep
    return _page(form)


@bp.route("", methods=["POST"])
@require(Permission.BACKUPS_MANAGE)
def save():
    """Saves the schedule: on or off, the folder (a flash disk), the hour, how many."""
    village = require_village()
    form = BackupSettingsForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    on_error(lambda status: _page(form, status), form=form)
    schedule.update_settings(current_actor(), village, form.data)
    flash(_("Pengaturan cadangan disimpan."), "success")
    return redirect(url_for(".index"))


@bp.route("/run", methods=["POST"])
@require(Permission.BACKUPS_MANAGE)
def run():
    """Backs up now into the chosen folder (the office keeps working meanwhile)."""
    form = BackupRunForm(prefix="run")
    if form.validate_on_submit():
        # Copying only reads: no write lock is held while the archive is written.
        clear_write_intent()
        db.session.rollback()  # ends the read: the copy runs outside any transaction
        on_error(back=url_for(".index"))
        plan = schedule.current_schedule()
        result = schedule.make_backup(current_actor(), plan, how="admin")
        flash(
            _(
                "Cadangan dibuat: %(name)s (%(size)s MB).",
                name=result.path.name,
                size=f"{result.size / 1024**2:.1f}",
            ),
            "success",
        )
    return redirect(url_for(".index"))
