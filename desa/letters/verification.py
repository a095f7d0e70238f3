"""Public verification of a letter's QR token, the PDF check, and their throttle."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from desa.auth.actor import Actor
from desa.auth.services import throttle_key
from desa.core.keys import load_signing_key
from desa.core.ratelimit import WINDOW, TooManyRequests, count_hit
from desa.core.village import get_village, to_village
from desa.extensions import db
from desa.letters import token as tokens
from desa.letters.models import Letter, LetterStatus, VerifyThrottle

log = logging.getLogger(__name__)

# Per client address and minute; uploads cost more than a look.
LOOKUPS_PER_MINUTE = 30
UPLOADS_PER_MINUTE = 6


def _limit(kind: str) -> int:
    defaults = {"lookup": LOOKUPS_PER_MINUTE, "upload": UPLOADS_PER_MINUTE}
    return int(
        current_app.config.get(f"LETTER_VERIFY_{kind.upper()}S_PER_MINUTE")
        or defaults[kind]
    )


def throttle(actor: Actor, kind: str) -> None:
    """Counts one request of `kind` from the actor's address; 429 past the limit.

    Kept in the database so that every worker shares it; one insert-if-missing and
    one conditional update, so concurrent requests cannot lose a count.
    """
    key = throttle_key(f"verify-{kind}", actor.ip or "-")
    hits = count_hit(VerifyThrottle, key, actor.utcnow, WINDOW)
    if hits > _limit(kind):
        raise TooManyRequests(
            _(
                "Terlalu banyak pemeriksaan surat dari alamat Anda. Tunggu satu menit "
                "lalu coba lagi."
            )
        )


def public_key():
    return load_signing_key(current_app.instance_path).public_key()


def _invalid() -> dict[str, Any]:
    return {
        "valid": False,
        "status": "invalid",
        "number": None,
        "type": None,
        "type_code": None,
        "issued_on": None,
        "holder": None,
        "nik": None,
        "village": None,
        "village_code": None,
        "valid_until": None,
        "expired": False,
        "revoked_on": None,
    }


def check(actor: Actor, text: str) -> dict[str, Any]:
    """Valid, revoked or invalid on the actor's date, with what may be shown (masked)."""
    result, _letter = _check(text, actor.today)
    return result


def _check(text: str, today: dt.date) -> tuple[dict[str, Any], Letter | None]:
    try:
        key = public_key()
    except FileNotFoundError:  # before `desa init`: nothing can be authentic yet
        log.warning("letter verification without a signing key in the instance folder")
        return _invalid(), None
    payload = tokens.verify(tokens.token_from_text(text), key)
    if payload is None:
        return _invalid(), None
    letter = db.session.scalar(select(Letter).where(Letter.public_id == payload["id"]))
    if (
        letter is None
        or letter.status not in (LetterStatus.ISSUED, LetterStatus.REVOKED)
        or letter.number != payload["no"]
        or letter.type.code != payload["t"]
    ):
        return _invalid(), None
    village = get_village()
    expired = letter.valid_until is not None and today > letter.valid_until
    result = {
        "valid": letter.status == LetterStatus.ISSUED and not expired,
        "status": letter.status,
        "number": letter.number,
        "type": letter.type.title,
        "type_code": letter.type.code,
        "issued_on": payload["d"],
        "holder": payload["h"],
        "nik": payload["n"],
        "village": village.title
        if village and village.code == payload["vc"]
        else payload["vc"],
        "village_code": payload["vc"],
        "valid_until": letter.valid_until.isoformat() if letter.valid_until else None,
        "expired": expired,
        # The village's date: a letter revoked at 06:30 WIB was revoked that day,
        # not the day before as the UTC date would say.
        "revoked_on": to_village(letter.revoked_at).date().isoformat()
        if letter.revoked_at
        else None,
    }
    return result, letter


def check_pdf(
    actor: Actor, text: str, data: bytes
) -> tuple[dict[str, Any], bool | None]:
    """The token's verdict, and whether `data` is exactly the PDF that was issued."""
    result, letter = _check(text, actor.today)
    if letter is None or not letter.pdf_sha256:
        return result, None
    digest = hashlib.sha256(data).hexdigest()
    return result, hmac.compare_digest(digest, letter.pdf_sha256)
