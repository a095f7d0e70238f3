"""Keys with ids, rotation, the public key list, trust bundles and offline revocation
(CONTRACT §8): what a KUA clerk, a bank or the district relies on."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desa.core.keys import key_path, legacy_key_path, load_private_key
from desa.extensions import db as _db
from desa.letters import token as tokens
from desa.trust import bundle
from desa.trust.models import SigningKey

from .conftest import TODAY


def _active(app) -> SigningKey:
    from desa.trust.keys import active_key

    with app.app_context():
        row = active_key()
        _db.session.expunge(row)
        return row


def _cli(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def _verify_online(client, letter_token) -> dict:
    return client.get(f"/api/v1/verify/{letter_token}").get_json()


# --- keys ---------------------------------------------------------------------------


def test_every_token_names_the_active_key(app, holder, letters):
    letter = letters.issue(letters.draft(holder))
    claims = tokens.read(letter.token).claims
    assert claims.kid == _active(app).kid and claims.version == 2
    assert claims.valid_until == letter.valid_until
    assert claims.purpose_digest == tokens.purpose_digest("Melamar pekerjaan")
    assert claims.type_code == "SKD" and claims.number == letter.number


def test_keys_list_is_one_line_per_key(runner, app):
    result = _cli(runner, "keys", "list")
    assert result.exit_code == 0
    (line,) = result.output.splitlines()
    assert re.fullmatch(r"[0-9a-f]{8} active \d{4}-\d{2}-\d{2}", line)
    assert line.split()[0] == _active(app).kid


def test_rotation_retires_the_old_key_and_old_letters_still_verify(
    runner, app, client, holder, letters, tmp_path
):
    old_letter = letters.issue(letters.draft(holder))
    old = _active(app)
    assert key_path(app.instance_path, old.kid).exists()

    result = _cli(runner, "keys", "rotate")
    assert result.exit_code == 0, result.output
    new_kid = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{8}", new_kid) and new_kid != old.kid

    listed = dict(
        line.split()[:2] for line in _cli(runner, "keys", "list").output.splitlines()
    )
    assert listed == {old.kid: "retired", new_kid: "active"}
    # A retired key never signs again: its private half is gone.
    assert not key_path(app.instance_path, old.kid).exists()
    assert key_path(app.instance_path, new_kid).stat().st_mode & 0o777 == 0o600

    new_letter = letters.issue(letters.draft(holder, purpose="Beasiswa"))
    assert tokens.read(new_letter.token).claims.kid == new_kid
    for letter in (old_letter, new_letter):
        body = _verify_online(client, letter.token)
        assert body["valid"] is True, body
    assert _verify_online(client, old_letter.token)["kid"] == old.kid

    bundle_file = tmp_path / "kepercayaan.json"
    assert _cli(runner, "trust", "export", str(bundle_file)).exit_code == 0
    for letter in (old_letter, new_letter):
        out = _cli(
            runner, "letter", "verify", letter.token, "--trust", str(bundle_file)
        )
        assert out.exit_code == 0, out.output
        assert "diperiksa terhadap daftar tanggal 23 November 2026" in out.output


def test_a_lost_active_key_is_recovered_by_rotating(
    runner, app, client, holder, letters, api, clerk_token, head_token
):
    issued = letters.issue(letters.draft(holder))
    key_path(app.instance_path, _active(app).kid).unlink()

    doctor = _cli(runner, "doctor")
    assert "desa keys rotate" in doctor.output
    draft = letters.draft(holder, purpose="Beasiswa")
    resp = api("POST", f"/api/v1/letters/{draft}/issue", token=head_token)
    assert resp.status_code == 409
    assert "desa keys rotate" in resp.get_json()["error"]["message"]

    assert _cli(runner, "keys", "rotate").exit_code == 0
    resp = api("POST", f"/api/v1/letters/{draft}/issue", token=head_token)
    assert resp.status_code == 200, resp.get_json()
    assert _verify_online(client, issued.token)["valid"] is True


def test_a_retired_key_cannot_vouch_for_a_letter_dated_after_it_retired(
    runner, app, client, holder, letters, freeze, tmp_path
):
    letter = letters.issue(letters.draft(holder))
    old = _active(app)
    stolen = load_private_key(key_path(app.instance_path, old.kid))
    assert _cli(runner, "keys", "rotate").exit_code == 0

    claims = tokens.read(letter.token).claims
    same_day = tokens.sign(claims, stolen)
    later = tokens.sign(
        tokens.Claims(**{**claims.__dict__, "issued_on": TODAY + dt.timedelta(days=3)}),
        stolen,
    )
    bundle_file = tmp_path / "b.json"
    _cli(runner, "trust", "export", str(bundle_file))
    trust = bundle.load(bundle_file.read_bytes())
    assert bundle.check(trust, same_day, TODAY).state == bundle.VALID
    assert bundle.check(trust, later, TODAY).state == bundle.RETIRED_KEY
    assert _verify_online(client, later)["status"] == "invalid"
    out = _cli(runner, "letter", "verify", later, "--trust", str(bundle_file))
    assert out.exit_code == 1 and "dipensiunkan" in out.output


def test_there_is_only_ever_one_active_key(app):
    from desa.trust.models import KeyStatus

    with app.app_context():
        key = Ed25519PrivateKey.generate().public_key()
        _db.session.add(
            SigningKey(
                kid=tokens.kid_of(key),
                public_key=tokens.b64url(tokens.raw_public_key(key)),
                status=KeyStatus.ACTIVE,
                created_at=dt.datetime(2026, 11, 23),
            )
        )
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_a_key_from_before_key_ids_is_adopted_under_its_kid(app, runner, client):
    """An installation upgraded from one `keys/signing-ed25519.pem`: `desa init`
    registers it, and the version 1 tokens it signed keep verifying by kid."""
    from desa.core.keys import write_private_key

    legacy = Ed25519PrivateKey.generate()
    with app.app_context():
        for row in _db.session.scalars(select(SigningKey)):
            key_path(app.instance_path, row.kid).unlink(missing_ok=True)
            _db.session.delete(row)
        _db.session.commit()
    write_private_key(legacy_key_path(app.instance_path), legacy)

    with app.app_context():  # as the `desa` console script pushes it
        assert _cli(runner, "init").exit_code == 0
    kid = tokens.kid_of(legacy.public_key())
    assert _cli(runner, "keys", "list").output.split()[:2] == [kid, "active"]
    assert key_path(app.instance_path, kid).exists()
    assert not legacy_key_path(app.instance_path).exists()

    payload = {
        "v": 1,
        "id": "hObOPU3oCK4fU_IHb2kYhA",
        "no": "SKD/001/2002/XI/2026",
        "t": "SKD",
        "d": "2026-11-23",
        "h": "S*** A*****",
        "n": "6101********0002",
        "vc": "61.01.12.2002",
    }
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    v1 = tokens.b64url(data) + "." + tokens.b64url(legacy.sign(data))
    out = _cli(runner, "letter", "verify", v1)
    assert out.exit_code == 0 and out.output.startswith("Sah:")


# --- the public key list --------------------------------------------------------------


def test_well_known_keys_json_is_public_and_exact(client, app, runner, tmp_path):
    _cli(runner, "keys", "rotate")
    resp = client.get("/.well-known/desa-keys.json")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["village"] == {"code": "61.01.12.2002", "name": "Desa Merubung"}
    assert [k["status"] for k in body["keys"]] == ["retired", "active"]
    for key in body["keys"]:
        assert {"kid", "alg", "public_key", "status", "created"} <= set(key)
        assert key["alg"] == "Ed25519"
        raw = tokens.unb64url(key["public_key"])
        assert len(raw) == 32
        assert tokens.kid_of(tokens.public_key_from_raw(raw)) == key["kid"]
        dt.datetime.fromisoformat(key["created"])
    assert "PRIVATE" not in resp.get_data(as_text=True)

    out = tmp_path / "kunci.json"
    assert _cli(runner, "keys", "export", str(out)).exit_code == 0
    assert json.loads(out.read_text()) == body


# --- trust bundles and offline revocation ---------------------------------------------


@pytest.fixture
def revoked_and_kept(app, holder, letters, freeze, make_actor):
    """Two letters of 23 November; one revoked at 06:30 WIB on 7 December."""
    from desa.letters import services

    kept = letters.issue(letters.draft(holder))
    revoked = letters.issue(letters.draft(holder, purpose="Beasiswa"))
    freeze(dt.datetime(2026, 12, 7, 6, 30))
    with app.app_context():
        at_dawn = make_actor(letters.head, now=dt.datetime(2026, 12, 7, 6, 30))
        services.revoke(at_dawn, letters.get(revoked.public_id), "Salah data")
        _db.session.commit()
    return kept, revoked


def test_trust_export_lists_keys_and_revocations_signed(
    runner, app, revoked_and_kept, tmp_path
):
    kept, revoked = revoked_and_kept
    path = tmp_path / "merubung.json"
    result = _cli(runner, "trust", "export", str(path))
    assert result.exit_code == 0 and "1 surat dicabut" in result.output
    document = json.loads(path.read_text())
    assert document["format"] == "desa-trust" and document["kind"] == "village"
    assert document["made_at"].startswith("2026-12-07T06:30:00+07:00")
    (village,) = document["villages"]
    assert village["code"] == "61.01.12.2002"
    # Public ids and dates only: the village's date, not UTC's (6 December).
    assert village["revoked"] == [{"id": revoked.public_id, "revoked_on": "2026-12-07"}]
    assert "Salah data" not in path.read_text() and "SITI" not in path.read_text()
    trust = bundle.load(path.read_bytes())
    assert trust.made_on == dt.date(2026, 12, 7)


def test_verify_with_the_bundle_says_revoked_and_which_list(
    runner, revoked_and_kept, tmp_path
):
    kept, revoked = revoked_and_kept
    path = tmp_path / "merubung.json"
    _cli(runner, "trust", "export", str(path))
    out = _cli(runner, "letter", "verify", revoked.token, "--trust", str(path))
    assert out.exit_code == 1
    assert out.output.startswith("Dicabut:")
    assert "dicabut pada 7 Desember 2026" in out.output
    assert "daftar tanggal 7 Desember 2026" in out.output
    out = _cli(runner, "letter", "verify", kept.token, "--trust", str(path))
    assert out.exit_code == 0 and out.output.startswith("Sah:")
    assert "daftar tanggal 7 Desember 2026" in out.output


def test_a_bundle_altered_by_hand_is_refused(runner, revoked_and_kept, tmp_path):
    kept, revoked = revoked_and_kept
    path = tmp_path / "merubung.json"
    _cli(runner, "trust", "export", str(path))
    document = json.loads(path.read_text())
    document["villages"][0]["revoked"] = []  # "un-revoke" the letter
    path.write_text(json.dumps(document, indent=2))
    out = runner.invoke(args=["letter", "verify", revoked.token, "--trust", str(path)])
    assert out.exit_code == 1
    assert "telah diubah atau rusak" in out.output
    path.write_text("{ rusak")
    out = runner.invoke(args=["letter", "verify", kept.token, "--trust", str(path)])
    assert out.exit_code == 1 and "bukan JSON" in out.output


def test_forged_tokens_and_unknown_keys_are_refused_offline(
    runner, app, holder, letters, tmp_path
):
    letter = letters.issue(letters.draft(holder))
    path = tmp_path / "b.json"
    _cli(runner, "trust", "export", str(path))
    digits = letter.token
    forged = digits[:50] + ("3" if digits[50] != "3" else "4") + digits[51:]
    out = _cli(runner, "letter", "verify", forged, "--trust", str(path))
    assert out.exit_code == 1 and out.output.startswith("Tidak sah")

    stranger = Ed25519PrivateKey.generate()
    claims = tokens.read(letter.token).claims
    foreign = tokens.sign(
        tokens.Claims(
            **{**claims.__dict__, "kid": tokens.kid_of(stranger.public_key())}
        ),
        stranger,
    )
    out = _cli(runner, "letter", "verify", foreign, "--trust", str(path))
    assert out.exit_code == 1 and "tidak dikenal" in out.output
    other_village = tokens.sign(
        tokens.Claims(**{**claims.__dict__, "village_code": "61.01.12.2001"}),
        stranger,
    )
    out = _cli(runner, "letter", "verify", other_village, "--trust", str(path))
    assert out.exit_code == 1 and "61.01.12.2001 tidak ada" in out.output


def test_verify_with_a_bundle_needs_no_database(app, holder, letters, runner, tmp_path):
    letter = letters.issue(letters.draft(holder))
    path = tmp_path / "b.json"
    _cli(runner, "trust", "export", str(path))
    env = {
        **os.environ,
        "DESA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x",
        "DESA_INSTANCE_PATH": str(tmp_path / "kosong"),
        "DESA_SECRET_KEY": "x" * 32,
    }
    desa = os.path.join(os.path.dirname(sys.executable), "desa")
    out = subprocess.run(
        [desa, "letter", "verify", f"http://x/v/{letter.token}", "--trust", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Sah:") and "daftar tanggal" in out.stdout


def test_a_kabupaten_list_checks_letters_of_every_village(app, holder, letters):
    """The hub's list has the same format: one verifier for the whole kabupaten."""
    from desa.trust.services import village_entry

    letter = letters.issue(letters.draft(holder))
    hub = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    other_kid = tokens.kid_of(other.public_key())
    with app.app_context():
        ours = village_entry()
    theirs = {
        "code": "61.01.12.2001",
        "name": "Desa Sungai Nyirih",
        "keys": [
            {
                "kid": other_kid,
                "alg": "Ed25519",
                "public_key": tokens.b64url(tokens.raw_public_key(other.public_key())),
                "status": "active",
                "created": "2026-01-01T08:00:00+07:00",
                "retired": None,
            }
        ],
        "revoked": [{"id": "Xyz12345Xyz12345", "revoked_on": "2026-11-30"}],
    }
    document = bundle.make(
        kind="kabupaten",
        issuer_code="61.01",
        issuer_name="Disdukcapil Kabupaten Sambas",
        made_at=dt.datetime(
            2026, 12, 7, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))
        ),
        villages=[ours, theirs],
        kid=tokens.kid_of(hub.public_key()),
        private_key=hub,
    )
    trust = bundle.load(bundle.dump(document), anchors=[hub.public_key()])
    assert bundle.check(trust, letter.token, TODAY).state == bundle.VALID
    claims = tokens.read(letter.token).claims

    def theirs_letter(letter_id):
        return tokens.sign(
            tokens.Claims(
                **{
                    **claims.__dict__,
                    "village_code": "61.01.12.2001",
                    "kid": other_kid,
                    "letter_id": letter_id,
                }
            ),
            other,
        )

    assert bundle.check(trust, theirs_letter("AbCdEfGhIjKlMnOp"), TODAY).valid
    verdict = bundle.check(trust, theirs_letter("Xyz12345Xyz12345"), TODAY)
    assert verdict.state == bundle.REVOKED
    assert verdict.revoked_on == dt.date(2026, 11, 30)
    with pytest.raises(bundle.BundleError, match="tidak dikenal"):
        bundle.load(bundle.dump(document), anchors=[other.public_key()])


