"""The automatic daily backup: when it is due, one per day across processes,
failures kept and shown, the admin's settings page and "back up now"."""

from __future__ import annotations

import datetime as dt
import fcntl
import threading
from pathlib import Path

import pytest
from conftest import csrf_from
from sqlalchemy import select

from desa.auth.models import AuditEvent
from desa.core.village import get_village
from desa.extensions import db as _db
from desa.maintenance import backup, schedule

ARCHIVES = "desa-backup-*.tar.gz"


def _plan(**overrides) -> schedule.Schedule:
    values = {
        "enabled": True,
        "directory": Path("/tmp"),
        "keep": 3,
        "time": dt.time(12, 0),
        "timezone": "Asia/Pontianak",  # UTC+7
    }
    return schedule.Schedule(**{**values, **overrides})


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def at(text: str | dt.datetime):
    """The schedule thread's actor at that UTC moment."""
    from desa.auth.actor import Actor, Via

    moment = utc(text) if isinstance(text, str) else text
    return Actor(now=moment.replace(tzinfo=dt.UTC), via=Via.JOB)


# (last backup, now, due?) in UTC; Sambas is UTC+7, the backup hour is 12:00 local.
DUE_CASES = [
    (None, "2026-12-04 01:00", True),  # never backed up: right away
    ("2026-12-03 05:10", "2026-12-04 04:59", False),  # 11:59: yesterday's is done
    ("2026-12-03 05:10", "2026-12-04 05:00", True),  # 12:00: today's is due
    ("2026-12-04 05:00", "2026-12-04 09:00", False),  # made at 12:00: done today
    ("2026-12-02 05:10", "2026-12-04 02:00", True),  # laptop off yesterday
    ("2026-12-04 04:00", "2026-12-04 16:59", True),  # made 11:00, noon has passed
    ("2026-12-04 05:30", "2026-12-05 04:59", False),  # the next day before noon
    ("2026-12-04 05:30", "2026-12-05 05:01", True),  # the next day after noon
]


@pytest.mark.parametrize(("last", "now", "expected"), DUE_CASES)
def test_a_backup_is_due_once_a_day_after_its_hour(last, now, expected):
    assert schedule.due(_plan(), utc(last) if last else None, utc(now)) is expected


def test_nothing_is_due_when_switched_off():
    assert schedule.due(_plan(enabled=False), None, utc("2026-12-04 09:00")) is False


@pytest.fixture
def flashdisk(app, db, tmp_path) -> Path:
    folder = tmp_path / "flashdisk"
    folder.mkdir()
    village = get_village()
    village.backup_dir = str(folder)
    village.backup_keep = 2
    village.backup_time = "07:00"
    _db.session.commit()
    return folder


def test_a_due_backup_is_made_once_and_audited(app, flashdisk):
    now = utc("2026-12-04 01:30")  # 08:30 in Sambas
    result = schedule.run_if_due(at(now))
    assert result is not None and result.path.parent == flashdisk
    assert len(list(flashdisk.glob(ARCHIVES))) == 1
    event = _db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "maintenance.backup")
    ).one()
    assert event.actor_name == "sistem" and "jadwal harian" in event.detail

    # The same day again (another worker, the next check): nothing more.
    assert schedule.run_if_due(at(now + dt.timedelta(minutes=10))) is None
    assert len(list(flashdisk.glob(ARCHIVES))) == 1


def test_retention_keeps_the_chosen_number(app, flashdisk):
    plan = schedule.current_schedule()
    for _ in range(3):
        assert schedule.make_backup(at("2026-12-04 01:30"), plan, how="uji") is not None
    assert len(list(flashdisk.glob(ARCHIVES))) == 2


def test_another_process_holding_the_lock_makes_this_one_wait_its_turn(app, flashdisk):
    lock = Path(app.instance_path) / schedule.LOCK_FILE
    with lock.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert schedule.run_if_due(at("2026-12-04 01:30")) is None
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    assert list(flashdisk.glob(ARCHIVES)) == []
    assert schedule.run_if_due(at("2026-12-04 01:30")) is not None


