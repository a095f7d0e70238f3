"""Trust bundles: signed lists of villages' keys and revoked letters (CONTRACT §8).

A village writes one of its own (`desa trust export`); a hub writes the kabupaten
trust list in the same format with every registered village in it. A verifier that
has one needs neither a database nor a network:

    {"format": "desa-trust", "version": 1, "kind": "village" | "kabupaten",
     "issuer": {"code", "name", "kid", "public_key"},
     "made_at": "2026-12-07T09:30:00+07:00",
     "villages": [{"code", "name",
                   "keys": [{"kid", "alg", "public_key", "status", "created", "retired"}],
                   "revoked": [{"id", "revoked_on"}]}],
     "signature": "<base64url Ed25519 signature>"}

The signature covers the canonical JSON of everything but `signature` (keys sorted,
no spaces, UTF-8: RFC 8785 for these strings and small integers), made with the
issuer's key. A village bundle's issuer is the village, signing with a key it
lists as its own; a kabupaten list's issuer is the hub. Changing one character
anywhere breaks the signature, and the bundle is refused.

Pure functions: no Flask, no database. The offline verifier
(templates/letters/offline_verifier.html) implements the same checks in JavaScript.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from desa.letters import token as tokens

FORMAT = "desa-trust"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|T)")
VERSION = 1
KINDS = ("village", "kabupaten")
MAX_BUNDLE_BYTES = 64 * 1024 * 1024


class BundleError(ValueError):
    """A bundle that cannot be trusted; the message is one Indonesian sentence."""


def canonical(document: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: the document without its signature, canonical."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def make(
    *,
    kind: str,
    issuer_code: str,
    issuer_name: str,
    made_at: dt.datetime,
    villages: Iterable[Mapping[str, Any]],
    kid: str,
    private_key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """A signed bundle (a dict ready for `json.dump`)."""
    if kind not in KINDS:
        raise ValueError(kind)
    public = private_key.public_key()
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "issuer": {
            "code": issuer_code,
            "name": issuer_name,
            "kid": kid,
            "public_key": tokens.b64url(tokens.raw_public_key(public)),
        },
        "made_at": made_at.isoformat(timespec="seconds"),
        "villages": [
            {
                "code": v["code"],
                "name": v["name"],
                "keys": list(v["keys"]),
                "revoked": sorted(
                    v["revoked"], key=lambda r: (r["revoked_on"], r["id"])
                ),
            }
            for v in villages
        ],
    }
    document["signature"] = tokens.b64url(private_key.sign(canonical(document)))
    return document


def dump(document: Mapping[str, Any]) -> bytes:
    """The file's bytes: readable JSON (the signature does not depend on layout)."""
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    public_key: Ed25519PublicKey
    status: str
    retired_on: dt.date | None


@dataclass
class VillageTrust:
    code: str
    name: str
    keys: dict[str, KeyInfo] = field(default_factory=dict)
    revoked: dict[str, dt.date] = field(default_factory=dict)


@dataclass
class TrustList:
    """A verified bundle, ready to check any number of letters quickly."""

    kind: str
    issuer_code: str
    issuer_name: str
    issuer_kid: str
    issuer_key: bytes
    made_at: dt.datetime
    villages: dict[str, VillageTrust]

    @property
    def made_on(self) -> dt.date:
        """The bundle's own date, in the zone it was written in."""
        return self.made_at.date()


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise BundleError(f"Berkas daftar kepercayaan rusak: {what} tidak ada.")
    return value


def _date(value: Any, what: str) -> dt.date:
    text = _text(value, what)
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BundleError(
            f"Berkas daftar kepercayaan rusak: {what} bukan tanggal."
        ) from None


def _key(value: Any, what: str) -> Ed25519PublicKey:
    try:
        raw = tokens.unb64url(_text(value, what))
        return tokens.public_key_from_raw(raw)
    except ValueError:
        raise BundleError(
            f"Berkas daftar kepercayaan rusak: {what} bukan kunci Ed25519."
        ) from None


