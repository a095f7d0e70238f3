"""The audit log read as sentences: one template per action, actions in groups.

The log stores codes (`residents.read`) and a masked detail; people read
"Operator Desa membuka data A**** A******* (6101********0001)". Each action has
one sentence here and belongs to one group the audit page filters by. An action
without a sentence (a new one, or one of a family like `residents.event.*`)
still reads as a generic sentence naming its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_

from desa.auth.models import AuditEvent


@dataclass(frozen=True)
class Group:
    """Actions the audit page can filter by, under one Indonesian label."""

    key: str
    label: Any
    actions: tuple[str, ...]
    prefixes: tuple[str, ...] = ()

    def condition(self) -> ColumnElement[bool]:
        """The SQL condition that selects this group's audit lines."""
        parts = [AuditEvent.action.in_(self.actions)] if self.actions else []
        parts += [
            AuditEvent.action.startswith(p, autoescape=True) for p in self.prefixes
        ]
        return or_(*parts) if parts else false()


# action → (group, sentence); `who` is the actor's name, `what` the masked detail.
SENTENCES: dict[str, tuple[str, Any]] = {
    # Reads of personal data
    "residents.read": ("reads", _l("%(who)s membuka data %(what)s")),
    "residents.family_read": ("reads", _l("%(who)s membuka kartu keluarga %(what)s")),
    "residents.search": (
        "reads",
        _l("%(who)s mencari data penduduk lewat API (%(what)s)"),
    ),
    "letters.read": ("reads", _l("%(who)s membuka surat %(what)s")),
    "letters.download": ("reads", _l("%(who)s mengunduh PDF surat %(what)s")),
    "appointments.bookings_read": (
        "reads",
        _l("%(who)s membuka daftar pemesanan (%(what)s)"),
    ),
    # Exports and downloads
    "residents.export": (
        "exports",
        _l("%(who)s mengekspor data penduduk (%(what)s)"),
    ),
    "recording.export": (
        "exports",
        _l("%(who)s membuat ekspor belum rekam (%(what)s)"),
    ),
    "recording.export_download": (
        "exports",
        _l("%(who)s mengunduh berkas ekspor %(what)s"),
    ),
    "letters.register_export": (
        "exports",
        _l("%(who)s mengunduh buku register surat (%(what)s)"),
    ),
    "audit.export": ("exports", _l("%(who)s mengunduh log audit (%(what)s)")),
    # The register
    "residents.create": ("residents", _l("%(who)s menambahkan penduduk %(what)s")),
    "residents.update": ("residents", _l("%(who)s mengubah data penduduk %(what)s")),
    "residents.import": (
        "residents",
        _l("%(who)s mengimpor data penduduk (%(what)s)"),
    ),
    "residents.pin_issue": ("residents", _l("%(who)s membuat PIN baru untuk %(what)s")),
    "residents.correction_request": (
        "residents",
        _l("%(who)s meminta perbaikan data %(what)s"),
    ),
    "residents.correction_done": (
        "residents",
        _l("%(who)s menyelesaikan permintaan perbaikan data %(what)s"),
    ),
    "residents.correction_rejected": (
        "residents",
        _l("%(who)s menolak permintaan perbaikan data %(what)s"),
    ),
    "residents.event.death": ("residents", _l("%(who)s mencatat kematian %(what)s")),
    "residents.event.birth": ("residents", _l("%(who)s mencatat kelahiran %(what)s")),
    "residents.event.move_out": (
        "residents",
        _l("%(who)s mencatat pindah keluar %(what)s"),
    ),
    "residents.event.move_in": (
        "residents",
        _l("%(who)s mencatat kedatangan %(what)s"),
    ),
    "residents.event.marriage": (
        "residents",
        _l("%(who)s mencatat perkawinan %(what)s"),
    ),
    "residents.event.divorce": (
        "residents",
        _l("%(who)s mencatat perceraian %(what)s"),
    ),
    # Letters
    "letters.draft": ("letters", _l("%(who)s membuat draf surat %(what)s")),
    "letters.request": ("letters", _l("%(who)s mengajukan permohonan surat %(what)s")),
    "letters.take_up": ("letters", _l("%(who)s memproses permohonan surat %(what)s")),
    "letters.reject": ("letters", _l("%(who)s menolak permohonan surat %(what)s")),
    "letters.collect": ("letters", _l("%(who)s mencatat surat %(what)s sudah diambil")),
    "letters.issue": ("letters", _l("%(who)s menerbitkan surat %(what)s")),
    "letters.revoke": ("letters", _l("%(who)s mencabut surat %(what)s")),
    "letter_types.create": ("letters", _l("%(who)s menambahkan jenis surat %(what)s")),
    "letter_types.update": ("letters", _l("%(who)s mengubah jenis surat %(what)s")),
    "letters.settings": ("letters", _l("%(who)s mengubah pengaturan surat (%(what)s)")),
    "letters.letterhead": ("letters", _l("%(who)s mengubah kop surat (%(what)s)")),
    "letters.logo": ("letters", _l("%(who)s mengubah logo kop surat (%(what)s)")),
    # Recording appointments
    "appointments.book": ("appointments", _l("%(who)s memesan jadwal: %(what)s")),
    "appointments.move": (
        "appointments",
        _l("%(who)s memindahkan pemesanan: %(what)s"),
    ),
    "appointments.cancel": (
        "appointments",
        _l("%(who)s membatalkan pemesanan %(what)s"),
    ),
    "appointments.check_in": (
        "appointments",
        _l("%(who)s mencatat kehadiran %(what)s"),
    ),
    "appointments.outcome.recorded": (
        "appointments",
        _l("%(who)s mencatat perekaman selesai: %(what)s"),
    ),
    "appointments.outcome.no_show": (
        "appointments",
        _l("%(who)s mencatat tidak hadir: %(what)s"),
    ),
    "appointments.waitlist_join": (
        "appointments",
        _l("%(who)s memasukkan %(what)s ke daftar tunggu"),
    ),
    "appointments.promote": (
        "appointments",
        _l("%(who)s memberi tempat kepada %(what)s"),
    ),
    "appointments.remind": ("appointments", _l("%(who)s mengirim %(what)s")),
    "appointments.session_create": (
        "appointments",
        _l("%(who)s membuat sesi perekaman %(what)s"),
    ),
    "appointments.session_update": (
        "appointments",
        _l("%(who)s mengubah sesi perekaman %(what)s"),
    ),
    "appointments.session_cancel": (
        "appointments",
        _l("%(who)s membatalkan sesi perekaman %(what)s"),
    ),
    "appointments.employee_add": (
        "appointments",
        _l("%(who)s menambahkan karyawan %(what)s"),
    ),
    "appointments.employee_remove": (
        "appointments",
        _l("%(who)s menghapus karyawan %(what)s"),
    ),
    "appointments.employee_recheck": (
        "appointments",
        _l("%(who)s mencocokkan ulang daftar karyawan (%(what)s)"),
    ),
    "appointments.pin_slips": (
        "appointments",
        _l("%(who)s mencetak slip PIN (%(what)s)"),
    ),
    # Recording results and the district's API
    "recording.results": (
        "district",
        _l("%(who)s mengirim hasil perekaman (%(what)s)"),
    ),
    "recording.api.pending": (
        "district",
        _l("%(who)s mengambil daftar belum rekam lewat API (%(what)s)"),
    ),
    "recording.api.stats": (
        "district",
        _l("%(who)s mengambil rekap perekaman lewat API (%(what)s)"),
    ),
    "recording.api.results": (
        "district",
        _l("%(who)s mengirim hasil perekaman lewat API (%(what)s)"),
    ),
    # Signing in
    "auth.sign_in": ("sign_in", _l("%(who)s masuk")),
    "auth.sign_out": ("sign_in", _l("%(who)s keluar")),
    "auth.sign_in_failed": ("sign_in", _l("Percobaan masuk gagal sebagai %(what)s")),
    "auth.sign_in_locked": (
        "sign_in",
        _l("Percobaan masuk sebagai %(what)s ditolak: terkunci sementara"),
    ),
    "auth.password_change": ("sign_in", _l("%(who)s mengganti kata sandinya")),
    # Accounts and tokens
    "users.create": ("accounts", _l("%(who)s membuat akun %(what)s")),
    "users.update": ("accounts", _l("%(who)s mengubah akun %(what)s")),
    "users.password_reset": (
        "accounts",
        _l("%(who)s mengatur ulang kata sandi akun %(what)s"),
    ),
    "tokens.create": ("accounts", _l("%(who)s membuat token API %(what)s")),
    "tokens.revoke": ("accounts", _l("%(who)s mencabut token API %(what)s")),
    # Maintenance
    "maintenance.backup": ("maintenance", _l("%(who)s membuat cadangan %(what)s")),
    "maintenance.backup_settings": (
        "maintenance",
        _l("%(who)s mengubah pengaturan cadangan (%(what)s)"),
    ),
    "village.base_url": (
        "maintenance",
        _l("%(who)s mengubah alamat di kode QR dan tautan (%(what)s)"),
    ),
}

