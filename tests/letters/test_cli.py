"""`desa letter verify`: offline, with the instance key or a public key file."""

from __future__ import annotations


def public_key_pem(runner) -> str:
    result = runner.invoke(args=["keys", "public"])
    assert result.exit_code == 0, result.output
    return result.output


def test_valid_token_exits_0_with_one_sentence(runner, holder, letters):
    letter = letters.issue(letters.draft(holder))
    result = runner.invoke(args=["letter", "verify", letter.token])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "Sah: surat nomor SKD/001/2002/XI/2026"
    )
    assert "23 November 2026" in lines[0] and "S*** A*****" in lines[0]
    assert holder.nik not in result.output


def test_scanned_url_and_public_key_file(runner, app, holder, letters, tmp_path):
    letter = letters.issue(letters.draft(holder))
    key_file = tmp_path / "desa.pem"
    key_file.write_text(public_key_pem(app.test_cli_runner()))
    url = f"http://desa.test/v/{letter.token}"
    result = runner.invoke(
        args=["letter", "verify", url, "--public-key", str(key_file)]
    )
    assert result.exit_code == 0 and result.output.startswith("Sah:")


def test_tampered_token_exits_1(runner, holder, letters):
    letter = letters.issue(letters.draft(holder))
    digits = letter.token
    forged = digits[:40] + ("1" if digits[40] != "1" else "2") + digits[41:]
    result = runner.invoke(args=["letter", "verify", forged])
    assert result.exit_code == 1
    assert result.output.startswith("Tidak sah:")
    assert runner.invoke(args=["letter", "verify", "bukan-token"]).exit_code == 1


def test_another_villages_key_says_not_valid(runner, holder, letters, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    letter = letters.issue(letters.draft(holder))
    other = tmp_path / "lain.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    result = runner.invoke(
        args=["letter", "verify", letter.token, "--public-key", str(other)]
    )
    assert result.exit_code == 1


def test_bad_key_files_are_one_sentence(runner, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("bukan kunci")
    result = runner.invoke(args=["letter", "verify", "x.y", "--public-key", str(junk)])
    assert result.exit_code == 1 and "Ed25519" in result.output
    result = runner.invoke(
        args=[
            "letter",
            "verify",
            "x.y",
            "--public-key",
            str(tmp_path / "tidak-ada.pem"),
        ]
    )
    assert result.exit_code == 1 and "tidak ditemukan" in result.output


def test_works_without_a_database(tmp_path, holder, letters, app):
    """A fresh process with an unreachable database and only the key file."""
    import os
    import subprocess
    import sys

    letter = letters.issue(letters.draft(holder))
    key_file = tmp_path / "desa.pem"
    key_file.write_text(public_key_pem(app.test_cli_runner()))
    env = {
        **os.environ,
        "DESA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x",
        "DESA_INSTANCE_PATH": str(tmp_path / "kosong"),
        "DESA_SECRET_KEY": "x" * 32,
    }
    desa = os.path.join(os.path.dirname(sys.executable), "desa")
    out = subprocess.run(
        [desa, "letter", "verify", letter.token, "--public-key", str(key_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Sah:")