def load(
    data: bytes, *, anchors: Iterable[Ed25519PublicKey] | None = None
) -> TrustList:
    """Verifies and reads a bundle; BundleError (one sentence) when it is not sound.

    `anchors`: when given, the issuer's key must be one of them (a verifier that
    already trusts the village or the hub); otherwise a village bundle must be
    signed with a key it lists for itself.
    """
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError("Berkas daftar kepercayaan terlalu besar.")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BundleError(
            "Berkas ini bukan daftar kepercayaan desa (bukan JSON yang utuh)."
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError("Berkas ini bukan daftar kepercayaan desa.")
    if type(document.get("version")) is not int or document.get("version") != VERSION:
        raise BundleError("Versi daftar kepercayaan ini tidak dikenal.")
    if document.get("kind") not in KINDS:
        raise BundleError("Versi daftar kepercayaan ini tidak dikenal.")
    issuer = document.get("issuer")
    if not isinstance(issuer, dict):
        raise BundleError("Berkas daftar kepercayaan rusak: penerbit tidak ada.")
    issuer_key = _key(issuer.get("public_key"), "kunci penerbit")
    try:
        signature = tokens.unb64url(_text(document.get("signature"), "tanda tangan"))
        issuer_key.verify(signature, canonical(document))
    except (ValueError, InvalidSignature):
        raise BundleError(
            "Daftar kepercayaan ini telah diubah atau rusak: tanda tangannya tidak "
            "cocok. Minta berkas yang asli dari desa atau Disdukcapil."
        ) from None
    raw_issuer = tokens.raw_public_key(issuer_key)
    if anchors is not None and raw_issuer not in {
        tokens.raw_public_key(k) for k in anchors
    }:
        raise BundleError(
            "Daftar kepercayaan ini ditandatangani dengan kunci yang tidak dikenal "
            "pemeriksa ini."
        )
    made_at_text = _text(document.get("made_at"), "waktu pembuatan")
    try:
        made_at = dt.datetime.fromisoformat(made_at_text)
    except ValueError:
        raise BundleError(
            "Berkas daftar kepercayaan rusak: waktu pembuatan tidak terbaca."
        ) from None
    villages: dict[str, VillageTrust] = {}
    entries = document.get("villages")
    if not isinstance(entries, list):
        raise BundleError("Berkas daftar kepercayaan rusak: daftar desa tidak ada.")
    for entry in entries:
        if not isinstance(entry, dict):
            raise BundleError(
                "Berkas daftar kepercayaan rusak: isi desa tidak terbaca."
            )
        code = _text(entry.get("code"), "kode desa")
        village = VillageTrust(code=code, name=_text(entry.get("name"), "nama desa"))
        for listing in ("keys", "revoked"):
            if not isinstance(entry.get(listing) or [], list):
                raise BundleError(
                    f"Berkas daftar kepercayaan rusak: daftar {listing} desa {code}."
                )
        for key in entry.get("keys") or []:
            kid = _text(key.get("kid") if isinstance(key, dict) else None, "kid")
            retired = key.get("retired")
            village.keys[kid] = KeyInfo(
                kid=kid,
                public_key=_key(key.get("public_key"), f"kunci {kid}"),
                status=_text(key.get("status"), f"status kunci {kid}"),
                retired_on=_date(retired, f"tanggal pensiun kunci {kid}")
                if retired
                else None,
            )
        for item in entry.get("revoked") or []:
            if not isinstance(item, dict):
                raise BundleError("Berkas daftar kepercayaan rusak: daftar pencabutan.")
            village.revoked[_text(item.get("id"), "id surat")] = _date(
                item.get("revoked_on"), "tanggal pencabutan"
            )
        villages[code] = village
    trust = TrustList(
        kind=document["kind"],
        issuer_code=_text(issuer.get("code"), "kode penerbit"),
        issuer_name=_text(issuer.get("name"), "nama penerbit"),
        issuer_kid=_text(issuer.get("kid"), "kid penerbit"),
        issuer_key=raw_issuer,
        made_at=made_at,
        villages=villages,
    )
    if trust.kind == "village" and anchors is None:
        own = villages.get(trust.issuer_code)
        listed = own.keys.get(trust.issuer_kid) if own else None
        if listed is None or tokens.raw_public_key(listed.public_key) != raw_issuer:
            raise BundleError(
                "Daftar kepercayaan desa ini tidak ditandatangani dengan kunci desa itu "
                "sendiri."
            )
    return trust


# --- checking a letter against a trust list ------------------------------------------

VALID = "valid"
REVOKED = "revoked"
EXPIRED = "expired"
FORGED = "forged"  # a known key, a signature that does not match
UNKNOWN_KEY = "unknown_key"
UNKNOWN_VILLAGE = "unknown_village"
RETIRED_KEY = "retired_key"  # signed with a key after its retirement date
MALFORMED = "malformed"


@dataclass(frozen=True)
class Verdict:
    state: str
    claims: tokens.Claims | None = None
    village: VillageTrust | None = None
    revoked_on: dt.date | None = None

    @property
    def valid(self) -> bool:
        return self.state == VALID


def check(trust: TrustList, text: Any, today: dt.date) -> Verdict:
    """The verdict on one letter's token (or scanned URL) against the trust list."""
    sealed = tokens.read(text)
    if sealed is None:
        return Verdict(MALFORMED)
    claims = sealed.claims
    village = trust.villages.get(claims.village_code)
    if village is None:
        return Verdict(UNKNOWN_VILLAGE, claims)
    if claims.kid is None:  # version 1: before key ids, any of the village's keys
        candidates = list(village.keys.values())
    else:
        known = village.keys.get(claims.kid)
        if known is None:
            return Verdict(UNKNOWN_KEY, claims, village)
        candidates = [known]
    signer = next((k for k in candidates if sealed.signed_by(k.public_key)), None)
    if signer is None:
        return Verdict(FORGED, claims, village)
    if signer.retired_on is not None and claims.issued_on > signer.retired_on:
        return Verdict(RETIRED_KEY, claims, village)
    revoked_on = village.revoked.get(claims.letter_id)
    if revoked_on is not None:
        return Verdict(REVOKED, claims, village, revoked_on)
    if claims.valid_until is not None and today > claims.valid_until:
        return Verdict(EXPIRED, claims, village)
    return Verdict(VALID, claims, village)
