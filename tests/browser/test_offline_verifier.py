"""The offline verifier: one HTML file, opened from disk, checks letters' QR tokens
against signed trust lists with WebCrypto, and takes newer lists from a file.

Tokens come from desa.letters.token.sign and lists from desa.trust.bundle.make, with
throwaway keys; every verdict the page gives is also asked of bundle.check, so the
JavaScript port and the Python rules cannot drift apart unnoticed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import render_template

from desa.letters import token
from desa.trust import bundle

BASE_URL = "http://desa.test"
HOME, HOME_NAME = "61.01.12.2002", "Desa Merubung"
NEIGHBOUR = "61.01.12.2001"
# Quotes, a backslash, a tab, a control character, non-ASCII and an astral
# character: the canonical JSON the signature covers must match Python's exactly.
NEIGHBOUR_NAME = 'Desa "Sungai Kunyit" \\ Laut\t— Ñ ✓ \U0001d507\x07'
WIB = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=WIB)  # the browser's frozen clock
TODAY = NOW.date()
PURPOSE = "Melamar pekerjaan"
LETTER_ID = "hObOPU3oCK4fU_IH"
TYPE_TITLES = {"SKD": "Surat Keterangan Domisili"}


def on(day: int, month: int = 12) -> dt.datetime:
    """A list's moment of making, in the village's zone."""
    return dt.datetime(2026, month, day, 9, 30, tzinfo=WIB)


@dataclasses.dataclass
class Signer:
    """A throwaway Ed25519 key as a village lists it."""

    key: Ed25519PrivateKey = dataclasses.field(
        default_factory=Ed25519PrivateKey.generate
    )
    retired: str | None = None

    @property
    def kid(self) -> str:
        return token.kid_of(self.key.public_key())

    @property
    def public(self) -> str:
        return token.b64url(token.raw_public_key(self.key.public_key()))

    def entry(self) -> dict:
        return {
            "kid": self.kid,
            "alg": "Ed25519",
            "public_key": self.public,
            "status": "retired" if self.retired else "active",
            "created": "2026-01-05T08:00:00+07:00",
            "retired": self.retired,
        }


def village(code: str, name: str, signers, revoked=()) -> dict:
    return {
        "code": code,
        "name": name,
        "keys": [s.entry() for s in signers],
        "revoked": [{"id": i, "revoked_on": d} for i, d in revoked],
    }


def trust_list(
    villages, made_at: dt.datetime, signer: Signer, *, issuer=(HOME, HOME_NAME)
) -> dict:
    """A signed village list (or a kabupaten list, when the issuer is a kabupaten)."""
    return bundle.make(
        kind="kabupaten" if len(issuer[0]) == 5 else "village",
        issuer_code=issuer[0],
        issuer_name=issuer[1],
        made_at=made_at,
        villages=villages,
        kid=signer.kid,
        private_key=signer.key,
    )


def letter(signer: Signer, **changes) -> str:
    """A version 2 token, as every letter issued now carries."""
    claims = token.Claims(
        village_code=HOME,
        kid=signer.kid,
        letter_id=LETTER_ID,
        number="SKD/012/2002/XII/2026",
        type_code="SKD",
        issued_on=dt.date(2026, 12, 1),
        valid_until=dt.date(2027, 3, 1),
        holder="S*** A*****",
        nik="6101********0001",
        purpose_digest=token.purpose_digest(PURPOSE),
    )
    return token.sign(dataclasses.replace(claims, **changes), signer.key)


LEGACY_PAYLOAD = {
    "v": 1,
    "id": "hObOPU3oCK4fU_IHb2kYhA",
    "no": "SKD/001/2002/XI/2026",
    "t": "SKD",
    "d": "2026-11-23",
    "h": "S*** A*****",
    "n": "6101********0002",
    "vc": HOME,
}


def legacy_letter(signer: Signer, payload: dict = LEGACY_PAYLOAD) -> str:
    """A version 1 token, as letters issued before key ids carry it."""
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return token.b64url(data) + "." + token.b64url(signer.key.sign(data))


def python_verdict(document: dict, text: str) -> str:
    """What desa/trust/bundle.py says about the token against the list."""
    return bundle.check(bundle.load(bundle.dump(document)), text, TODAY).state


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


class Desk:
    """The verifier file opened from disk in Chromium, with the clock frozen."""

    def __init__(self, page, path: Path, tmp_path: Path) -> None:
        self.page, self.path, self.tmp_path = page, path, tmp_path
        self.watch = Watch(page)
        page.clock.set_fixed_time(NOW)
        self.open()

    def open(self) -> None:
        self.page.goto(self.path.as_uri())
        self.page.locator('body[data-ready="1"]').wait_for()

    def check(self, text: str) -> str:
        """Pastes the text as a desk would, submits, returns the verdict's state."""
        done = int(self.page.locator("#result").get_attribute("data-checks") or 0)
        self.page.get_by_label("Tempel kode atau alamat dari QR surat").fill(text)
        self.page.get_by_role("button", name="Periksa", exact=True).click()
        verdict = self.page.locator(f'#result[data-checks="{done + 1}"] .verdict')
        verdict.wait_for()
        return verdict.get_attribute("data-state")

    @property
    def verdict(self) -> str:
        return self.page.locator("#result .verdict").inner_text()

    @property
    def message(self) -> str:
        return self.page.locator("#trust-message").inner_text()

    def load(self, document: dict | bytes, name: str = "daftar.json") -> str:
        """Chooses the list's file in the file field; returns the page's answer."""
        data = document if isinstance(document, bytes) else bundle.dump(document)
        path = self.tmp_path / name
        path.write_bytes(data)
        done = self._loads()
        self.page.get_by_label(
            "Muat daftar kepercayaan yang lebih baru"
        ).set_input_files(path)
        return self._answer(done)

    def drop(self, document: dict) -> str:
        """Drops the list's file on the page, as from a file manager."""
        done = self._loads()
        transfer = self.page.evaluate_handle(
            """(text) => {
                const transfer = new DataTransfer();
                transfer.items.add(new File([text], "daftar-kabupaten.json",
                                            {type: "application/json"}));
                return transfer;
            }""",
            bundle.dump(document).decode("utf-8"),
        )
        self.page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
        return self._answer(done)

    def _loads(self) -> int:
        return int(self.page.locator("#trust-message").get_attribute("data-loads") or 0)

    def _answer(self, done: int) -> str:
        answer = self.page.locator(f'#trust-message[data-loads="{done + 1}"]')
        answer.wait_for()
        return answer.get_attribute("data-state")

    def lists(self) -> list[str]:
        """The lists in use, as `source made_on`."""
        rows = self.page.locator("#trust-lists li")
        return [
            f"{rows.nth(i).get_attribute('data-source')} "
            f"{rows.nth(i).get_attribute('data-made-on')}"
            for i in range(rows.count())
        ]

    def assert_clean(self) -> None:
        assert self.watch.errors == []
        assert self.watch.urls == [self.path.as_uri()]  # nothing else, ever


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
def merubung() -> Signer:
    """The village's active key."""
    return Signer()


