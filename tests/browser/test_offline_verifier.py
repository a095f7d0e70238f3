"""The offline verifier: one HTML file, opened from disk, checks QR tokens with WebCrypto."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import render_template

BASE_URL = "http://desa.test"
PAYLOAD = {
    "d": "2026-11-23",
    "h": "S*** A*****",
    "id": "k3x9abcdefgh",
    "n": "6101********0001",
    "no": "SKD/012/2002/XI/2026",
    "t": "SKD",
    "v": 1,
    "vc": "61.01.12.2002",
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def payload_bytes(payload: dict) -> bytes:
    """The token format, written out here so the test pins it independently."""
    return json.dumps(
        payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")


def make_token(key: Ed25519PrivateKey, payload: dict | None = None) -> str:
    data = payload_bytes(payload or PAYLOAD)
    return b64url(data) + "." + b64url(key.sign(data))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def verifier_file(app, key, tmp_path) -> Path:
    """The template rendered by the app for a fresh key, saved as the admin downloads it."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    with app.test_request_context():
        html = render_template(
            "letters/offline_verifier.html",
            public_key_b64=base64.b64encode(raw).decode("ascii"),
            village_title="Desa Merubung",
            base_url=BASE_URL,
        )
    path = tmp_path / "pemeriksa-surat-merubung.html"
    path.write_text(html, encoding="utf-8")
    return path


class Watch:
    """Console errors, uncaught exceptions and every URL the page asked for."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("request", lambda request: self.urls.append(request.url))


def check(page, text: str) -> str:
    """Pastes the text as a desk would, submits, returns the verdict's state."""
    done = int(page.locator("#result").get_attribute("data-checks") or 0)
    page.get_by_label("Tempel kode atau alamat dari QR surat").fill(text)
    page.get_by_role("button", name="Periksa").click()
    verdict = page.locator(f'#result[data-checks="{done + 1}"] .verdict')
    verdict.wait_for()
    return verdict.get_attribute("data-state")


@pytest.mark.browser
def test_valid_token_shows_the_signed_details(page, verifier_file, key, shots_dir):
    watch = Watch(page)
    page.goto(verifier_file.as_uri())
    assert check(page, make_token(key)) == "valid"

    verdict = page.locator("#result .verdict").inner_text()
    assert "Tanda tangan sah" in verdict
    for expected in (
        "SKD/012/2002/XI/2026",
        "SKD",
        "23 November 2026",
        "S*** A*****",
        "6101********0001",
        "61.01.12.2002",
        "daring",
        f"{BASE_URL}/v/",
    ):
        assert expected in verdict, expected
    page.screenshot(path=str(shots_dir / "offline-verifier-valid.png"), full_page=True)
    assert watch.errors == []
    assert {urlsplit(url).scheme for url in watch.urls} == {"file"}  # nothing fetched


@pytest.mark.browser
def test_full_scanned_url_is_accepted(page, verifier_file, key):
    page.goto(verifier_file.as_uri())
    assert check(page, f"  {BASE_URL}/v/{make_token(key)}?utm=x  ") == "valid"


@pytest.mark.browser
def test_tampered_tokens_are_not_valid(page, verifier_file, key):
    page.goto(verifier_file.as_uri())
    token = make_token(key)
    head, signature = token.split(".")

    # One character of the signed payload changed (the letter number), signature kept.
    edited = payload_bytes(PAYLOAD).replace(b"SKD/012", b"SKD/013")
    assert check(page, b64url(edited) + "." + signature) == "invalid"
    text = page.locator("#result .verdict").inner_text()
    assert "Tidak sah: tanda tangan tidak cocok / token rusak" in text
    assert "Tanda tangan sah" not in text

    # One base64 character of the token changed.
    flipped = head[:10] + ("A" if head[10] != "A" else "B") + head[11:]
    assert check(page, f"{flipped}.{signature}") == "invalid"

    # Broken shapes: cut short, no signature, not base64 at all.
    for broken in (token[:-5], head, "bukan-token", "a.b.c"):
        assert check(page, broken) == "invalid", broken


@pytest.mark.browser
def test_token_signed_by_another_key_is_not_valid(page, verifier_file):
    page.goto(verifier_file.as_uri())
    assert check(page, make_token(Ed25519PrivateKey.generate())) == "invalid"


@pytest.mark.browser
def test_token_of_another_village_says_so(page, verifier_file, key):
    page.goto(verifier_file.as_uri())
    other = {**PAYLOAD, "vc": "61.01.12.2001"}
    assert check(page, make_token(key, other)) == "other_village"
    text = page.locator("#result .verdict").inner_text()
    assert "Bukan surat Desa Merubung" in text
    assert "61.01.12.2001" in text


@pytest.mark.browser
def test_browser_without_ed25519_gets_a_clear_message(page, verifier_file):
    page.add_init_script(
        """
        const original = crypto.subtle.importKey.bind(crypto.subtle);
        crypto.subtle.importKey = (format, data, algorithm, ...rest) =>
          algorithm && algorithm.name === "Ed25519"
            ? Promise.reject(new DOMException("Unrecognized name", "NotSupportedError"))
            : original(format, data, algorithm, ...rest);
        """
    )
    page.goto(verifier_file.as_uri())
    verdict = page.locator("#result .verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-state") == "unsupported"
    assert "Ed25519" in verdict.inner_text()


@pytest.mark.browser
def test_fits_a_phone_screen(phone_page, verifier_file, key, shots_dir):
    phone_page.goto(verifier_file.as_uri())
    assert check(phone_page, make_token(key)) == "valid"
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    phone_page.screenshot(
        path=str(shots_dir / "offline-verifier-phone.png"), full_page=True
    )


def test_file_is_self_contained(verifier_file):
    html = verifier_file.read_text(encoding="utf-8")
    for reference in ("<link", "src=", "@import", "url(", "https://", "//cdn"):
        assert reference not in html, reference
    assert "default-src 'none'" in html


def test_token_module_signs_exactly_this_format(key):
    """The server's tokens are the ones this verifier checks (Ed25519 is deterministic)."""
    from desa.letters import token

    assert token.sign(PAYLOAD, key) == make_token(key)
