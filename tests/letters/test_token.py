"""The QR token: exact wire format, signature checks, and garbage that never raises."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from desa.letters import token

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KID = token.kid_of(KEY.public_key())
CLAIMS = token.Claims(
    village_code="61.01.12.2002",
    kid=KID,
    letter_id="hObOPU3oCK4fU_IH",
    number="SKD/001/2002/XI/2026",
    type_code="SKD",
    issued_on=dt.date(2026, 11, 23),
    valid_until=dt.date(2027, 2, 21),
    holder="S*** A*****",
    nik="6101********0002",
    purpose_digest=token.purpose_digest("Melamar pekerjaan"),
)
# Version 1, as letters issued before key ids carry it (sorted compact JSON).
LEGACY_PAYLOAD = {
    "v": 1,
    "id": "hObOPU3oCK4fU_IHb2kYhA",
    "no": "SKD/001/2002/XI/2026",
    "t": "SKD",
    "d": "2026-11-23",
    "h": "S*** A*****",
    "n": "6101********0002",
    "vc": "61.01.12.2002",
}


def legacy_token(payload: dict, key: Ed25519PrivateKey = KEY) -> str:
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return token.b64url(data) + "." + token.b64url(key.sign(data))


def _blob(signed: str) -> bytes:
    number = int(signed)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def test_wire_format_is_digits_of_the_documented_bytes():
    signed = token.sign(CLAIMS, KEY)
    assert signed.isdigit() and not signed.startswith("0")
    blob = _blob(signed)
    data, signature = blob[:-64], blob[-64:]
    KEY.public_key().verify(signature, data)  # raises unless over exactly `data`
    assert data[0] == 2
    assert int.from_bytes(data[1:6], "big") == 6101122002
    assert data[6:10].hex() == KID
    assert int.from_bytes(data[10:12], "big") == (CLAIMS.issued_on - token.EPOCH).days
    assert int.from_bytes(data[12:14], "big") == 90  # valid for 90 days
    assert (int.from_bytes(data[14:16], "big"), int.from_bytes(data[16:18], "big")) == (
        6101,
        2,
    )
    assert data[18:22] == hashlib.sha256(b"melamar pekerjaan").digest()[:4]
    assert data[22] == 12 and base64.urlsafe_b64encode(data[23:35]) == (
        b"hObOPU3oCK4fU_IH"
    )
    assert data[35:].startswith(bytes([20]) + b"SKD/001/2002/XI/2026")
    assert token.verify(signed, KEY.public_key()) == CLAIMS


def test_a_token_for_a_realistic_letter_is_short():
    signed = token.sign(CLAIMS, KEY)
    # ~140 bytes in ~340 digits: with the address, a version 9 QR symbol.
    assert len(signed) <= 345


def test_the_kid_is_the_hash_of_the_public_key():
    raw = token.raw_public_key(KEY.public_key())
    assert hashlib.sha256(raw).hexdigest()[:8] == KID
    assert token.kid_of(Ed25519PrivateKey.generate().public_key()) != KID


def test_a_changed_claim_or_signature_or_key_is_refused():
    signed = token.sign(CLAIMS, KEY)
    blob = _blob(signed)
    for at in (1, 7, 11, 30, 40, len(blob) - 10):
        changed = bytearray(blob)
        changed[at] ^= 0x01
        assert (
            token.verify(str(int.from_bytes(changed, "big")), KEY.public_key()) is None
        )
    other = Ed25519PrivateKey.generate().public_key()
    assert token.verify(signed, other) is None


def test_claims_without_end_date_nik_or_purpose_round_trip():
    bare = token.Claims(
        village_code="61.01.12.2002",
        kid=KID,
        letter_id="not base64url!",  # an odd id travels as text
        number="470/12/DS/2026",
        type_code="SKK",
        issued_on=dt.date(2026, 12, 7),
        holder="B*** S*******",
        nik="",
    )
    assert token.verify(token.sign(bare, KEY), KEY.public_key()) == bare


def test_legacy_tokens_still_verify_and_name_no_key():
    claims = token.verify(legacy_token(LEGACY_PAYLOAD), KEY.public_key())
    assert claims is not None and claims.version == 1 and claims.kid is None
    assert claims.number == "SKD/001/2002/XI/2026"
    assert claims.issued_on == dt.date(2026, 11, 23)
    partial = {k: v for k, v in LEGACY_PAYLOAD.items() if k != "n"}
    assert token.verify(legacy_token(partial), KEY.public_key()) is None
    assert (
        token.verify(legacy_token({**LEGACY_PAYLOAD, "v": 3}), KEY.public_key()) is None
    )


def test_verify_takes_a_function_that_picks_keys_by_kid():
    signed = token.sign(CLAIMS, KEY)
    asked = []

    def keys_for(claims):
        asked.append(claims.kid)
        return [KEY.public_key()] if claims.kid == KID else []

    assert token.verify(signed, keys_for) == CLAIMS and asked == [KID]


def test_purpose_digest_ignores_case_and_spacing():
    assert token.purpose_digest(" Melamar   PEKERJAAN ") == token.purpose_digest(
        "melamar pekerjaan"
    )
    assert token.purpose_digest("Melamar pekerjaan") != token.purpose_digest("Nikah")
    assert token.purpose_digest("") is None and token.purpose_digest(None) is None


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
        "9" * 5000,
        "0123",
        "1" * 100,
        None,
        42,
        "a" * 86 + ".b",
        token.b64url(b"[1,2]") + "." + token.b64url(b"x" * 64),
    ],
)
def test_garbage_is_none_never_an_exception(garbage):
    assert token.verify(garbage, KEY.public_key()) is None
    assert token.read(garbage) is None


@given(st.text(max_size=300))
def test_any_text_gives_none(text):
    assert token.verify(text, KEY.public_key()) is None


@given(st.binary(min_size=1, max_size=200))
def test_any_digits_give_none(data):
    digits = str(int.from_bytes(b"\x02" + data, "big"))
    assert token.verify(digits, KEY.public_key()) is None


def test_token_from_a_scanned_url_or_pasted_text():
    signed = token.sign(CLAIMS, KEY)
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