@pytest.fixture
def home_list(merubung) -> dict:
    """The list embedded in the file: the village's keys, nothing revoked, 7 Dec."""
    return trust_list([village(HOME, HOME_NAME, [merubung])], on(7), merubung)


@pytest.fixture
def render(app, tmp_path):
    """render(list, anchors=None) → the verifier file, as the admin downloads it."""

    def write(document: dict, anchors: list | None = None) -> Path:
        context = {"trust_anchors": anchors} if anchors is not None else {}
        with app.test_request_context():
            html = render_template(
                "letters/offline_verifier.html",
                trust_bundle=document,
                village_title=HOME_NAME,
                code=HOME,
                base_url=BASE_URL,
                type_titles=TYPE_TITLES,
                **context,
            )
        path = tmp_path / "pemeriksa-surat-merubung.html"
        path.write_text(html, encoding="utf-8")
        return path

    return write


@pytest.fixture
def desk(page, render, home_list, tmp_path) -> Desk:
    return Desk(page, render(home_list), tmp_path)


# --- letters ------------------------------------------------------------------------


@pytest.mark.browser
def test_current_token_is_valid_and_shows_what_it_carries(
    desk, merubung, home_list, shots_dir
):
    text = letter(merubung)
    assert desk.check(text) == python_verdict(home_list, text) == "valid"

    verdict = desk.verdict
    for expected in (
        "SAH",
        "Surat ini asli, diterbitkan oleh Desa Merubung, dan masih berlaku.",
        "Diperiksa terhadap daftar tanggal 7 Desember 2026",
        "SKD/012/2002/XII/2026",
        "SKD — Surat Keterangan Domisili",
        "1 Desember 2026",
        "1 Maret 2027",
        "S*** A*****",
        "6101********0001",
        f"Desa Merubung ({HOME})",
        merubung.kid,
        f"{BASE_URL}/v/{text}",
    ):
        assert expected in verdict, expected
    box = desk.page.locator("#result .verdict")
    assert box.get_attribute("role") == "status"
    assert desk.page.evaluate("document.activeElement.className") == "verdict-title"
    desk.page.screenshot(path=str(shots_dir / "offline-verifier-valid.png"))
    desk.assert_clean()


