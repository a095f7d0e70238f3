"""The letterhead settings: office address on every letter, a logo only as PNG/JPEG."""

from __future__ import annotations

import io
from pathlib import Path

from conftest import csrf_token
from PIL import Image
from pypdf import PdfReader

from desa.core.models import Village
from desa.extensions import db

URL = "/letters/settings/letterhead"


def _image(kind: str, size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(buf, format=kind)
    return buf.getvalue()


def _post(client, data):
    body = {"kop-csrf_token": csrf_token(client), **data}
    return client.post(URL, data=body, content_type="multipart/form-data")


def test_the_office_address_and_logo_reach_the_issued_letter(
    app, client, login, holder, letters
):
    login("admin")
    jpeg = _image("JPEG") + b"trailing bytes that must not survive"
    resp = _post(
        client,
        {
            "kop-address": "Jl. Raya Merubung No. 1, Kode Pos 79468",
            "kop-phone": "0562 123456",
            "kop-logo": (io.BytesIO(jpeg), "logo.jpg"),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        village = db.session.get(Village, 1)
        assert village.logo_path == "branding/logo.png"
        stored = Path(app.instance_path, village.logo_path).read_bytes()
    assert stored.startswith(b"\x89PNG") and b"trailing bytes" not in stored

    letter = letters.issue(letters.draft(holder))
    pdf = Path(app.instance_path, letter.pdf_path).read_bytes()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Jl. Raya Merubung No. 1" in text
    assert b"/Image" in pdf  # the logo is drawn on the letterhead


def test_only_png_or_jpeg_is_accepted_as_a_logo(app, client, login):
    login("admin")
    for name, data in [
        ("logo.gif", _image("GIF")),
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("logo.png", b"<?php system($_GET['c']); ?>"),
    ]:
        resp = _post(client, {"kop-logo": (io.BytesIO(data), name)})
        assert resp.status_code == 422
        assert "PNG atau JPEG" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Village, 1).logo_path is None
    assert not Path(app.instance_path, "branding").exists()


def test_a_decompression_bomb_is_refused_before_decoding(app, client, login):
    login("admin")
    bomb = _image("PNG", size=(6000, 6000))  # 36 Mpx of one colour: a tiny file
    resp = _post(client, {"kop-logo": (io.BytesIO(bomb), "logo.png")})
    assert resp.status_code == 422
    assert "terlalu besar" in resp.get_data(as_text=True)


def test_only_the_admin_may_change_the_letterhead(client, login):
    login("clerk")
    assert _post(client, {"kop-address": "Alamat palsu"}).status_code == 403