def test_an_expired_letter_is_not_in_force_offline(
    app, holder, letters, runner, tmp_path
):
    letter = letters.issue(letters.draft(holder))  # SKD: valid for a while
    path = tmp_path / "b.json"
    _cli(runner, "trust", "export", str(path))
    trust = bundle.load(path.read_bytes())
    end = tokens.read(letter.token).claims.valid_until
    assert end is not None
    assert bundle.check(trust, letter.token, end).valid
    assert bundle.check(trust, letter.token, end + dt.timedelta(days=1)).state == (
        bundle.EXPIRED
    )


def test_the_admin_downloads_the_trust_bundle(client, login, app):
    login("admin")
    resp = client.get("/letters/trust-bundle")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith(
        'attachment; filename="daftar-kepercayaan-merubung-'
    )
    trust = bundle.load(resp.get_data())
    assert trust.kind == "village" and "61.01.12.2002" in trust.villages
    client.post("/logout", headers={"X-CSRFToken": _csrf(client)})
    login("clerk")
    assert client.get("/letters/trust-bundle").status_code == 403


def _csrf(client):
    from conftest import csrf_token

    return csrf_token(client)


def test_odd_bundles_are_one_sentence_never_a_crash():
    key = Ed25519PrivateKey.generate()
    for data in (b"[" * 100_000, b"\xff\xfe", b"[]", b'{"format": "x"}'):
        with pytest.raises(bundle.BundleError):
            bundle.load(data)
    good = bundle.make(
        kind="village",
        issuer_code="61.01.12.2002",
        issuer_name="Desa Merubung",
        made_at=dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC),
        villages=[
            {
                "code": "61.01.12.2002",
                "name": "Desa Merubung",
                "keys": [],
                "revoked": [],
            }
        ],
        kid=tokens.kid_of(key.public_key()),
        private_key=key,
    )

    def signed_with(**changes):
        document = json.loads(json.dumps(good))
        document["villages"][0].update(changes)
        document["signature"] = tokens.b64url(key.sign(bundle.canonical(document)))
        return bundle.dump(document)

    with pytest.raises(bundle.BundleError, match="rusak"):
        bundle.load(signed_with(keys=5, revoked=7))
    with pytest.raises(bundle.BundleError, match="bukan tanggal"):
        bundle.load(signed_with(revoked=[{"id": "a", "revoked_on": "2026-W48"}]))
