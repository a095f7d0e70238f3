"""The village's signing keys: one active, every retired one still verifying.

A rotation makes a new active key and retires the old one, whose private file is
then deleted: a retired key never signs again, and a letter dated after its
retirement that claims it is refused. The public halves stay in the database, so
a lost private key file costs a rotation, not the letters already issued.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.errors import Conflict
from desa.core.keys import (
    key_path,
    legacy_key_path,
    load_private_key,
    write_private_key,
)
from desa.core.models import Village
from desa.core.unit_of_work import after_commit
from desa.core.village import to_village
from desa.extensions import db
from desa.letters import token as tokens
from desa.trust.models import KeyStatus, SigningKey

log = logging.getLogger(__name__)
ALG = "Ed25519"


def _instance() -> str:
    return current_app.instance_path


def all_keys() -> list[SigningKey]:
    """Every key, oldest first."""
    return list(db.session.scalars(select(SigningKey).order_by(SigningKey.id)))


def active_key() -> SigningKey | None:
    return db.session.scalar(
        select(SigningKey).where(SigningKey.status == KeyStatus.ACTIVE)
    )


def public_key(row: SigningKey) -> Ed25519PublicKey:
    return tokens.public_key_from_raw(tokens.unb64url(row.public_key))


def retired_on(row: SigningKey) -> dt.date | None:
    """The village's date the key was retired (letters dated later are refused)."""
    return to_village(row.retired_at).date() if row.retired_at else None


def _register(actor: Actor, key: Ed25519PrivateKey, created: dt.datetime) -> SigningKey:
    public = key.public_key()
    kid = tokens.kid_of(public)
    row = SigningKey(
        kid=kid,
        public_key=tokens.b64url(tokens.raw_public_key(public)),
        status=KeyStatus.ACTIVE,
        created_at=created,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _new_key(actor: Actor) -> SigningKey:
    """A fresh key, its file written before its row (an orphan file is harmless)."""
    taken = set(db.session.scalars(select(SigningKey.kid)))
    while True:
        key = Ed25519PrivateKey.generate()
        if tokens.kid_of(key.public_key()) not in taken:  # 1 in 4 billion, but never
            break
    write_private_key(key_path(_instance(), tokens.kid_of(key.public_key())), key)
    return _register(actor, key, actor.utcnow)


def ensure_active_key(actor: Actor) -> bool:
    """Makes sure there is an active key; True when this call made or adopted one.

    A first run makes one. An installation from before key ids has its one key in
    `keys/signing-ed25519.pem`: it is registered under its kid as the active key
    and its file renamed, so the letters it signed keep verifying by that kid.
    Never replaces an active key whose file is missing: that takes `desa keys
    rotate`, on purpose (see `missing_private_key`).
    """
    if active_key() is not None:
        return False
    if db.session.scalar(select(SigningKey.id).limit(1)) is not None:
        # Keys exist but none is active: only a rotation interrupted by hand.
        _new_key(actor)
        return True
    legacy = legacy_key_path(_instance())
    if legacy.exists():
        key = load_private_key(legacy)
        created = dt.datetime.fromtimestamp(legacy.stat().st_mtime, dt.UTC)
        row = _register(actor, key, created.replace(tzinfo=None))
        target = key_path(_instance(), row.kid)
        after_commit(lambda: _adopt(legacy, target))
        audit.record(
            actor,
            "keys.adopt",
            object_type="signing_key",
            object_id=row.kid,
            detail=f"kunci lama didaftarkan dengan kid {row.kid}",
        )
        return True
    row = _new_key(actor)
    audit.record(
        actor,
        "keys.create",
        object_type="signing_key",
        object_id=row.kid,
        detail=f"kunci tanda tangan pertama {row.kid}",
    )
    return True


def _adopt(legacy: Path, target: Path) -> None:
    if not target.exists():
        legacy.rename(target)


def missing_private_key() -> SigningKey | None:
    """The active key when its private file is gone (lost disk, partial restore)."""
    row = active_key()
    if row is None:
        return None
    path = key_path(_instance(), row.kid)
    return row if not path.exists() and not _legacy_matches(row) else None


def _legacy_matches(row: SigningKey) -> bool:
    legacy = legacy_key_path(_instance())
    try:
        return tokens.kid_of(load_private_key(legacy).public_key()) == row.kid
    except (OSError, ValueError):
        return False


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    """The active key's kid and private key; 409 when there is none to sign with."""
    row = active_key()
    if row is None:
        raise Conflict(
            _(
                "Kunci tanda tangan desa belum dibuat. Jalankan `desa init` terlebih dahulu."
            ),
            code="no_signing_key",
        )
    for path in (key_path(_instance(), row.kid), legacy_key_path(_instance())):
        try:
            key = load_private_key(path)
        except (FileNotFoundError, ValueError):
            continue
        if tokens.kid_of(key.public_key()) == row.kid:
            return row.kid, key
    raise Conflict(
        _(
            "Berkas kunci tanda tangan desa (kid %(kid)s) hilang. Buat kunci baru dengan "
            "`desa keys rotate`; surat yang sudah terbit tetap dapat diperiksa.",
            kid=row.kid,
        ),
        code="no_signing_key",
    )


def rotate(actor: Actor) -> SigningKey:
    """A new active key; the old one is retired and its private file deleted."""
    old = active_key()
    if old is not None:
        # Conditional: of two rotations at once, the second retires nothing and its
        # new key then collides with the first's on the one-active index.
        db.session.execute(
            update(SigningKey)
            .where(SigningKey.id == old.id, SigningKey.status == KeyStatus.ACTIVE)
            .values(status=KeyStatus.RETIRED, retired_at=actor.utcnow)
        )
        db.session.flush()
        db.session.refresh(old)
    new = _new_key(actor)
    if old is not None:
        for path in (key_path(_instance(), old.kid), legacy_key_path(_instance())):
            after_commit(lambda path=path: path.unlink(missing_ok=True))
    audit.record(
        actor,
        "keys.rotate",
        object_type="signing_key",
        object_id=new.kid,
        detail=f"kunci baru {new.kid}"
        + (f", kunci {old.kid} dipensiunkan" if old else ""),
    )
    return new


def key_entry(row: SigningKey) -> dict[str, Any]:
    """One key as `/.well-known/desa-keys.json` and trust bundles list it."""
    return {
        "kid": row.kid,
        "alg": ALG,
        "public_key": row.public_key,
        "status": row.status,
        "created": to_village(row.created_at).isoformat(timespec="seconds"),
        "retired": retired_on(row).isoformat() if row.retired_at else None,
    }


def keys_document(village: Village | None) -> dict[str, Any]:
    """CONTRACT §8: the village and every key that verifies its letters."""
    return {
        "village": {
            "code": village.code if village else None,
            "name": village.title if village else None,
        },
        "keys": [key_entry(row) for row in all_keys()],
    }


def verifying_keys(kid: str | None) -> list[Ed25519PublicKey]:
    """The keys that may have signed a token naming `kid` (None: a version 1 token,
    from before key ids, signed by one of the village's keys)."""
    stmt = select(SigningKey)
    if kid is not None:
        stmt = stmt.where(SigningKey.kid == kid)
    return [public_key(row) for row in db.session.scalars(stmt)]