THROTTLED = ".throttled"
_THROTTLED_SENTENCE = _l(
    "%(who)s ditolak karena terlalu sering memanggil API (%(what)s)"
)
_GENERIC = _l("%(who)s melakukan %(action)s (%(what)s)")

_LABELS = {
    "reads": _l("Membuka data pribadi"),
    "exports": _l("Ekspor dan unduhan"),
    "residents": _l("Perubahan data penduduk"),
    "letters": _l("Surat"),
    "appointments": _l("Jadwal perekaman"),
    "district": _l("Hasil perekaman dan API kabupaten"),
    "sign_in": _l("Masuk dan keluar"),
    "accounts": _l("Akun dan token API"),
    "maintenance": _l("Pemeliharaan"),
}
# Families of actions named at run time: a life event, a booking outcome, a
# throttled district call.
_PREFIXES = {
    "residents": ("residents.event.", "residents.correction_"),
    "appointments": ("appointments.outcome.",),
    "district": ("recording.api.",),
}

GROUPS: tuple[Group, ...] = tuple(
    Group(
        key,
        label,
        tuple(a for a, (g, _s) in SENTENCES.items() if g == key),
        _PREFIXES.get(key, ()),
    )
    for key, label in _LABELS.items()
)
_BY_KEY = {g.key: g for g in GROUPS}


def group_choices() -> list[tuple[str, Any]]:
    """(key, label) of every group, for the audit page's checkboxes."""
    return [(g.key, g.label) for g in GROUPS]


def in_groups(keys: list[str]) -> ColumnElement[bool]:
    """The audit lines whose action is in any of the groups `keys`."""
    return or_(*(_BY_KEY[k].condition() for k in keys if k in _BY_KEY), false())


def sentence(event: AuditEvent) -> str:
    """The audit line as one Indonesian sentence, names and NIKs as stored (masked)."""
    who = event.actor_name or (_("Sistem") if event.actor_kind == "system" else "—")
    what = event.detail or " ".join(
        str(part) for part in (event.object_type, event.object_id) if part
    )
    found = SENTENCES.get(event.action)
    if found is not None:
        template = found[1]
    elif event.action.endswith(THROTTLED):
        template = _THROTTLED_SENTENCE
    else:
        template = _GENERIC
    text = str(template) % {"who": who, "what": what, "action": event.action}
    # An empty detail leaves "()" or a dangling colon behind.
    return text.replace(" ()", "").rstrip(" :")
