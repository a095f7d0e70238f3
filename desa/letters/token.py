"""The letter's QR token: a compact binary claim set and its Ed25519 signature.

Version 2 (every letter issued since key ids came in) is written as decimal digits,
so that the QR carries it in numeric mode (3.3 bits a digit) and a letter's whole
verify URL fits a version 9 symbol that zbar reads from a page printed or rendered
at 72 dpi. The digits are the big-endian integer of these bytes:

    0      version (2)
    1–5    village code, its ten digits as one 40-bit number (61.01.12.2002)
    6–9    kid: the first four bytes of SHA-256 over the signing key's raw public key
    10–11  issue date, days since 2000-01-01
    12–13  valid for this many days after the issue date (0: no end)
    14–17  the holder's NIK, its first and its last four digits (0xFFFF: none)
    18–21  the first four bytes of SHA-256 over the normalised purpose (0: none)
    22–    four strings, each one length byte and its bytes: the letter's public id
           (base64url decoded; with the length's top bit set, its UTF-8 text),
           the number, the type code, the masked holder name (UTF-8)
    last   64 bytes: the Ed25519 signature over every byte before it

Version 1 (before key ids): base64url(JSON) + "." + base64url(signature), JSON with
sorted keys and no spaces. It is still read, so every letter ever printed verifies;
nothing signs it any more.

The offline verifier (templates/letters/offline_verifier.html) reads both formats
in JavaScript: keep the two in step. Pure functions: no Flask, no database.
Documented in docs/qr-token.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

VERSION = 2
LEGACY_VERSION = 1
MAX_TOKEN_LENGTH = 2000
SIGNATURE_LENGTH = 64
EPOCH = dt.date(2000, 1, 1)
_FIXED = struct.Struct(">B5s4sHH2H4s")  # version … purpose digest: 22 bytes
_NO_NIK = 0xFFFF
_TEXT_ID = 0x80
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_DIGITS = re.compile(r"[1-9][0-9]*")
_VILLAGE_CODE = re.compile(r"(\d{2})\.(\d{2})\.(\d{2})\.(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MASKED_NIK = re.compile(r"(\d{4})\*{8}(\d{4})")
_LEGACY_FIELDS = {"v": int, "id": str, "no": str, "t": str, "d": str, "h": str}
_LEGACY_FIELDS |= {"n": str, "vc": str}


@dataclass(frozen=True)
class Claims:
    """What a letter's token says about it: public facts only, never a full NIK."""

    village_code: str
    letter_id: str
    number: str
    type_code: str
    issued_on: dt.date
    holder: str  # the masked name, `S*** A*****`
    nik: str  # the masked NIK, `6101********0001`
    kid: str | None = None  # None only in version 1 tokens
    valid_until: dt.date | None = None
    purpose_digest: str | None = None  # 8 hex digits
    version: int = VERSION

    def as_json(self) -> dict[str, Any]:
        """The claims with the short names the API and the verifiers use."""
        return {
            "v": self.version,
            "vc": self.village_code,
            "kid": self.kid,
            "id": self.letter_id,
            "no": self.number,
            "t": self.type_code,
            "d": self.issued_on.isoformat(),
            "u": self.valid_until.isoformat() if self.valid_until else None,
            "h": self.holder,
            "n": self.nik,
            "p": self.purpose_digest,
        }


@dataclass(frozen=True)
class Sealed:
    """A token taken apart but not yet checked: its claims, signed bytes, signature."""

    claims: Claims
    signed: bytes
    signature: bytes

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, self.signed)
        except InvalidSignature:
            return False
        return True


# --- helpers ------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decodes base64url with or without padding; raises ValueError on garbage."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise ValueError("not base64url") from err


def kid_of(key: Ed25519PublicKey) -> str:
    """The key id: eight hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public_key(key)).digest()[:4].hex()


def purpose_digest(purpose: str | None) -> str | None:
    """Eight hex digits that let a verifier check the purpose printed on the paper.

    Case and runs of spaces do not count: "Melamar  kerja" matches "melamar kerja".
    """
    text = " ".join((purpose or "").lower().split())
    return hashlib.sha256(text.encode("utf-8")).digest()[:4].hex() if text else None


def token_from_text(text: str) -> str:
    """The token in a pasted token or a scanned URL (`…/v/<token>`, query ignored)."""
    text = (text or "").strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1]
    return text.split("?", 1)[0].split("#", 1)[0].strip("/ ")


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (a private key's PEM gives its public half)."""
    if b"PRIVATE KEY" in pem:
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 key")
        return private.public_key()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of the public key (what WebCrypto imports as `raw`)."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_raw(data: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(data)


# --- version 2 ------------------------------------------------------------------------


