"""The letter's QR token: a compact JSON payload and its Ed25519 signature.

token = base64url(payload) + "." + base64url(signature over exactly those bytes),
both without padding; payload = JSON with sorted keys and no spaces, UTF-8:
`{"d":"2026-11-23","h":"S*** A*****","id":"…","n":"6101********0001",
"no":"SKD/001/2002/XI/2026","t":"SKD","v":1,"vc":"61.01.12.2002"}`.
The offline HTML verifier checks this very format with WebCrypto: keep it.
Pure functions: no Flask, no database.

Documented in docs/qr-token.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

VERSION = 1
MAX_TOKEN_LENGTH = 2000
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_REQUIRED = {
    "v": int,
    "id": str,
    "no": str,
    "t": str,
    "d": str,
    "h": str,
    "n": str,
    "vc": str,
}


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


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed."""
    return json.dumps(
        payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")


def sign(payload: dict[str, Any], private_key: Ed25519PrivateKey) -> str:
    """Signs the payload; returns the token."""
    data = encode_payload(payload)
    return b64url(data) + "." + b64url(private_key.sign(data))


def verify(token: Any, public_key: Ed25519PublicKey) -> dict[str, Any] | None:
    """The payload when the token is authentic and well-formed, else None. Never raises."""
    try:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            return None
        head, sep, tail = token.strip().partition(".")
        if not sep:
            return None
        data, signature = unb64url(head), unb64url(tail)
        if len(signature) != 64:
            return None
        public_key.verify(signature, data)
        payload = json.loads(data.decode("utf-8"))
    except (ValueError, InvalidSignature, UnicodeDecodeError, TypeError):
        return None
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        return None
    for name, kind in _REQUIRED.items():
        if not isinstance(payload.get(name), kind):
            return None
    return payload


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