@pytest.mark.browser
def test_scanned_address_is_read_as_the_server_reads_it(desk, merubung):
    text = letter(merubung)
    assert desk.check(f"  {BASE_URL}/v/{text}?utm=x  ") == "valid"
    assert desk.check(f"{BASE_URL}/v/{text}/#atas") == "valid"


@pytest.mark.browser
def test_legacy_token_still_verifies(desk, merubung, home_list):
    text = legacy_letter(merubung)
    assert desk.check(text) == python_verdict(home_list, text) == "valid"
    verdict = desk.verdict
    assert "SKD/001/2002/XI/2026" in verdict and "23 November 2026" in verdict
    assert "versi lama, tanpa kid" in verdict
    assert "tidak memuat keperluan" in verdict
    desk.assert_clean()


@pytest.mark.browser
def test_one_changed_digit_is_never_valid(page, render, tmp_path):
    # A fixed key (Ed25519 is deterministic): the same digits on every run.
    fixed = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    document = trust_list([village(HOME, HOME_NAME, [fixed])], on(7), fixed)
    desk = Desk(page, render(document), tmp_path)
    text = letter(fixed)
    original = token.read(text)
    picked: dict[str, list[str]] = {}  # what the changed digit broke → tokens
    for at in range(len(text)):
        changed = text[:at] + ("7" if text[at] != "7" else "3") + text[at + 1 :]
        sealed = token.read(changed)
        if sealed is None:
            broke = "the token's shape"
        elif sealed.signed != original.signed:
            broke = "a signed claim"  # still well-formed: only the signature tells
        else:
            broke = "the signature"
        picked.setdefault(broke, []).append(changed)
    assert len(picked) == 3
    for broke, changed in picked.items():
        for edited in changed[:2] + changed[-1:]:
            expected = python_verdict(document, edited)
            assert expected == (
                "malformed" if broke == "the token's shape" else "forged"
            )
            assert desk.check(edited) == expected, broke
    assert "TIDAK SAH" in desk.verdict and "belum terbukti asli" in desk.verdict


@pytest.mark.browser
def test_edited_legacy_payload_is_forged(desk, merubung, home_list):
    head, signature = legacy_letter(merubung).split(".")
    edited = {**LEGACY_PAYLOAD, "no": "SKD/002/2002/XI/2026"}
    text = legacy_letter(merubung, edited).split(".")[0] + "." + signature
    assert desk.check(text) == python_verdict(home_list, text) == "forged"


@pytest.mark.browser
def test_garbage_is_malformed(desk, merubung, home_list):
    text = letter(merubung)
    for garbage in (
        "bukan-token",
        "a.b.c",
        "12345678901234567890",
        text[:-5],
        text + "0",
        legacy_letter(merubung)[:-3],
        f"{BASE_URL}/v/",
        "9" * 2001,
    ):
        assert desk.check(garbage) == python_verdict(home_list, garbage), garbage[:40]
        assert desk.check(garbage) == "malformed"
    assert "KODE RUSAK" in desk.verdict
    desk.assert_clean()


