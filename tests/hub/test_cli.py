"""CONTRACT §9's commands and their lines, on the village and on the hub."""

from __future__ import annotations

import json
import re

from desa.extensions import db as _db


def test_the_round_trip_through_the_commands(app, hub_app, make_resident, tmp_path):
    make_resident(name="SITI AMINAH")
    village, hub = app.test_cli_runner(), hub_app.test_cli_runner()
    again = hub.invoke(args=["hub", "init", "--kabupaten", "61.01"])
    assert again.exit_code == 0 and "sudah terpasang" in again.output
    keys = tmp_path / "kunci.json"
    assert village.invoke(args=["keys", "export", str(keys)]).exit_code == 0
    added = hub.invoke(args=["hub", "village", "add", str(keys)])
    assert added.exit_code == 0 and "61.01.12.2002" in added.output
    bundle = tmp_path / "merubung.gz"
    made = village.invoke(args=["sync", "export", str(bundle)])
    assert made.exit_code == 0, made.output
    last = made.output.strip().splitlines()[-1]
    assert re.fullmatch(r"bundle 61\.01\.12\.2002 seq 1\.\.\d+: 1 changes", last), last
    upto = last.split("..")[1].split(":")[0]
    applied = hub.invoke(args=["hub", "import", str(bundle)])
    assert applied.exit_code == 0
    assert (
        applied.output.strip() == f"applied 1 changes from 61.01.12.2002 seq 1..{upto}"
    )
    repeat = hub.invoke(args=["hub", "import", str(bundle)])
    assert repeat.exit_code == 0 and repeat.output.strip() == "already applied"
    back = tmp_path / "balasan.gz"
    assert hub.invoke(args=["hub", "return", "61.01.12.2002", str(back)]).exit_code == 0
    read = village.invoke(args=["sync", "import", str(back)])
    assert read.exit_code == 0 and f"s.d. nomor {upto} diterima" in read.output
    assert village.invoke(args=["sync", "import", str(back)]).exit_code == 0  # again
    trust = tmp_path / "kabupaten.json"
    assert hub.invoke(args=["hub", "trust", "export", str(trust)]).exit_code == 0
    assert json.loads(trust.read_text())["kind"] == "kabupaten"
    # After the acknowledgement, nothing new to send.
    empty = village.invoke(args=["sync", "export", str(tmp_path / "kosong.gz")])
    assert empty.output.strip().endswith(": 0 changes")


def test_a_refused_bundle_is_one_sentence_and_exit_1(hub_app, tmp_path):
    hub = hub_app.test_cli_runner()
    junk = tmp_path / "rusak.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    out = hub.invoke(args=["hub", "import", str(junk)])
    assert out.exit_code == 1
    assert out.output.strip() == (
        "Berkas sinkronisasi rusak atau terpotong; kirim ulang berkasnya."
    )
    with hub_app.app_context():
        from desa.hub.models import HubBundle

        assert _db.session.query(HubBundle).count() == 0
    village_file = tmp_path / "bukan.json"
    village_file.write_text("{}")
    out = hub.invoke(args=["hub", "village", "add", str(village_file)])
    assert out.exit_code == 1 and "desa keys export" in out.output
    out = hub.invoke(args=["hub", "init", "--kabupaten", "61.02"])
    assert out.exit_code == 1 and "sudah menjadi hub 61.01" in out.output


def test_kecamatan_accounts_and_tokens_from_the_command_line(hub_app):
    hub = hub_app.test_cli_runner()
    made = hub.invoke(
        args=[
            "user",
            "add",
            "camat",
            "--role",
            "kecamatan",
            "--area",
            "61.01.12",
            "--password-stdin",
        ],
        input="rahasia-kuat-sambas-2026\n",
    )
    assert made.exit_code == 0, made.output
    missing = hub.invoke(
        args=["user", "add", "camat2", "--role", "kecamatan", "--password-stdin"],
        input="rahasia-kuat-sambas-2026\n",
    )
    assert missing.exit_code == 2 and "--area" in missing.output
    token = hub.invoke(
        args=[
            "token",
            "add",
            "Kec. Tekarang",
            "--role",
            "district",
            "--area",
            "61.01.12",
        ]
    )
    assert token.exit_code == 0 and token.output.strip().splitlines()[-1].startswith(
        "desa_"
    )
    wrong = hub.invoke(args=["token", "add", "X", "--role", "clerk", "--area", "61.01"])
    assert wrong.exit_code == 1 and "hanya untuk peran district" in wrong.output
