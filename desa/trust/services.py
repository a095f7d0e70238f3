"""The village's trust bundle: its keys and its revoked letters, signed."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from desa.auth.actor import Actor
from desa.core.errors import Conflict
from desa.core.village import get_village, to_village
from desa.extensions import db
from desa.letters.models import Letter, LetterStatus
from desa.trust import bundle, keys


def revocations() -> list[dict[str, str]]:
    """Every revoked letter: its public id and the village's date of revocation."""
    rows = db.session.execute(
        select(Letter.public_id, Letter.revoked_at).where(
            Letter.status == LetterStatus.REVOKED
        )
    )
    return [
        {"id": public_id, "revoked_on": to_village(revoked_at).date().isoformat()}
        for public_id, revoked_at in rows
        if revoked_at is not None
    ]


def village_entry() -> dict[str, Any]:
    """This village as a trust bundle lists it."""
    village = get_village()
    if village is None:
        raise Conflict(_("Desa belum diatur. Jalankan `desa init`."), code="no_village")
    return {
        "code": village.code,
        "name": village.title,
        "keys": [keys.key_entry(row) for row in keys.all_keys()],
        "revoked": revocations(),
    }


def village_bundle(actor: Actor) -> dict[str, Any]:
    """The signed trust bundle of this village, made at the actor's moment."""
    entry = village_entry()
    kid, private_key = keys.signing_key()
    return bundle.make(
        kind="village",
        issuer_code=entry["code"],
        issuer_name=entry["name"],
        made_at=actor.now,
        villages=[entry],
        kid=kid,
        private_key=private_key,
    )