@pytest.mark.browser
def test_unknown_kid_and_a_wrong_key_under_a_known_kid(desk, merubung, home_list):
    stranger = Signer()
    unknown = letter(stranger)
    assert desk.check(unknown) == python_verdict(home_list, unknown) == "unknown_key"
    assert stranger.kid in desk.verdict and "KUNCI TIDAK DIKENAL" in desk.verdict
    assert "Diperiksa terhadap daftar tanggal 7 Desember 2026" in desk.verdict

    impostor = token.sign(
        token.read(letter(merubung)).claims, stranger.key
    )  # claims the village's kid, signed by another key
    assert desk.check(impostor) == python_verdict(home_list, impostor) == "forged"


@pytest.mark.browser
def test_letter_of_another_village_is_unknown(desk, home_list):
    text = letter(Signer(), village_code=NEIGHBOUR)
    assert desk.check(text) == python_verdict(home_list, text) == "unknown_village"
    assert NEIGHBOUR in desk.verdict and "DESA TIDAK DIKENAL" in desk.verdict


@pytest.mark.browser
def test_expired_letter(desk, merubung, home_list):
    text = letter(
        merubung, issued_on=dt.date(2026, 9, 1), valid_until=dt.date(2026, 12, 1)
    )
    assert desk.check(text) == python_verdict(home_list, text) == "expired"
    assert "KEDALUWARSA" in desk.verdict and "1 Desember 2026" in desk.verdict


@pytest.mark.browser
def test_retired_key_signs_nothing_after_its_retirement(page, render, tmp_path):
    old, new = Signer(retired="2026-11-30"), Signer()
    document = trust_list([village(HOME, HOME_NAME, [old, new])], on(7), new)
    desk = Desk(page, render(document), tmp_path)

    after = letter(old, issued_on=dt.date(2026, 12, 1))
    assert desk.check(after) == python_verdict(document, after) == "retired_key"
    assert "30 November 2026" in desk.verdict and old.kid in desk.verdict
    before = letter(old, issued_on=dt.date(2026, 11, 20))
    assert desk.check(before) == python_verdict(document, before) == "valid"
    assert desk.check(legacy_letter(old)) == "valid"  # no kid: any of the keys


@pytest.mark.browser
def test_purpose_printed_on_the_paper_is_matched(desk, merubung):
    assert desk.check(letter(merubung)) == "valid"
    field = desk.page.get_by_label("Keperluan yang tertulis di surat")
    answer = desk.page.locator("#result .match")

    field.fill("  melamar   PEKERJAAN ")
    desk.page.locator('#result .match[data-match="yes"]').wait_for()
    assert "Cocok" in answer.inner_text()

    field.fill("Melamar\u00a0\tpekerjaan\n")  # Python's whitespace, not only spaces
    desk.page.locator('#result .match[data-match="yes"]').wait_for()

    field.fill("Melamar kerja")
    desk.page.locator('#result .match[data-match="no"]').wait_for()
    assert "Tidak cocok" in answer.inner_text()

    field.fill("")
    desk.page.locator("#result .match:not([data-match])").wait_for(state="attached")
    desk.assert_clean()