def _days(day: dt.date) -> int:
    days = (day - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError("date out of range")
    return days


def _short_text(data: bytes) -> bytes:
    if len(data) > 0x7F:
        raise ValueError("text too long for a token")
    return bytes([len(data)]) + data


def encode(claims: Claims) -> bytes:
    """The exact bytes that are signed (version 2)."""
    code = _VILLAGE_CODE.fullmatch(claims.village_code)
    if code is None or claims.kid is None:
        raise ValueError("a token needs a village code and a kid")
    nik = _MASKED_NIK.fullmatch(claims.nik or "")
    first, last = (int(nik[1]), int(nik[2])) if nik else (_NO_NIK, _NO_NIK)
    valid = (claims.valid_until - claims.issued_on).days if claims.valid_until else 0
    if not 0 <= valid <= 0xFFFF:
        raise ValueError("valid_until before the issue date")
    try:
        raw_id = unb64url(claims.letter_id)
        exact = b64url(raw_id) == claims.letter_id
    except ValueError:
        exact = False
    letter_id = (
        _short_text(raw_id)
        if exact
        else bytes([_TEXT_ID | len(claims.letter_id.encode())])
        + claims.letter_id.encode()
    )
    if not exact and len(claims.letter_id.encode()) > 0x7F:
        raise ValueError("letter id too long")
    fixed = _FIXED.pack(
        VERSION,
        int("".join(code.groups())).to_bytes(5, "big"),
        bytes.fromhex(claims.kid),
        _days(claims.issued_on),
        valid,
        first,
        last,
        bytes.fromhex(claims.purpose_digest or "00000000"),
    )
    return (
        fixed
        + letter_id
        + _short_text(claims.number.encode())
        + _short_text(claims.type_code.encode())
        + _short_text(claims.holder.encode())
    )


def _decode(data: bytes) -> Claims:
    """The claims in version 2 bytes (without the signature); ValueError if malformed."""
    if len(data) < _FIXED.size:
        raise ValueError("short")
    version, code, kid, issued, valid, first, last, digest = _FIXED.unpack_from(data)
    if version != VERSION:
        raise ValueError("version")
    texts: list[str] = []
    at = _FIXED.size
    for index in range(4):
        if at >= len(data):
            raise ValueError("short")
        size, at = data[at], at + 1
        is_text = bool(size & _TEXT_ID)
        size &= 0x7F
        chunk = data[at : at + size]
        if len(chunk) != size:
            raise ValueError("short")
        at += size
        if index == 0 and not is_text:
            texts.append(b64url(chunk))
        else:
            texts.append(chunk.decode("utf-8"))
    if at != len(data):
        raise ValueError("trailing bytes")
    digits = f"{int.from_bytes(code, 'big'):010d}"
    if len(digits) != 10:
        raise ValueError("village code")
    issued_on = EPOCH + dt.timedelta(days=issued)
    nik = "" if first == _NO_NIK else f"{first:04d}{'*' * 8}{last:04d}"
    if first != _NO_NIK and not (first <= 9999 and last <= 9999):
        raise ValueError("nik")
    return Claims(
        village_code=f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}",
        kid=kid.hex(),
        issued_on=issued_on,
        valid_until=issued_on + dt.timedelta(days=valid) if valid else None,
        nik=nik,
        purpose_digest=None if digest == bytes(4) else digest.hex(),
        letter_id=texts[0],
        number=texts[1],
        type_code=texts[2],
        holder=texts[3],
    )


def sign(claims: Claims, private_key: Ed25519PrivateKey) -> str:
    """Signs the claims; returns the token (decimal digits)."""
    data = encode(claims)
    blob = data + private_key.sign(data)
    return str(int.from_bytes(blob, "big"))


# --- reading -----------------------------------------------------------------------


def _legacy(token: str) -> Sealed:
    head, sep, tail = token.partition(".")
    if not sep:
        raise ValueError("not a token")
    data, signature = unb64url(head), unb64url(tail)
    payload = json.loads(data.decode("utf-8"))
    if not isinstance(payload, dict) or payload.get("v") != LEGACY_VERSION:
        raise ValueError("version")
    for name, kind in _LEGACY_FIELDS.items():
        if type(payload.get(name)) is not kind:  # exactly: `true` is not the number 1
            raise ValueError(name)
    if not _ISO_DATE.fullmatch(payload["d"]):
        raise ValueError("date")
    claims = Claims(
        village_code=payload["vc"],
        letter_id=payload["id"],
        number=payload["no"],
        type_code=payload["t"],
        issued_on=dt.date.fromisoformat(payload["d"]),
        holder=payload["h"],
        nik=payload["n"],
        version=LEGACY_VERSION,
    )
    return Sealed(claims, data, signature)


def read(text: Any) -> Sealed | None:
    """The token in `text` (a token or a scanned URL) taken apart, unchecked; None if
    it is not a well-formed token. Never raises."""
    if not isinstance(text, str) or len(text) > MAX_TOKEN_LENGTH + 200:
        return None
    token = token_from_text(text)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        if _DIGITS.fullmatch(token):
            number = int(token)
            blob = number.to_bytes((number.bit_length() + 7) // 8, "big")
            data, signature = blob[:-SIGNATURE_LENGTH], blob[-SIGNATURE_LENGTH:]
            sealed = Sealed(_decode(data), data, signature)
        else:
            sealed = _legacy(token)
    except (ValueError, UnicodeDecodeError, TypeError, OverflowError, RecursionError):
        return None  # RecursionError: JSON nested a thousand deep
    if len(sealed.signature) != SIGNATURE_LENGTH:
        return None
    return sealed


KeysFor = Callable[[Claims], Iterable[Ed25519PublicKey]]


def verify(text: Any, keys: Ed25519PublicKey | KeysFor) -> Claims | None:
    """The claims when the token is well-formed and signed by one of the keys, else
    None. `keys` is one public key, or a function giving the candidate keys for the
    claims (by village code and kid). Never raises."""
    sealed = read(text)
    if sealed is None:
        return None
    candidates = [keys] if isinstance(keys, Ed25519PublicKey) else keys(sealed.claims)
    return sealed.claims if any(sealed.signed_by(k) for k in candidates) else None