def test_a_missing_flash_disk_is_recorded_shown_and_retried(
    app, client, login, runner, flashdisk
):
    flashdisk.rmdir()
    assert schedule.run_if_due(at("2026-12-04 01:30")) is None
    assert not flashdisk.exists()  # not created on the laptop's own disk
    failure = backup.backup_status(app.instance_path)[1]
    assert "Folder cadangan tidak ditemukan" in failure["error"]
    assert str(flashdisk) in failure["error"]

    login("admin")
    home = client.get("/").get_data(as_text=True)
    assert "Cadangan otomatis gagal" in home and "Pasang flash disk" in home
    doctor = runner.invoke(args=["doctor"]).output
    assert "Cadangan: belum pernah dibuat" in doctor

    flashdisk.mkdir()  # plugged in: the next check makes it and clears the failure
    assert schedule.run_if_due(at("2026-12-04 01:40")) is not None
    assert backup.backup_status(app.instance_path)[1] is None
    assert "Cadangan otomatis gagal" not in client.get("/").get_data(as_text=True)


def test_the_scheduler_thread_makes_the_backup_by_itself(app, flashdisk, monkeypatch):
    checks: list = []
    thread: list[threading.Thread] = []
    enough, release = threading.Event(), threading.Event()
    check = schedule.run_if_due

    def counted(now=None):
        """The thread's check, counted; after the fourth the thread waits for us."""
        result = check(now)
        checks.append(result)
        if len(checks) == 4:
            thread.append(threading.current_thread())
            enough.set()
            release.wait(timeout=30)
        return result

    monkeypatch.setattr(schedule, "run_if_due", counted)
    stop = schedule.start_scheduler(app, every=dt.timedelta(0), first=dt.timedelta(0))
    try:
        assert enough.wait(timeout=30), f"the thread made {len(checks)} checks"
    finally:
        stop.set()
        release.set()
    thread[0].join(timeout=30)
    assert not thread[0].is_alive()
    # The first check made the day's backup; the next three found it made.
    assert checks[0] is not None and checks[1:] == [None, None, None]
    assert len(list(flashdisk.glob(ARCHIVES))) == 1


def test_the_scheduler_is_off_when_configured_so(app, db):
    app.config["BACKUP_AUTO"] = False
    assert schedule.start_scheduler(app) is None
    assert schedule.current_schedule().enabled is False


def _settings_form(client) -> str:
    return csrf_from(client.get("/admin/backup").get_data(as_text=True))


def test_the_admin_chooses_the_folder_hour_and_count(app, db, client, login, tmp_path):
    login("admin")
    page = client.get("/admin/backup")
    assert page.status_code == 200
    assert "Belum pernah ada cadangan." in page.get_data(as_text=True)
    token = _settings_form(client)
    form = {
        "csrf_token": token,
        "backup_auto": "y",
        "backup_time": "07:30",
        "backup_keep": "5",
    }

    for folder, message in [
        ("cadangan", "Tulis folder lengkap dari akar"),
        (str(tmp_path / "tidak-ada"), "Folder tidak ditemukan"),
        (app.static_folder, "dapat diunduh siapa saja"),
    ]:
        resp = client.post("/admin/backup", data={**form, "backup_dir": folder})
        assert resp.status_code == 422
        assert message in resp.get_data(as_text=True)
    resp = client.post("/admin/backup", data={**form, "backup_time": "25:00"})
    assert resp.status_code == 422

    (tmp_path / "usb").mkdir()
    resp = client.post(
        "/admin/backup", data={**form, "backup_dir": str(tmp_path / "usb")}
    )
    assert resp.status_code == 302
    village = get_village()
    _db.session.refresh(village)
    assert (village.backup_dir, village.backup_time, village.backup_keep) == (
        str(tmp_path / "usb"),
        "07:30",
        5,
    )
    assert village.backup_auto is True
    page = client.get("/admin/backup").get_data(as_text=True)
    assert "mulai pukul 07:30" in page or "pemeriksaan berikutnya" in page

    # Back up now: the archive lands in the chosen folder and is listed.
    token = csrf_from(page)
    resp = client.post("/admin/backup/run", data={"run-csrf_token": token})
    assert resp.status_code == 302
    archives = list((tmp_path / "usb").glob(ARCHIVES))
    assert len(archives) == 1
    page = client.get("/admin/backup").get_data(as_text=True)
    assert "Cadangan dibuat" in page and archives[0].name in page


@pytest.mark.parametrize("role", ["clerk", "head", "rt", "employer", "resident"])
def test_only_the_admin_reaches_the_backup_page(client, login, role):
    login(role)
    assert client.get("/admin/backup").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert (
        client.post("/admin/backup/run", data={"run-csrf_token": token}).status_code
        == 403
    )