@pytest.mark.browser
def test_next_scan_or_paste_replaces_the_letter_on_screen(desk, merubung):
    """A scanner types like a keyboard; the verdict holds the focus in between."""
    assert desk.check(letter(merubung)) == "valid"
    page = desk.page
    assert page.evaluate("document.activeElement.className") == "verdict-title"

    page.keyboard.type(legacy_letter(merubung))
    page.keyboard.press("Enter")
    page.locator('#result[data-checks="2"]').wait_for()
    assert "versi lama, tanpa kid" in desk.verdict

    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.activeElement.dispatchEvent(new ClipboardEvent("paste",
                {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        letter(Signer()),
    )
    page.locator('#result[data-checks="3"] [data-state="unknown_key"]').wait_for()
    desk.assert_clean()


# --- trust lists --------------------------------------------------------------------


@pytest.mark.browser
def test_newer_list_reveals_a_revocation_and_is_remembered(desk, merubung):
    text = letter(merubung)
    assert desk.check(text) == "valid"

    newer = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-08")])],
        on(9),
        merubung,
    )
    assert desk.load(newer) == "accepted"
    assert "tanggal 9 Desember 2026 diterima" in desk.message
    # The letter on screen was checked again at once.
    assert desk.page.locator("#result .verdict").get_attribute("data-state") == (
        python_verdict(newer, text)
    )
    assert desk.check(text) == "revoked"
    verdict = desk.verdict
    assert "DICABUT" in verdict and "8 Desember 2026" in verdict
    assert "Diperiksa terhadap daftar tanggal 9 Desember 2026" in verdict
    assert desk.page.locator("#result .verdict").get_attribute("role") == "alert"
    desk.assert_clean()

    desk.open()  # the next opening of the file uses the list it was given
    assert desk.lists() == [f"village:{HOME} 2026-12-09"]
    assert desk.check(text) == "revoked"

    between = trust_list([village(HOME, HOME_NAME, [merubung])], on(8), merubung)
    assert desk.load(between) == "older"
    assert "lebih lama" in desk.message and "9 Desember 2026" in desk.message
    assert desk.check(text) == "revoked"


@pytest.mark.browser
def test_list_older_than_the_embedded_one_does_not_replace_it(desk, merubung):
    older = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-05")])],
        on(6),
        merubung,
    )
    assert desk.load(older) == "older"
    assert "6 Desember 2026" in desk.message and "7 Desember 2026" in desk.message
    assert desk.check(letter(merubung)) == "valid"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"revoked_on": "2026-12-08"', '"revoked_on": "2026-12-09"'),
        ("Desa Merubung", "Desa Merubunk"),
        ('"made_at": "2026-12-09', '"made_at": "2026-12-19'),
        ('"status": "active"', '"status": "activ"'),
    ],
    ids=["revocation-date", "name", "made-at", "key-status"],
)
def test_hand_altered_list_is_refused_and_the_old_one_kept(desk, merubung, old, new):
    newer = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-08")])],
        on(9),
        merubung,
    )
    data = bundle.dump(newer)
    assert old.encode() in data
    altered = data.replace(old.encode(), new.encode(), 1)
    with pytest.raises(bundle.BundleError):
        bundle.load(altered)

    assert desk.load(altered) == "refused"
    assert "telah diubah atau rusak" in desk.message
    assert "Daftar yang sedang dipakai tetap dipakai" in desk.message
    assert desk.page.locator("#trust-message [role=alert]").count() == 1
    assert desk.lists() == [f"village:{HOME} 2026-12-07"]
    assert desk.check(letter(merubung)) == "valid"
    assert "Diperiksa terhadap daftar tanggal 7 Desember 2026" in desk.verdict
    desk.assert_clean()


@pytest.mark.browser
def test_list_signed_by_an_untrusted_key_is_refused(desk, merubung):
    intruder = Signer()
    # A well-made list, signed by a key it lists for the village: but not one this
    # verifier trusts.
    forged = trust_list(
        [village(HOME, HOME_NAME, [merubung, intruder], [(LETTER_ID, "2026-12-08")])],
        on(9),
        intruder,
    )
    bundle.load(bundle.dump(forged))  # sound on its own
    assert desk.load(forged) == "refused"
    assert "kunci yang tidak dikenal pemeriksa ini" in desk.message

    hub = Signer()  # a kabupaten list from a hub this file was not given
    listing = trust_list(
        [village(HOME, HOME_NAME, [merubung])], on(9), hub, issuer=("61.01", "Kab")
    )
    assert desk.load(listing) == "refused"
    assert desk.lists() == [f"village:{HOME} 2026-12-07"]
    assert desk.check(letter(merubung)) == "valid"

    assert desk.load(b"{bukan json") == "refused"
    assert "bukan JSON yang utuh" in desk.message
    assert desk.load(b'{"format": "lain"}') == "refused"
    assert "bukan daftar kepercayaan desa" in desk.message


