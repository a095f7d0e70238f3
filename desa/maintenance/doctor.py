"""`desa doctor`: checks an installation and gives one plain verdict per check."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from desa.core import addresses
from desa.core.addresses import BaseAddress, Source
from desa.core.db import utcnow
from desa.core.errors import ServiceError
from desa.core.keys import key_path, legacy_key_path
from desa.maintenance.backup import backup_status

OK, WARN, FAIL = "OK", "PERINGATAN", "GAGAL"
MIN_FREE_BYTES = 1024**3
CRITICAL_FREE_BYTES = 200 * 1024**2
BACKUP_MAX_AGE = dt.timedelta(hours=48)


@dataclass
class Verdict:
    level: str
    name: str
    message: str

    @property
    def line(self) -> str:
        return f"{self.level:<10} {self.name}: {self.message}"


def _configuration() -> Verdict:
    cfg = current_app.config
    name = "Konfigurasi"
    if len(cfg.get("SECRET_KEY") or "") < 32:
        return Verdict(
            FAIL, name, "DESA_SECRET_KEY terlalu pendek (minimal 32 karakter)."
        )
    base = _address().url
    if base.startswith("https://") and not cfg.get("HTTPS"):
        return Verdict(
            WARN,
            name,
            "Alamat memakai https tetapi DESA_HTTPS belum 1 (kuki tidak aman).",
        )
    return Verdict(
        OK, name, f"kunci sesi memadai, DESA_HTTPS={1 if cfg.get('HTTPS') else 0}."
    )


def _address() -> BaseAddress:
    """The address in use; DESA_BASE_URL's or the default one when the database
    cannot say (before `desa init`: the Skema check reports that)."""
    from desa.extensions import db

    try:
        return addresses.resolve()
    except Exception:  # noqa: BLE001 - any driver error: the other checks name it
        cfg = current_app.config
        if cfg.get("BASE_URL_SET"):
            return BaseAddress(cfg["BASE_URL"], Source.ENV)
        return BaseAddress(addresses.DEFAULT_BASE_URL, Source.DEFAULT)
    finally:
        # Reading the village began a transaction (with the write lock the command
        # takes up front); end it, so that the database checks open their own.
        db.session.rollback()


def is_production() -> bool:
    """Served to others on purpose: over HTTPS, behind a proxy, or an address chosen
    (DESA_BASE_URL, `desa init --base-url`, the settings page)."""
    cfg = current_app.config
    return bool(cfg.get("HTTPS") or cfg.get("PROXY_COUNT")) or _address().chosen


def _base_address() -> Verdict:
    """A loopback address in QR codes: phones that scan them reach nothing."""
    name = _("Alamat layanan")
    address = _address()
    where = f"{address.url} ({address.source_label})"
    if address.source == Source.ENV:
        try:
            addresses.normalize_base_url(address.url)
        except ServiceError as err:
            return Verdict(FAIL, name, f"DESA_BASE_URL {address.url}: {err.message}")
    if not address.is_loopback:
        return Verdict(OK, name, _("QR dan tautan memakai %(w)s.", w=where))
    fix = _(
        "HP warga tidak dapat membuka alamat %(host)s; jalankan `make run "
        "HOST=0.0.0.0` atau atur alamat laptop di jaringan kantor: "
        "`desa init --base-url %(s)s`.",
        host=address.host,
        s=addresses.suggested_url(),
    )
    said = _("QR dan tautan memakai %(w)s.", w=where) + " " + fix
    return Verdict(FAIL if is_production() else WARN, name, said)


def _database() -> Verdict:
    from desa.extensions import db

    name = "Basis data"
    try:
        with db.engine.connect() as conn:
            if db.engine.dialect.name != "sqlite":
                conn.execute(text("SELECT 1"))
                return Verdict(OK, name, f"{db.engine.dialect.name} tersambung.")
            got = {
                p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "synchronous", "foreign_keys")
            }
            integrity = conn.exec_driver_sql("PRAGMA quick_check").scalar()
    except Exception as err:  # any driver error is a verdict, not a traceback
        return Verdict(FAIL, name, f"tidak dapat dibuka ({type(err).__name__}).")
    wanted = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}
    wrong = [f"{k}={got[k]}" for k, v in wanted.items() if got[k] != v]
    if wrong:
        return Verdict(FAIL, name, "pengaturan SQLite salah: " + ", ".join(wrong) + ".")
    if integrity != "ok":
        return Verdict(
            FAIL, name, "pemeriksaan keutuhan gagal: " + str(integrity)[:200]
        )
    return Verdict(OK, name, "SQLite WAL, synchronous=FULL, foreign_keys=ON, utuh.")


def _schema() -> Verdict:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    from desa.extensions import db

    name = "Skema"
    migrate: Migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config())
    heads = set(script.get_heads())
    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as err:  # any driver error is a verdict, not a traceback
        return Verdict(FAIL, name, f"tidak dapat dibaca ({type(err).__name__}).")
    if current != heads:
        return Verdict(FAIL, name, "belum mutakhir; jalankan `desa init`.")
    return Verdict(OK, name, f"mutakhir ({', '.join(sorted(heads))}).")


def _signing_key() -> Verdict:
    from desa.trust import keys

    name = "Kunci tanda tangan"
    try:
        row = keys.active_key()
    except Exception as err:  # noqa: BLE001 - no schema yet: a verdict, not a traceback
        return Verdict(FAIL, name, f"tidak dapat dibaca ({type(err).__name__}).")
    if row is None:
        return Verdict(FAIL, name, "tidak ada; jalankan `desa init`.")
    path = key_path(current_app.instance_path, row.kid)
    if not path.exists() and keys.missing_private_key() is None:
        path = legacy_key_path(current_app.instance_path)  # not yet renamed
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return Verdict(
            FAIL,
            name,
            f"berkas kunci aktif {row.kid} hilang; jalankan `desa keys rotate` "
            "(surat lama tetap dapat diperiksa).",
        )
    if mode & 0o077:
        return Verdict(
            FAIL, name, f"izin berkas {oct(mode)} terlalu longgar; harus 0600 ({path})."
        )
    return Verdict(OK, name, f"kunci aktif {row.kid} ada, izin 0600.")


def _free_disk() -> Verdict:
    name = "Ruang disk"
    free = shutil.disk_usage(current_app.instance_path).free
    text_free = f"{free / 1024**3:.1f} GB tersisa"
    if free < CRITICAL_FREE_BYTES:
        return Verdict(FAIL, name, text_free + "; kosongkan disk segera.")
    if free < MIN_FREE_BYTES:
        return Verdict(WARN, name, text_free + "; sebaiknya paling sedikit 1 GB.")
    return Verdict(OK, name, text_free + ".")


def _backup_age(now: dt.datetime | None = None) -> Verdict:
    from desa.maintenance.schedule import current_schedule

    name = "Cadangan"
    state, failure = backup_status(current_app.instance_path)
    plan = current_schedule()
    where = (
        f"otomatis setiap hari mulai pukul {plan.time:%H:%M} ke {plan.directory}"
        if plan.enabled
        else "cadangan otomatis dimatikan"
    )
    if state is None:
        return Verdict(
            FAIL, name, f"belum pernah dibuat ({where}); jalankan `desa backup --auto`."
        )
    now = now or utcnow()
    age = now - state["at"]
    hours = int(age.total_seconds() // 3600)
    if age > BACKUP_MAX_AGE:
        reason = f" Gagal terakhir: {failure['error']}" if failure else ""
        return Verdict(
            FAIL, name, f"terakhir {hours} jam lalu; buat cadangan baru.{reason}"
        )
    if failure:
        return Verdict(
            WARN,
            name,
            f"terakhir {hours} jam lalu, tetapi percobaan "
            f"sesudahnya gagal: {failure['error']}",
        )
    if not Path(state["file"]).exists():
        return Verdict(WARN, name, f"berkas terakhir tidak ditemukan: {state['file']}.")
    return Verdict(OK, name, f"terakhir {hours} jam lalu ({state['file']}); {where}.")


def _letter_files() -> Verdict:
    """Sweeps PDFs left by issues cut off before their commit; counts missing ones."""
    from sqlalchemy import select

    from desa.extensions import db
    from desa.letters import documents
    from desa.letters.models import Letter
    from desa.letters.services import sweep_orphan_pdfs

    name = "Berkas surat"
    try:
        removed = sweep_orphan_pdfs()
        paths = db.session.scalars(
            select(Letter.pdf_path).where(Letter.pdf_path.is_not(None))
        ).all()
    except Exception as err:  # any driver error is a verdict, not a traceback
        return Verdict(FAIL, name, f"tidak dapat diperiksa ({type(err).__name__}).")
    missing = sum(not documents.absolute(p).is_file() for p in paths)
    swept = f"; {len(removed)} berkas yatim dihapus" if removed else ""
    if missing:
        return Verdict(
            FAIL,
            name,
            f"{missing} PDF surat terbit hilang; pulihkan dari cadangan{swept}.",
        )
    return Verdict(OK, name, f"{len(paths)} PDF surat terbit lengkap{swept}.")


def _file_modes() -> Verdict:
    """Names what others could read: the instance folder, the database, backups."""
    from sqlalchemy.engine import make_url

    from desa.core.files import loose

    name = "Izin berkas"
    roots = [Path(current_app.instance_path)]
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        roots.append(Path(url.database))
    backup_dir = current_app.config.get("BACKUP_DIR")
    if backup_dir:
        roots.append(Path(backup_dir))
    found = loose(roots)
    if found:
        shown = ", ".join(
            f"{p} ({oct(stat.S_IMODE(p.lstat().st_mode))})" for p in found[:5]
        )
        more = f" dan {len(found) - 5} lainnya" if len(found) > 5 else ""
        return Verdict(
            WARN,
            name,
            f"dapat dibaca akun lain: {shown}{more}. Perbaiki dengan "
            "chmod 600 (berkas) dan chmod 700 (folder).",
        )
    return Verdict(OK, name, "data hanya dapat dibaca akun aplikasi.")


CHECKS: tuple[Callable[[], Verdict], ...] = (
    _configuration,
    _base_address,
    _database,
    _schema,
    _signing_key,
    _letter_files,
    _free_disk,
    _file_modes,
    _backup_age,
)


def run_checks() -> list[Verdict]:
    """Every check, in order; none raises."""
    return [check() for check in CHECKS]
