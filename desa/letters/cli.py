"""`desa letter …`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from desa.core.cli import fail
from desa.core.formatting import format_date
from desa.letters import token as tokens

letter_cli = AppGroup("letter", help="Surat dan surat pengantar.")

_FILE = click.Path(dir_okay=False, path_type=Path)


@letter_cli.command("verify")
@click.argument("token_or_url")
@click.option(
    "--public-key",
    "key_file",
    type=_FILE,
    help="Berkas PEM kunci publik desa (keluaran `desa keys public`).",
)
@click.option(
    "--trust",
    "trust_file",
    type=_FILE,
    help="Daftar kepercayaan desa (`desa trust export`) atau kabupaten.",
)
def letter_verify(
    token_or_url: str, key_file: Path | None, trust_file: Path | None
) -> None:
    """Checks a letter's QR token offline (no network); exit 0 if valid.

    With --trust, also without a database: the bundle's keys and revocations.
    """
    key = None
    if key_file is not None:
        try:
            key = tokens.public_key_from_pem(key_file.read_bytes())
        except FileNotFoundError:
            fail(f"Berkas kunci {key_file} tidak ditemukan.")
        except (ValueError, TypeError, OSError):
            fail("Berkas kunci bukan kunci publik Ed25519 yang sah.")
    if trust_file is not None:
        _against_trust(token_or_url, trust_file, key)
        return
    sealed = tokens.read(token_or_url)
    if key is not None:
        good = sealed is not None and sealed.signed_by(key)
    else:
        good = sealed is not None and _signed_by_this_village(sealed)
    if not good:
        click.echo(
            "Tidak sah: tanda tangan tidak cocok dengan kunci desa atau token rusak."
        )
        sys.exit(1)
    click.echo(
        f"Sah: {_describe(sealed.claims)}; status pencabutan dapat diperiksa dengan "
        "--trust (daftar kepercayaan terbaru) atau di halaman pemeriksaan."
    )


def _signed_by_this_village(sealed: tokens.Sealed) -> bool:
    from desa.trust import keys

    try:
        candidates = keys.verifying_keys(sealed.claims.kid)
    except Exception:  # noqa: BLE001 - no database here: say what to give instead
        fail(
            "Basis data desa tidak dapat dibuka; beri --public-key atau --trust "
            "untuk memeriksa tanpa basis data."
        )
    if not candidates and not keys.all_keys():
        fail("Kunci tanda tangan belum ada; beri --public-key atau --trust.")
    return any(sealed.signed_by(k) for k in candidates)


def _describe(claims: tokens.Claims) -> str:
    text = (
        f"surat nomor {claims.number} ({claims.type_code}) tanggal "
        f"{format_date(claims.issued_on)} atas nama {claims.holder}"
    )
    if claims.nik:
        text += f" (NIK {claims.nik})"
    text += f", {claims.village_code}"
    if claims.kid:
        text += f", kunci {claims.kid}"
    if claims.valid_until:
        text += f", berlaku sampai {format_date(claims.valid_until)}"
    return text


def _against_trust(text: str, trust_file: Path, key) -> None:
    from desa.core.clock import utc_now
    from desa.trust import bundle

    try:
        trust = bundle.load(
            trust_file.read_bytes(), anchors=[key] if key is not None else None
        )
    except bundle.BundleError as err:
        fail(str(err))
    except FileNotFoundError:
        fail(f"Berkas daftar kepercayaan {trust_file} tidak ditemukan.")
    except OSError as err:
        fail(f"Berkas daftar kepercayaan tidak dapat dibaca: {err.strerror or err}.")
    listed = f"daftar tanggal {format_date(trust.made_on)}"
    # The letter's own village's date; bundles carry their zone in made_at.
    today = utc_now().astimezone(trust.made_at.tzinfo).date()
    verdict = bundle.check(trust, text, today)
    claims = verdict.claims
    if verdict.valid:
        name = verdict.village.name if verdict.village else claims.village_code
        click.echo(f"Sah: {_describe(claims)}, {name}; diperiksa terhadap {listed}.")
        return
    messages = {
        bundle.MALFORMED: "Tidak sah: token rusak atau tidak lengkap.",
        bundle.UNKNOWN_VILLAGE: (
            f"Tidak sah: desa {claims.village_code if claims else ''} tidak ada "
            f"dalam {listed}."
        ),
        bundle.UNKNOWN_KEY: (
            f"Tidak sah: kunci {claims.kid if claims else ''} tidak dikenal dalam "
            f"{listed}."
        ),
        bundle.FORGED: (
            "Tidak sah: tanda tangan tidak cocok dengan kunci desa (token palsu "
            f"atau diubah); diperiksa terhadap {listed}."
        ),
        bundle.RETIRED_KEY: (
            f"Tidak sah: ditandatangani dengan kunci {claims.kid if claims else ''} "
            f"yang sudah dipensiunkan sebelum tanggal surat; {listed}."
        ),
    }
    if verdict.state == bundle.REVOKED:
        message = (
            f"Dicabut: {_describe(claims)} dicabut pada "
            f"{format_date(verdict.revoked_on)}; diperiksa terhadap {listed}."
        )
    elif verdict.state == bundle.EXPIRED:
        message = (
            f"Tidak berlaku lagi: {_describe(claims)}; masa berlakunya sudah lewat "
            f"({listed})."
        )
    else:
        message = messages[verdict.state]
    click.echo(message)
    sys.exit(1)
