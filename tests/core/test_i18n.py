"""The interface speaks Indonesian by default and English once chosen."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "desa" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def english_mo() -> Path:
    """Builds messages.mo (git-ignored) as `make translations` does, if stale."""
    mo = EN_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < EN_PO.stat().st_mtime:
        catalog = _read(EN_PO)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, catalog)
        os.replace(tmp, mo)
    return mo


def test_english_catalogue_is_complete():
    template = _read(TRANSLATIONS / "messages.pot")
    english = _read(EN_PO)
    assert not english.fuzzy
    untranslated = [m.id for m in template if m.id and not english.get(m.id)]
    assert untranslated == []
    for message in english:
        if not message.id:
            continue
        assert message.string, message.id
        assert "fuzzy" not in message.flags, message.id
        expected = sorted(PLACEHOLDER.findall(message.id))
        assert sorted(PLACEHOLDER.findall(message.string)) == expected, message.id


def test_language_switch_is_kept_in_the_session(client, english_mo):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk petugas" in page

    resp = client.get("/lang/en")
    assert resp.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Staff sign-in" in page
    assert ">Sign in</button>" in page
    assert ">Username</label>" in page  # a lazy_gettext form label
    assert "Masuk petugas" not in page
    assert "Bahasa Indonesia" in page

    client.get("/lang/id")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk petugas" in page
    assert ">Nama pengguna</label>" in page
    assert "Staff sign-in" not in page


def test_unknown_language_is_ignored(client, english_mo):
    client.get("/lang/en")
    client.get("/lang/xx")
    assert "Staff sign-in" in client.get("/login").get_data(as_text=True)


def test_wtforms_own_messages_speak_the_interface_language(app, english_mo):
    """A mistyped number or time gets WTForms' message in Indonesian (or English)."""
    from wtforms import IntegerField, SelectField, TimeField
    from wtforms.validators import Optional

    from desa.core.forms import _WTFORMS_MESSAGES, Form

    class Probe(Form):
        class Meta:
            csrf = False

        count = IntegerField(validators=[Optional()])
        at = TimeField(validators=[Optional()])
        kind = SelectField(choices=[("a", "A")])
        code = IntegerField(validators=[Optional()])

    data = {"count": "dua", "at": "25:61", "kind": "z", "code": "1.5"}
    with app.test_request_context(method="POST", data=data):
        form = Probe()
        assert not form.validate()
        assert form.errors == {
            "count": ["Isi dengan bilangan bulat."],
            "at": ["Jam tidak sah; isi seperti 08:30."],
            "kind": ["Pilihan tidak tersedia."],
            "code": ["Isi dengan bilangan bulat."],
        }
    with app.test_request_context(method="POST", data=data):
        from flask import session
        from flask_babel import refresh

        session["lang"] = "en"
        refresh()
        form = Probe()
        form.validate()
        assert form.errors["at"] == ["Not a valid time; type it like 08:30."]
    # Every one of our sentences is in the English catalogue too.
    english = _read(EN_PO)
    assert all(
        english.get(ours) and english.get(ours).string
        for ours in set(_WTFORMS_MESSAGES.values())
    )
