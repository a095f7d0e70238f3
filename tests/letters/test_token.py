"""The QR token: exact wire format, signature checks, and garbage that never raises."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from desa.letters import token

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PAYLOAD = {
    "v": 1,
    "id": "hObOPU3oCK4fU_IHb2kYhA",
    "no": "SKD/001/2002/XI/2026",
    "t": "SKD",
    "d": "2026-11-23",
    "h": "S*** A*****",
    "n": "6101********0002",
    "vc": "61.01.12.2002",
}


def _unpad(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_wire_format_is_compact_sorted_json_and_a_raw_signature():
    signed = token.sign(PAYLOAD, KEY)
    head, tail = signed.split(".")
    assert "=" not in signed and "+" not in signed and "/" not in signed
    data = _unpad(head)
    assert data == json.dumps(PAYLOAD, separators=(",", ":"), sort_keys=True).encode()
    assert data.startswith(b'{"d":"2026-11-23","h":')
    KEY.public_key().verify(_unpad(tail), data)  # raises if not over exactly `data`
    assert token.verify(signed, KEY.public_key()) == PAYLOAD


def test_a_changed_payload_or_signature_or_key_is_refused():
    signed = token.sign(PAYLOAD, KEY)
    head, tail = signed.split(".")
    forged = token.b64url(
        token.encode_payload({**PAYLOAD, "no": "SKD/002/2002/XI/2026"})
    )
    assert token.verify(f"{forged}.{tail}", KEY.public_key()) is None
    flipped = tail[:-2] + ("A" if tail[-2] != "A" else "B") + tail[-1]
    assert token.verify(f"{head}.{flipped}", KEY.public_key()) is None
    other = Ed25519PrivateKey.generate().public_key()
    assert token.verify(signed, other) is None


def test_a_signed_payload_missing_fields_is_refused():
    partial = {k: v for k, v in PAYLOAD.items() if k != "n"}
    assert token.verify(token.sign(partial, KEY), KEY.public_key()) is None
    assert token.verify(token.sign({**PAYLOAD, "v": 2}, KEY), KEY.public_key()) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "abc",
        "a.b",
        "!!!.???",
        "é.é",
        "x" * 5000,
        None,
        42,
        "a" * 86 + ".b",
        token.b64url(b"[1,2]") + "." + token.b64url(b"x" * 64),
    ],
)
def test_garbage_is_none_never_an_exception(garbage):
    assert token.verify(garbage, KEY.public_key()) is None


@given(st.text(max_size=300))
def test_any_text_gives_none_or_a_dict(text):
    assert token.verify(text, KEY.public_key()) is None


def test_token_from_a_scanned_url_or_pasted_text():
    signed = token.sign(PAYLOAD, KEY)
    assert token.token_from_text(f"http://desa.test/v/{signed}") == signed
    assert token.token_from_text(f"  https://x.id/a/v/{signed}?utm=1#top ") == signed
    assert token.token_from_text(signed + "\n") == signed


def test_public_key_from_pem_accepts_public_and_private_pem():
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    raw = token.raw_public_key(KEY.public_key())
    assert token.raw_public_key(token.public_key_from_pem(public_pem)) == raw
    assert token.raw_public_key(token.public_key_from_pem(private_pem)) == raw
    assert len(raw) == 32
