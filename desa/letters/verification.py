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
from desa.core.ratelimit import WINDOW, TooManyRequests, count_hit
from desa.core.village import get_village, to_village
from desa.extensions import db
from desa.letters import token as tokens
from desa.letters.models import Letter, LetterStatus, VerifyThrottle
from desa.trust import keys
from desa.trust.models import SigningKey

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


def _invalid() -> dict[str, Any]:
    return {
        "valid": False,
        "status": "invalid",
        "number": None,
        "type": None,
        "type_code": None,
        "type_title": None,
        "issued_on": None,
        "holder": None,
        "nik": None,
        "village": None,
        "village_code": None,
        "valid_until": None,
        "expired": False,
        "revoked_on": None,
        "kid": None,
    }


def _signer(sealed: tokens.Sealed) -> SigningKey | None:
    """The village key that made the signature, if one did and was in force then."""
    stmt = select(SigningKey)
    if sealed.claims.kid is not None:  # version 1 tokens name no key
        stmt = stmt.where(SigningKey.kid == sealed.claims.kid)
    for row in db.session.scalars(stmt):
        if sealed.signed_by(keys.public_key(row)):
            retired = keys.retired_on(row)
            if retired is not None and sealed.claims.issued_on > retired:
                log.warning("token signed with key %s after its retirement", row.kid)
                return None
            return row
    return None


def check(actor: Actor, text: str) -> dict[str, Any]:
    """Valid, revoked or invalid on the actor's date, with what may be shown (masked)."""
    result, _letter = _check(text, actor.today)
    return result


def _check(text: str, today: dt.date) -> tuple[dict[str, Any], Letter | None]:
    sealed = tokens.read(text)
    village = get_village()
    if sealed is None or village is None or sealed.claims.village_code != village.code:
        return _invalid(), None
    claims = sealed.claims
    signer = _signer(sealed)
    if signer is None:
        return _invalid(), None
    letter = db.session.scalar(
        select(Letter).where(Letter.public_id == claims.letter_id)
    )
    if (
        letter is None
        or letter.status not in (LetterStatus.ISSUED, LetterStatus.REVOKED)
        or letter.number != claims.number
        or letter.type.code != claims.type_code
    ):
        return _invalid(), None
    expired = letter.valid_until is not None and today > letter.valid_until
    result = {
        "valid": letter.status == LetterStatus.ISSUED and not expired,
        "status": letter.status,
        "number": letter.number,
        # CONTRACT §4: `type` is the code, as in POST /api/v1/letters.
        "type": letter.type.code,
        "type_code": letter.type.code,
        "type_title": letter.type.title,
        "issued_on": claims.issued_on.isoformat(),
        "holder": claims.holder,
        "nik": claims.nik,
        "village": village.title,
        "village_code": claims.village_code,
        "valid_until": letter.valid_until.isoformat() if letter.valid_until else None,
        "expired": expired,
        # The village's date: a letter revoked at 06:30 WIB was revoked that day,
        # not the day before as the UTC date would say.
        "revoked_on": to_village(letter.revoked_at).date().isoformat()
        if letter.revoked_at
        else None,
        "kid": signer.kid,
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
