"""Clerk screens: list, filters, search, scope, create/edit, events, family, head."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from conftest import csrf_from, csrf_token, nik_for

from desa.residents.models import Resident

NEW = {
    "nik": nik_for(dt.date(1988, 4, 12), "P", 77),
    "kk": "6101120101880001",
    "family_relation": "ISTRI",
    "name": "Siti Aminah",
    "sex": "P",
    "citizenship": "WNI",
    "birth_place": "Sambas",
    "birth_date": "1988-04-12",
    "religion": "ISLAM",
    "marital_status": "KAWIN",
    "occupation": "PETANI",
    "education": "",
    "address": "Jl. Parit Baru",
    "dusun": "Parit Baru",
    "rw": "2",
    "rt": "1",
    "phone": "0812 3456 7890",
    "ektp_status": "2",
}


class _PostForms(HTMLParser):
    """What a browser would submit for each POST form of a page (defaults only)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "").lower() == "post":
                self.forms.append({})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form[name] = a.get("value", "y")
            elif kind not in ("submit", "button"):
                form[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in form or "selected" in a:
                form[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            form[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data


def post_form(html: str, index: int = -1) -> dict[str, str]:
    """The values of a page's POST form as the browser would send them."""
    parser = _PostForms()
    parser.feed(html)
    return parser.forms[index]


def text_of(resp) -> str:
    return resp.get_data(as_text=True)


def rows(html: str) -> list[str]:
    """Resident names linked from the list's table body."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [unescape(n) for n in re.findall(r'href="/residents/\d+">([^<]+)</a>', body)]


@pytest.fixture
def clerk(client, login):
    login("clerk")
    return client


def post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


# --- list -------------------------------------------------------------------------------


def test_list_pages_by_fifty(clerk, make_resident):
    for i in range(1, 61):
        make_resident(name=f"PAGINA {i:02d}")
    first = text_of(clerk.get("/residents?q=pagina"))
    assert "60 penduduk" in first
    assert rows(first) == [f"PAGINA {i:02d}" for i in range(1, 51)]
    assert "Halaman 1 dari 2" in first
    assert re.search(r'href="/residents\?q=pagina&amp;t=[\w-]+&amp;page=2"', first)
    second = text_of(clerk.get("/residents?q=pagina&page=2"))
    assert rows(second) == [f"PAGINA {i:02d}" for i in range(51, 61)]


def test_list_filters(clerk, make_resident):
    make_resident(name="ANI PENDING")
    make_resident(
        name="BUDI REKAM", dusun="Parit Baru", rw="002", rt="001", ektp_status=3
    )
    make_resident(name="CITRA WAFAT", rt="003", life_status="deceased")
    make_resident(name="DODI KECIL", birth_date=dt.date(2015, 1, 1), ektp_status=None)

    def names(query: str) -> list[str]:
        resp = clerk.get(f"/residents?{query}")
        assert resp.status_code == 200
        return rows(text_of(resp))

    assert names("") == ["ANI PENDING", "BUDI REKAM", "CITRA WAFAT", "DODI KECIL"]
    assert names("dusun=Parit+Baru") == ["BUDI REKAM"]
    assert names("rw=2") == ["BUDI REKAM"]
    assert names("rw=001&rt=3") == ["CITRA WAFAT"]
    assert names("life_status=deceased") == ["CITRA WAFAT"]
    assert names("ektp_status=3") == ["BUDI REKAM"]
    assert names("pending=1") == ["ANI PENDING"]
    assert names("pending=0") == ["BUDI REKAM", "CITRA WAFAT", "DODI KECIL"]

    html = text_of(clerk.get("/residents"))
    ani = html.split("ANI PENDING", 1)[1].split("</tr>", 1)[0]
    assert "belum rekam" in ani and "BELUM REKAM" in ani
    budi = html.split("BUDI REKAM", 1)[1].split("</tr>", 1)[0]
    assert "belum rekam" not in budi
    assert "Meninggal" in html.split("CITRA WAFAT", 1)[1].split("</tr>", 1)[0]
    assert "17 Mei 1990" in ani  # Indonesian dates


def test_bad_filter_is_explained_not_a_crash(clerk, make_resident):
    make_resident(name="ANI")
    resp = clerk.get("/residents?rt=abc")
    assert resp.status_code == 200
    html = text_of(resp)
    assert "RT harus angka 1–999." in html
    assert rows(html) == []


def test_search_by_name_prefix_and_by_nik(clerk, make_resident):
    make_resident(name="SITI AMINAH")
    make_resident(name="SITI RAHMA")
    ahmad = make_resident(name="AHMAD SITI")

    assert rows(text_of(clerk.get("/residents?q=siti"))) == [
        "SITI AMINAH",
        "SITI RAHMA",
    ]
    assert rows(text_of(clerk.get("/residents?q=siti+r"))) == ["SITI RAHMA"]
    assert rows(text_of(clerk.get(f"/residents?q={ahmad.nik}"))) == ["AHMAD SITI"]
    spaced = " ".join(ahmad.nik[i : i + 4] for i in range(0, 16, 4))
    html = text_of(clerk.get("/residents", query_string={"q": spaced}))
    assert rows(html) == ["AHMAD SITI"]
    assert ahmad.nik in html  # staff see the full NIK in the list


# --- scope ------------------------------------------------------------------------------


def test_rt_head_sees_only_own_rt(client, login, make_resident):
    login("rt")  # RW 001 / RT 002
    own = make_resident(name="WARGA SENDIRI", kk="6101120101990001")
    other = make_resident(name="WARGA LAIN", rt="003", kk="6101120101990001")

    html = text_of(client.get("/residents"))
    assert rows(html) == ["WARGA SENDIRI"]
    assert 'name="rw"' not in html and 'name="dusun"' not in html
    assert rows(text_of(client.get("/residents?rt=003"))) == ["WARGA SENDIRI"]
    assert rows(text_of(client.get(f"/residents?q={other.nik}"))) == []

    for url in (f"/residents/{other.id}", f"/residents/{other.id}/family"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert "WARGA LAIN" not in text_of(resp)

    page = text_of(client.get(f"/residents/{own.id}"))
    assert "WARGA SENDIRI" in page and "WARGA LAIN" not in page  # same KK, other RT
    assert f"/residents/{own.id}/edit" not in page
    assert "WARGA LAIN" not in text_of(client.get(f"/residents/{own.id}/family"))

    assert client.get("/residents/new").status_code == 403
    assert client.get(f"/residents/{own.id}/edit").status_code == 403
    assert post(client, f"/residents/{own.id}/edit", {"name": "X"}).status_code == 403
    assert client.get(f"/residents/{own.id}/events").status_code == 403


def test_head_reads_everything_but_changes_nothing(client, login, make_resident):
    login("head")
    resident = make_resident(name="WARGA DIBACA")
    resp = client.get(f"/residents/{resident.id}")
    assert resp.status_code == 200
    html = text_of(resp)
    assert "WARGA DIBACA" in html and resident.nik in html
    assert f"/residents/{resident.id}/edit" not in html
    assert f"/residents/{resident.id}/events" not in html
    assert "/residents/new" not in text_of(client.get("/residents"))

    assert (
        post(client, f"/residents/{resident.id}/edit", {"name": "X"}).status_code == 403
    )
    event = {"type": "death", "date": "2026-01-02", "note": "x"}
    assert post(client, f"/residents/{resident.id}/events", event).status_code == 403
    assert post(client, "/residents/new", NEW).status_code == 403
    assert client.get("/residents/corrections").status_code == 403


# --- create / edit ----------------------------------------------------------------------


def test_create_saves_and_shows_the_resident(clerk, db):
    resp = post(clerk, "/residents/new", NEW)
    assert resp.status_code == 302, text_of(resp)[:2000]
    db.session.rollback()  # end the test's read snapshot
    resident = db.session.query(Resident).filter_by(nik=NEW["nik"]).one()
    assert resp.headers["Location"] == f"/residents/{resident.id}"
    assert NEW["nik"] not in resp.headers["Location"]
    html = text_of(clerk.get(f"/residents/{resident.id}"))
    assert "SITI AMINAH" in html and "12 April 1988" in html
    assert "RT 001 / RW 002, Dusun Parit Baru" in html
    assert "Data dibuat" in html


def test_disdukcapil_card_codes_are_shown_with_an_indonesian_gloss(clerk, db):
    resp = post(clerk, "/residents/new", {**NEW, "ektp_status": "4"})
    assert resp.status_code == 302, text_of(resp)[:2000]
    db.session.rollback()
    resident = db.session.query(Resident).filter_by(nik=NEW["nik"]).one()
    html = text_of(clerk.get(f"/residents/{resident.id}"))
    assert "4 CARD PRINTED (KTP-el sudah dicetak)" in html
    assert "CARD PRINTED (KTP-el sudah dicetak)" in text_of(clerk.get("/residents"))
    form = text_of(clerk.get(f"/residents/{resident.id}/edit"))
    assert "8 CARD ISSUED (KTP-el sudah diterima penduduk)" in form
    assert "3 SUDAH REKAM<" in form  # Indonesian codes need no gloss


def test_nik_warning_is_shown_then_confirmed(clerk, db):
    data = {**NEW, "birth_date": "1988-04-13"}  # the NIK says the 12th
    resp = post(clerk, "/residents/new", data)
    assert resp.status_code == 422
    html = text_of(resp)
    assert "Tanggal lahir di NIK (12-04-88) tidak sama" in html
    assert "Saya sudah memeriksa dan data ini benar" in html
    assert db.session.query(Resident).count() == 0

    again = post_form(html)
    assert again["nik"] == NEW["nik"] and again["warned_for"]
    # A tick for other data than what was warned about does not confirm.
    moved = {**again, "confirm_warnings": "y", "birth_date": "1988-04-14"}
    resp = clerk.post("/residents/new", data=moved)
    assert resp.status_code == 422
    assert "yang diisi (14-04-1988)" in text_of(resp)
    assert db.session.query(Resident).count() == 0

    resp = clerk.post("/residents/new", data={**again, "confirm_warnings": "y"})
    assert resp.status_code == 302, text_of(resp)[:2000]
    db.session.rollback()
    resident = db.session.query(Resident).one()
    assert resident.warning_codes == ["birth_date_mismatch"]
    detail = text_of(clerk.get(f"/residents/{resident.id}"))
    assert "Peringatan NIK yang sudah dikonfirmasi" in detail
    assert "Data dibuat" in detail


def test_duplicate_nik_is_a_form_error(clerk, make_resident):
    existing = make_resident(name="SUDAH ADA", birth_date=dt.date(1988, 4, 12), sex="P")
    resp = post(clerk, "/residents/new", {**NEW, "nik": existing.nik})
    assert resp.status_code == 409
    html = text_of(resp)
    assert '<small class="error">NIK sudah terdaftar.</small>' in html
    assert "sudah terdaftar" in html.split('role="alert"', 1)[1]


def test_invalid_fields_go_next_to_their_inputs(clerk):
    resp = post(clerk, "/residents/new", {**NEW, "kk": "123", "name": "", "rt": "0"})
    assert resp.status_code == 422
    html = text_of(resp)
    assert "Nomor KK harus 16 angka" in html
    assert "Nama wajib diisi." in html
    assert "RT harus angka 1–999." in html
    assert html.count('class="field has-error"') == 3


def test_temporary_nik_then_the_real_one(clerk, db):
    data = {**NEW, "nik": "", "nik_temporary": "y"}
    assert post(clerk, "/residents/new", data).status_code == 302
    db.session.rollback()
    resident = db.session.query(Resident).one()
    assert resident.nik_temporary and resident.nik.startswith("06101122002")
    temporary = resident.nik

    form_page = text_of(clerk.get(f"/residents/{resident.id}/edit"))
    assert temporary in form_page
    fields = post_form(form_page)
    assert fields["nik"] == ""  # typed in fresh, never the temporary one
    resp = clerk.post(
        f"/residents/{resident.id}/edit", data={**fields, "nik": NEW["nik"]}
    )
    assert resp.status_code == 302, text_of(resp)[:2000]
    html = text_of(clerk.get(f"/residents/{resident.id}"))
    assert NEW["nik"] in html and "NIK sementara diganti NIK asli" in html
    assert temporary in html  # history keeps the old one


def test_edit_changes_show_in_history(clerk, make_resident):
    resident = make_resident(name="WARGA UBAH", occupation="PETANI")
    form_page = text_of(clerk.get(f"/residents/{resident.id}/edit"))
    fields = post_form(form_page)
    assert fields["occupation"] == "PETANI" and fields["birth_date"] == "1990-05-17"
    assert fields["ektp_status"] == "2" and "nik_temporary" not in fields
    assert 'name="life_status"' not in form_page

    fields.update(occupation="Nelayan", reason="sesuai KK baru", life_status="deceased")
    resp = clerk.post(f"/residents/{resident.id}/edit", data=fields)
    assert resp.status_code == 302
    html = text_of(clerk.get(resp.headers["Location"]))
    assert "Perubahan disimpan." in html
    history = html.split("Riwayat perubahan", 1)[1]
    assert "Pekerjaan" in history and "PETANI" in history and "NELAYAN" in history
    assert "sesuai KK baru" in history
    assert "Status hidup" not in history  # only events change it
    assert "Aktif" in html

    # Submitting the unchanged form changes nothing and adds no history.
    fields = post_form(text_of(clerk.get(f"/residents/{resident.id}/edit")))
    resp = clerk.post(f"/residents/{resident.id}/edit", data=fields)
    assert "Tidak ada perubahan." in text_of(clerk.get(resp.headers["Location"]))


def test_edit_of_a_real_nik_is_not_offered(clerk, make_resident):
    resident = make_resident(name="WARGA TETAP")
    page = text_of(clerk.get(f"/residents/{resident.id}/edit"))
    assert "NIK tidak dapat diubah." in page
    fields = post_form(page)
    assert "nik" not in fields
    other = nik_for(dt.date(1990, 5, 17), "L", 4321)
    resp = clerk.post(f"/residents/{resident.id}/edit", data={**fields, "nik": other})
    assert resp.status_code == 302
    assert other not in text_of(clerk.get(f"/residents/{resident.id}"))


def test_missing_resident_is_404(clerk):
    assert clerk.get("/residents/999999").status_code == 404
    assert clerk.get("/residents/999999/edit").status_code == 404
    assert post(clerk, "/residents/999999/events", {"type": "death"}).status_code == 404


# --- events and family ------------------------------------------------------------------


def test_death_event_changes_status_and_leaves_the_pending_list(clerk, make_resident):
    resident = make_resident(name="WARGA WAFAT")
    assert rows(text_of(clerk.get("/residents?pending=1"))) == ["WARGA WAFAT"]

    page = text_of(clerk.get(f"/residents/{resident.id}/events"))
    assert "Kematian" in page and "Pindah keluar" in page
    fields = post_form(page)
    fields.update(type="death", date="2026-01-02", note="Akta kematian 123/2026")
    resp = clerk.post(f"/residents/{resident.id}/events", data=fields)
    assert resp.status_code == 302

    html = text_of(clerk.get(f"/residents/{resident.id}"))
    assert "Peristiwa Kematian sudah dicatat." in html
    assert "Meninggal" in html and "2 Januari 2026" in html
    assert "Akta kematian 123/2026" in html
    history = html.split("Riwayat perubahan", 1)[1]
    assert "Status hidup" in history and "Aktif" in history and "Meninggal" in history
    assert rows(text_of(clerk.get("/residents?pending=1"))) == []
    assert rows(text_of(clerk.get("/residents?life_status=deceased"))) == [
        "WARGA WAFAT"
    ]

    # A second death is refused with the reason, and nothing changes.
    resp = clerk.post(f"/residents/{resident.id}/events", data=fields)
    assert resp.status_code == 409
    assert "Peristiwa hanya untuk penduduk aktif" in text_of(resp)


def test_event_form_errors(clerk, make_resident):
    resident = make_resident()
    resp = post(
        clerk, f"/residents/{resident.id}/events", {"type": "", "date": "2999-01-01"}
    )
    assert resp.status_code == 422
    html = text_of(resp)
    assert "Jenis peristiwa harus salah satu dari" in html
    assert "tidak di masa depan" in html


def test_family_page_lists_the_kk_head_first(clerk, make_resident):
    kk = "6101120101770001"
    child = make_resident(
        name="ANAK SATU", kk=kk, family_relation="ANAK", birth_date=dt.date(2010, 3, 1)
    )
    make_resident(name="ISTRI SAJA", kk=kk, family_relation="ISTRI", sex="P")
    make_resident(name="ZAINAL KEPALA", kk=kk, family_relation="KEPALA KELUARGA")
    make_resident(
        name="TETANGGA", kk="6101120101770002", family_relation="KEPALA KELUARGA"
    )

    resp = clerk.get(f"/residents/{child.id}/family")
    assert resp.status_code == 200
    html = text_of(resp).split("<tbody>", 1)[1]
    assert "3 anggota keluarga" in text_of(resp) and "TETANGGA" not in html
    order = [html.index(n) for n in ("ZAINAL KEPALA", "ISTRI SAJA", "ANAK SATU")]
    assert order == sorted(order)
    assert "KEPALA KELUARGA" in html and kk in text_of(resp)

    detail = text_of(clerk.get(f"/residents/{child.id}"))
    family = detail.split("Keluarga", 1)[1].split("Peristiwa kependudukan", 1)[0]
    assert "ZAINAL KEPALA" in family and "TETANGGA" not in family


def test_csrf_is_required(clerk, make_resident):
    resident = make_resident()
    resp = clerk.post(f"/residents/{resident.id}/events", data={"type": "death"})
    assert resp.status_code == 400


def test_list_page_carries_a_csrf_token_and_nav(clerk):
    html = text_of(clerk.get("/residents"))
    assert csrf_from(html)
    assert '<a href="/residents">Penduduk</a>' in html


def test_overlong_input_is_refused_by_the_form(clerk, make_resident):
    resident = make_resident(name="WARGA PANJANG")
    fields = post_form(text_of(clerk.get(f"/residents/{resident.id}/edit")))
    resp = clerk.post(
        f"/residents/{resident.id}/edit", data={**fields, "address": "x" * 201}
    )
    assert resp.status_code == 422
    assert "Terlalu panjang (paling banyak 200 karakter)." in text_of(resp)


def test_the_clerk_flags_a_resident_for_home_visits(clerk, make_resident, db):
    resident = make_resident(name="WARGA KURSI RODA", birth_date=dt.date(1990, 5, 17))
    before = text_of(clerk.get(f"/residents/{resident.id}"))
    assert re.search(r"Kunjungan rumah</dt><dd>tidak", before)
    form = post_form(text_of(clerk.get(f"/residents/{resident.id}/edit")))
    assert "disabled" not in form  # an unticked box is not sent
    resp = post(clerk, f"/residents/{resident.id}/edit", {**form, "disabled": "y"})
    assert resp.status_code == 302, text_of(resp)[:2000]
    db.session.rollback()
    assert db.session.get(Resident, resident.id).disabled is True
    after = text_of(clerk.get(f"/residents/{resident.id}"))
    assert "boleh (penyandang disabilitas)" in after
    elderly = make_resident(name="WARGA LANSIA", birth_date=dt.date(1950, 1, 1))
    assert "boleh (lanjut usia)" in text_of(clerk.get(f"/residents/{elderly.id}"))