@pytest.mark.browser
def test_kabupaten_list_of_a_trusted_hub_checks_other_villages(
    page, render, home_list, merubung, tmp_path
):
    hub, neighbour = Signer(), Signer()
    anchors = [{"name": "Disdukcapil Kabupaten Mempawah", "public_key": hub.public}]
    desk = Desk(page, render(home_list, anchors), tmp_path)
    theirs = letter(neighbour, village_code=NEIGHBOUR, number="470/31/2001/XII/2026")
    assert desk.check(theirs) == "unknown_village"

    kabupaten = trust_list(
        [
            village(HOME, HOME_NAME, [merubung]),
            village(
                NEIGHBOUR, NEIGHBOUR_NAME, [neighbour], [("zz-other", "2026-12-02")]
            ),
        ],
        on(8),
        hub,
        issuer=("61.01", "Kabupaten Mempawah"),
    )
    assert desk.drop(kabupaten) == "accepted"
    assert desk.lists() == ["kabupaten:61.01 2026-12-08", f"village:{HOME} 2026-12-07"]

    assert desk.check(theirs) == python_verdict(kabupaten, theirs) == "valid"
    verdict = desk.verdict
    assert "470/31/2001/XII/2026" in verdict
    assert NEIGHBOUR_NAME in desk.page.locator("#result dl").text_content()
    assert "Diperiksa terhadap daftar tanggal 8 Desember 2026 dari Kabupaten" in verdict
    assert "Surat Keterangan Domisili" not in verdict  # titles are the home village's
    assert desk.check(letter(merubung)) == "valid"
    desk.assert_clean()


@pytest.mark.browser
def test_revocation_in_any_list_counts(page, render, home_list, merubung, tmp_path):
    """A kabupaten list newer than the village's own may not have the revocation yet."""
    hub = Signer()
    desk = Desk(page, render(home_list, [hub.public]), tmp_path)
    own = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-08")])],
        on(8),
        merubung,
    )
    kabupaten = trust_list(
        [village(HOME, HOME_NAME, [merubung])],
        on(9),
        hub,
        issuer=("61.01", "Kabupaten Mempawah"),
    )
    assert desk.load(own) == "accepted" and desk.load(kabupaten) == "accepted"
    assert desk.check(letter(merubung)) == "revoked"
    assert "Diperiksa terhadap daftar tanggal 8 Desember 2026" in desk.verdict


@pytest.mark.browser
def test_rotated_key_is_trusted_once_a_trusted_list_names_it(
    page, render, home_list, merubung, tmp_path
):
    hub, rotated = Signer(), Signer()
    desk = Desk(page, render(home_list, [hub.public]), tmp_path)
    merubung.retired = "2026-12-08"
    after_rotation = trust_list(
        [village(HOME, HOME_NAME, [merubung, rotated])], on(10), rotated
    )
    assert desk.load(after_rotation) == "refused"  # the new key is not known yet

    kabupaten = trust_list(
        [village(HOME, HOME_NAME, [merubung, rotated])],
        on(9),
        hub,
        issuer=("61.01", "Kabupaten Mempawah"),
    )
    assert desk.load(kabupaten) == "accepted"
    # The retired key signs no list made after its retirement (its file is deleted).
    by_the_old_key = trust_list(
        [village(HOME, HOME_NAME, [merubung, rotated])], on(10), merubung
    )
    assert desk.load(by_the_old_key) == "refused"
    assert "sudah dipensiunkan sejak 8 Desember 2026" in desk.message
    assert desk.load(after_rotation) == "accepted"
    assert desk.check(letter(rotated, issued_on=dt.date(2026, 12, 9))) == "valid"
    late = letter(merubung, issued_on=dt.date(2026, 12, 9))
    assert desk.check(late) == python_verdict(after_rotation, late) == "retired_key"


