"""The `desa` command line: init, users, tokens, PINs, keys, and its exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from desa.auth.models import ApiToken, User
from desa.core.models import Village

DESA = str(Path(sys.executable).parent / "desa")


def test_user_add_reads_the_password_from_stdin(runner, db):
    result = runner.invoke(
        args=[
            "user",
            "add",
            "rt0102",
            "--role",
            "rt",
            "--rt",
            "1/2",
            "--password-stdin",
        ],
        input="sandi-ketua-rt-01\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "rt0102"))
    assert (user.rw, user.rt) == ("001", "002")
    assert user.password_hash.startswith("$argon2id$")


def test_user_add_refuses_bad_input_with_one_sentence(runner):
    result = runner.invoke(
        args=["user", "add", "ab", "--role", "clerk", "--password-stdin"],
        input="pendek\n",
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    result = runner.invoke(
        args=["user", "add", "ketua", "--role", "rt", "--password-stdin"]
    )
    assert result.exit_code == 2


def test_duplicate_user_is_refused(runner, make_user):
    user = make_user("clerk")
    result = runner.invoke(
        args=["user", "add", user.username, "--role", "clerk", "--password-stdin"],
        input="sandi-yang-cukup-panjang\n",
    )
    assert result.exit_code == 1 and "sudah dipakai" in result.output


def test_token_add_prints_the_token_last_and_stores_a_hash(runner, db):
    result = runner.invoke(args=["token", "add", "Disdukcapil", "--role", "district"])
    assert result.exit_code == 0
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("desa_")
    assert db.session.scalar(select(ApiToken.token_hash)) != secret


def test_resident_pin_is_printed_once(runner, make_resident):
    resident = make_resident(name="JUMADI")
    result = runner.invoke(args=["resident", "pin", resident.nik])
    assert result.exit_code == 0 and "JUMADI" in result.output
    result = runner.invoke(args=["resident", "pin", "6101120101900001"])
    assert result.exit_code == 1 and "tidak ditemukan" in result.output


def test_keys_public_prints_a_pem(runner):
    result = runner.invoke(args=["keys", "public"])
    assert result.exit_code == 0
    assert result.output.startswith("-----BEGIN PUBLIC KEY-----")


@pytest.fixture
def cli_env(tmp_path, database_url):
    env = dict(os.environ)
    env.update(DESA_INSTANCE_PATH=str(tmp_path / "cli"), DESA_DATABASE_URL=database_url)
    return env


def run(env, *args, stdin=""):
    return subprocess.run(
        [DESA, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_init_is_idempotent_and_names_the_village(cli_env, db):
    from desa.trust.models import SigningKey

    db.session.execute(delete(SigningKey))  # this instance folder has no key yet
    db.session.commit()
    first = run(cli_env, "init", "--village-code", "61.01.12.2002")
    second = run(cli_env, "init")
    assert first.returncode == second.returncode == 0, first.stderr
    assert (
        "Desa Merubung, Kecamatan Tekarang, Kabupaten Sambas, Kalimantan Barat"
        in second.stdout
    )
    assert "Kunci tanda tangan surat siap (kid " in first.stdout
    assert "Kunci tanda tangan" not in second.stdout  # idempotent: still that key
    (key,) = (Path(cli_env["DESA_INSTANCE_PATH"]) / "keys").glob("*.pem")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    db.session.rollback()
    village = db.session.get(Village, 1)
    assert (village.name, village.district, village.regency, village.province) == (
        "Merubung",
        "Tekarang",
        "Kabupaten Sambas",
        "Kalimantan Barat",
    )


def test_exit_codes_and_no_tracebacks(cli_env):
    bad_code = run(cli_env, "init", "--village-code", "99.99.99.9999")
    assert bad_code.returncode == 1
    assert bad_code.stderr.count("\n") == 1 and "Traceback" not in bad_code.stderr
    assert run(cli_env, "no-such-command").returncode == 2
    assert (
        run(
            cli_env, "user", "add", "x", "--role", "nobody", "--password-stdin"
        ).returncode
        == 2
    )


def test_demo_fills_an_empty_database_once(runner, db):
    from desa.residents.models import Resident

    result = runner.invoke(args=["demo", "--residents", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    roles = {line.split()[0] for line in result.output.splitlines()[1:]}
    assert roles == {"admin", "clerk", "head", "rt", "employer", "resident"}
    db.session.rollback()
    assert db.session.query(Resident).count() == 300
    assert {u.role for u in db.session.scalars(select(User))} == {
        "admin",
        "clerk",
        "head",
        "rt",
        "employer",
    }
    from desa.appointments.models import Booking, RecordingSession

    kinds = {s.kind for s in db.session.scalars(select(RecordingSession))}
    assert kinds == {"office", "rt", "employer", "mobile"}
    assert db.session.query(Booking).filter(Booking.status == "active").count() > 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1 and "sudah berisi" in again.output
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