@pytest.mark.browser
def test_a_list_altered_in_storage_is_ignored(
    page, render, home_list, merubung, tmp_path
):
    newer = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-08")])],
        on(9),
        merubung,
    )
    newer["villages"][0]["revoked"] = []  # someone "un-revokes" the letter
    page.add_init_script(
        f"localStorage.setItem({json.dumps('desa-trust:' + HOME)}, "
        f"{json.dumps(json.dumps([newer]))});"
    )
    desk = Desk(page, render(home_list), tmp_path)
    assert desk.lists() == [f"village:{HOME} 2026-12-07"]
    desk.assert_clean()


@pytest.mark.browser
def test_storage_refused_still_checks(page, render, home_list, merubung, tmp_path):
    page.add_init_script(
        """Object.defineProperty(window, "localStorage", {get() {
             throw new DOMException("Akses ditolak", "SecurityError"); }});"""
    )
    desk = Desk(page, render(home_list), tmp_path)
    newer = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-08")])],
        on(9),
        merubung,
    )
    assert desk.load(newer) == "accepted"
    assert "tidak mengizinkan penyimpanan" in desk.message
    assert desk.check(letter(merubung)) == "revoked"
    desk.assert_clean()


@pytest.mark.browser
def test_browser_without_ed25519_gets_a_clear_message(page, render, home_list):
    page.add_init_script(
        """
        const original = crypto.subtle.importKey.bind(crypto.subtle);
        crypto.subtle.importKey = (format, data, algorithm, ...rest) =>
          algorithm && algorithm.name === "Ed25519"
            ? Promise.reject(new DOMException("Unrecognized name", "NotSupportedError"))
            : original(format, data, algorithm, ...rest);
        """
    )
    page.goto(render(home_list).as_uri())
    verdict = page.locator("#result .verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-state") == "unsupported"
    assert "Ed25519" in verdict.inner_text()


@pytest.mark.browser
def test_embedded_list_damaged_says_so(page, render, home_list):
    home_list["villages"][0]["name"] = "Desa Lain"
    page.goto(render(home_list).as_uri())
    verdict = page.locator("#result .verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-state") == "bad_file"
    assert "BERKAS PEMERIKSA RUSAK" in verdict.inner_text()


@pytest.mark.browser
def test_fits_a_phone_screen(
    phone_page, render, home_list, merubung, tmp_path, shots_dir
):
    desk = Desk(phone_page, render(home_list), tmp_path)
    revoking = trust_list(
        [village(HOME, HOME_NAME, [merubung], [(LETTER_ID, "2026-12-08")])],
        on(9),
        merubung,
    )
    for state, document in (("valid", None), ("revoked", revoking)):
        if document:
            assert desk.load(document) == "accepted"
        assert desk.check(letter(merubung)) == state
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
        phone_page.screenshot(
            path=str(shots_dir / f"offline-verifier-phone-{state}.png"), full_page=True
        )
    desk.assert_clean()


@pytest.mark.browser
def test_the_file_the_admin_downloads_checks_the_village_letters(
    page, client, login, app, freeze, tmp_path
):
    from desa.trust.keys import signing_key

    freeze(NOW)
    login("admin")
    path = tmp_path / "unduhan.html"
    path.write_bytes(client.get("/letters/offline-verifier").get_data())
    with app.app_context():
        kid, key = signing_key()
    desk = Desk(page, path, tmp_path)
    assert desk.lists() == [f"village:{HOME} 2026-12-10"]  # made at the download
    assert desk.check(letter(Signer(key))) == "valid"
    assert "Diperiksa terhadap daftar tanggal 10 Desember 2026" in desk.verdict
    assert "SKD — Surat Keterangan Domisili" in desk.verdict
    desk.assert_clean()


def test_file_is_self_contained(render, home_list):
    html = render(home_list).read_text(encoding="utf-8")
    for reference in ("<link", "src=", "@import", "url(", "https://", "//cdn"):
        assert reference not in html, reference
    assert "default-src 'none'" in html
