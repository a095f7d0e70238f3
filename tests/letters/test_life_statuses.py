"""Letter types serve residents of given life statuses: no letter that should not
exist is drafted, requested, taken up or issued (services, API, pages, admin)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import csrf_token
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from desa.auth.models import AuditEvent
from desa.core.db import mark_write_intent
from desa.core.errors import Conflict
from desa.extensions import db
from desa.letters import services
from desa.letters.models import Letter, LetterCounter, LetterType
from desa.residents import registry
from desa.residents.models import Resident

from .conftest import TODAY

SKD_REFUSED = (
    "Surat Keterangan Domisili hanya dapat dibuat untuk warga yang masih aktif; "
    "BUDI SANTOSO tercatat meninggal."
)
SKK_FIELDS = {
    "tanggal_meninggal": "2026-11-20",
    "tempat_meninggal": "Rumah",
    "sebab": "sakit",
    "nama_pelapor": "AMINAH",
    "hubungan_pelapor": "istri",
}
SKP_FIELDS = {
    "alamat_tujuan": "Pontianak",
    "alasan_pindah": "pekerjaan",
    "jumlah_pengikut": "2",
}
FIELDS = {
    "SKK": SKK_FIELDS,
    "SKP": SKP_FIELDS,
    "SKTM": {"penghasilan": "900000", "jumlah_tanggungan": "3"},
}


@pytest.fixture
def budi(make_resident):
    """A resident recorded as deceased."""
    return make_resident(name="BUDI SANTOSO", life_status="deceased")


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _set_statuses(app, code, statuses):
    with app.app_context():
        letter_type = db.session.scalar(
            select(LetterType).where(LetterType.code == code)
        )
        letter_type.life_statuses = statuses
        db.session.commit()


def _record_death(app, resident, letters):
    """The desk records the resident's death through the population event."""
    with app.app_context():
        registry.record_event(
            letters.as_clerk,
            db.session.get(Resident, resident.id),
            "death",
            "2026-11-22",
            "Meninggal di rumah",
        )
        db.session.commit()


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "the page shows no error summary"
    return match.group(0)


# --- which types serve whom ------------------------------------------------------------


def test_the_seeded_types_serve_the_statuses_their_subject_has(app):
    with app.app_context():
        served = dict(
            db.session.execute(select(LetterType.code, LetterType.life_statuses)).all()
        )
    assert served.pop("SKK") == ["deceased"]
    assert served.pop("SKP") == ["active", "moved"]
    # The ten other seeded letters, and the forms (migrations 0023-0024): active only.
    assert len(served) >= 10 and all(s == ["active"] for s in served.values())


@pytest.mark.parametrize(
    ("code", "life_status", "allowed"),
    [
        ("SKD", "active", True),
        ("SKD", "deceased", False),
        ("SKD", "moved", False),
        ("SKTM", "active", True),
        ("SKTM", "missing", False),
        ("SKK", "deceased", True),
        ("SKK", "active", False),
        ("SKK", "moved", False),
        ("SKP", "active", True),
        ("SKP", "moved", True),
        ("SKP", "deceased", False),
    ],
)
def test_a_draft_is_made_only_for_a_status_the_type_serves(
    app, letters, make_resident, code, life_status, allowed
):
    resident = make_resident(name="WARGA UJI", life_status=life_status)
    if allowed:
        public_id = letters.draft(resident, code, fields=FIELDS.get(code))
        with app.app_context():
            assert letters.get(public_id).status == "draft"
        return
    with pytest.raises(services.NotEligible) as refused:
        letters.draft(resident, code, fields=FIELDS.get(code))
    assert refused.value.status == 422 and refused.value.code == "not_eligible"
    assert "WARGA UJI tercatat" in refused.value.message
    assert _count(app, Letter) == 0


def test_the_refusal_names_the_type_the_statuses_and_the_resident(
    app, letters, budi, holder
):
    with pytest.raises(services.NotEligible) as refused:
        letters.draft(budi, "SKD")
    assert refused.value.message == SKD_REFUSED
    assert refused.value.fields == {
        "type": ["Jenis surat ini tidak berlaku untuk warga yang tercatat meninggal."]
    }
    with pytest.raises(services.NotEligible) as refused:
        letters.draft(holder, "SKK", fields=SKK_FIELDS)
    assert refused.value.message == (
        "Surat Keterangan Kematian hanya dapat dibuat untuk warga yang sudah "
        "meninggal; SITI AMINAH tercatat aktif."
    )
    with pytest.raises(services.NotEligible) as refused:
        letters.draft(budi, "SKP", fields=SKP_FIELDS)
    assert refused.value.message == (
        "Surat Keterangan Pindah hanya dapat dibuat untuk warga yang masih aktif "
        "atau sudah pindah; BUDI SANTOSO tercatat meninggal."
    )
    _set_statuses(app, "SKD", ["active", "moved", "missing"])
    with pytest.raises(services.NotEligible) as refused:
        letters.draft(budi, "SKD")
    assert "yang masih aktif, sudah pindah atau dinyatakan hilang;" in (
        refused.value.message
    )


def test_types_for_a_resident_are_the_active_ones_that_serve_them(app, budi, holder):
    with app.app_context():
        dead = db.session.get(Resident, budi.id)
        assert [t.code for t in services.types_for(dead)] == ["SKK"]
        living = {
            t.code for t in services.types_for(db.session.get(Resident, holder.id))
        }
        assert "SKK" not in living and {"SKD", "SKP", "SKTM"} <= living


# --- requests, taking up, issuing --------------------------------------------------------


def test_a_resident_cannot_ask_for_a_letter_their_status_is_not_served(
    app, letters, holder
):
    with app.app_context():
        actor = letters.actor(db.session.get(Resident, holder.id))
        with pytest.raises(services.NotEligible) as refused:
            services.request_letter(actor, "SKK", "Akta kematian", SKK_FIELDS)
        db.session.rollback()
        assert refused.value.message.endswith("SITI AMINAH tercatat aktif.")
        letter = services.request_letter(actor, "SKD", "Melamar pekerjaan", {})
        assert letter.status == "requested"
        db.session.rollback()
    # Self-service is for active residents; a type the admin narrowed to moved
    # residents is refused to them as well.
    _set_statuses(app, "SKD", ["moved"])
    with app.app_context():
        actor = letters.actor(db.session.get(Resident, holder.id))
        with pytest.raises(services.NotEligible):
            services.request_letter(actor, "SKD", "Melamar pekerjaan", {})


def test_a_request_is_not_taken_up_once_the_resident_died(app, letters, holder):
    with app.app_context():
        actor = letters.actor(db.session.get(Resident, holder.id))
        public_id = services.request_letter(actor, "SKD", "Sekolah anak", {}).public_id
        db.session.commit()
    _record_death(app, holder, letters)
    with app.app_context():
        with pytest.raises(services.NotEligible):
            services.take_up(letters.as_clerk, letters.get(public_id))
        db.session.rollback()
        assert letters.get(public_id).status == "requested"


def test_issuing_rechecks_a_resident_who_died_after_the_draft(app, letters, holder):
    public_id = letters.draft(holder)
    _record_death(app, holder, letters)
    with pytest.raises(services.NotEligible) as refused:
        letters.issue(public_id)
    assert refused.value.message == (
        "Surat Keterangan Domisili hanya dapat dibuat untuk warga yang masih aktif; "
        "SITI AMINAH tercatat meninggal."
    )
    with app.app_context():
        db.session.rollback()
        letter = letters.get(public_id)
        assert letter.status == "draft" and letter.number is None
        assert letter.pdf_path is None
    assert _count(app, LetterCounter) == 0  # no number was used up
    assert _count(app, AuditEvent, AuditEvent.action == "letters.issue") == 0


def test_issuing_follows_the_type_as_it_is_now(app, letters, holder):
    public_id = letters.draft(holder)
    _set_statuses(app, "SKD", ["moved"])
    with pytest.raises(services.NotEligible):
        letters.issue(public_id)
    _set_statuses(app, "SKD", ["active"])
    assert letters.issue(public_id).number == f"SKD/001/2002/XI/{TODAY.year}"


@pytest.mark.parametrize("changed", ["resident", "type", "letter"])
def test_issuing_rereads_what_the_request_loaded_before_the_lock(
    app, letters, holder, changed
):
    """A request loads the letter before `issue` locks it; on PostgreSQL another desk
    may commit in between. The state under the lock counts, not the copy in hand."""
    public_id = letters.draft(holder)
    if changed == "resident":
        _record_death(app, holder, letters)
    elif changed == "type":
        _set_statuses(app, "SKD", ["moved"])
    else:
        first = letters.issue(public_id).number
    with app.app_context():
        mark_write_intent()
        letter = letters.get(public_id)
        # What the request would hold had it loaded them before that commit.
        set_committed_value(letter, "status", "draft")
        set_committed_value(letter.type, "life_statuses", ["active"])
        set_committed_value(letter.resident, "life_status", "active")
        with pytest.raises((services.NotEligible, Conflict)) as refused:
            services.issue(letters.as_head, letter)
        db.session.rollback()
        letter = letters.get(public_id)
        if changed == "letter":
            assert refused.value.code == "already_issued"
            assert letter.number == first
            assert _count(app, LetterCounter, LetterCounter.last == 1) == 1
        else:
            assert refused.value.code == "not_eligible"
            assert letter.status == "draft"
            assert _count(app, LetterCounter) == 0


# --- API ---------------------------------------------------------------------------------


def _api(client, method, url, token, json=None):
    return client.open(
        url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
    )


def test_api_draft_for_a_deceased_resident_is_422_not_eligible(
    app, client, make_token, budi
):
    token = make_token("clerk")
    body = {"type": "SKD", "nik": budi.nik, "purpose": "Melamar pekerjaan"}
    resp = _api(client, "POST", "/api/v1/letters", token, body)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "not_eligible"
    assert error["message"] == SKD_REFUSED
    assert error["fields"] == {
        "type": ["Jenis surat ini tidak berlaku untuk warga yang tercatat meninggal."]
    }
    assert _count(app, Letter) == 0
    body = {"type": "SKK", "nik": budi.nik, "purpose": "Akta kematian"}
    resp = _api(
        client, "POST", "/api/v1/letters", token, {**body, "fields": SKK_FIELDS}
    )
    assert resp.status_code == 201


def test_api_issue_after_a_death_is_422_and_the_letter_stays_a_draft(
    app, client, make_token, holder, letters
):
    public_id = letters.draft(holder)
    _record_death(app, holder, letters)
    head = make_token("head")
    resp = _api(client, "POST", f"/api/v1/letters/{public_id}/issue", head)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "not_eligible"
    assert "SITI AMINAH tercatat meninggal." in error["message"]
    again = _api(client, "GET", f"/api/v1/letters/{public_id}", head).get_json()
    assert again["status"] == "draft" and again["number"] is None


def test_api_letter_types_say_whom_they_serve(client, make_token):
    resp = _api(client, "GET", "/api/v1/letter-types", make_token("clerk"))
    by_code = {t["code"]: t for t in resp.get_json()}
    assert by_code["SKK"]["life_statuses"] == ["deceased"]
    assert by_code["SKP"]["life_statuses"] == ["active", "moved"]
    assert by_code["SKD"]["life_statuses"] == ["active"]
    doc = client.get("/api/v1/openapi.json").get_json()
    schema = doc["components"]["schemas"]["LetterType"]
    assert schema["properties"]["life_statuses"]["items"]["enum"] == [
        "active",
        "deceased",
        "moved",
        "missing",
    ]
    assert "422" in doc["paths"]["/letters/{id}/issue"]["post"]["responses"]


# --- pages -------------------------------------------------------------------------------


def _post(client, url, data=None, **kwargs):
    return client.post(
        url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs
    )


def test_clerk_is_offered_only_the_types_that_serve_the_resident(
    client, login, budi, holder
):
    login("clerk")
    page = client.get(f"/letters/new?resident={budi.id}").get_data(as_text=True)
    assert f"resident={budi.id}&amp;type=SKK" in page
    assert 'type=SKD"' not in page and 'type=SKTM"' not in page
    assert "Tidak tersedia untuk warga yang tercatat meninggal:" in page
    assert "Surat Keterangan Domisili" in page  # named as not available
    page = client.get(f"/letters/new?resident={holder.id}").get_data(as_text=True)
    assert 'type=SKD"' in page and 'type=SKK"' not in page
    assert (
        "Tidak tersedia untuk warga yang tercatat aktif: Surat Keterangan Kematian."
        in page
    )


def test_draft_form_for_a_type_that_does_not_serve_shows_why(app, client, login, budi):
    login("clerk")
    url = f"/letters/new?resident={budi.id}&type=SKD"
    page = client.get(url).get_data(as_text=True)
    assert SKD_REFUSED in page and "Simpan konsep" not in page
    resp = _post(client, url, {"purpose": "Melamar pekerjaan"})
    assert resp.status_code == 422
    summary = _summary(resp.get_data(as_text=True))
    assert SKD_REFUSED in summary
    assert "tidak berlaku untuk warga yang tercatat meninggal" in summary
    assert _count(app, Letter) == 0


def test_letter_page_says_a_draft_can_no_longer_be_issued(
    app, client, login, holder, letters
):
    public_id = letters.draft(holder)
    login("head")
    page = client.get(f"/letters/{public_id}").get_data(as_text=True)
    assert "Terbitkan dan tandatangani" in page
    _record_death(app, holder, letters)
    page = client.get(f"/letters/{public_id}").get_data(as_text=True)
    assert "Terbitkan dan tandatangani" not in page
    assert "SITI AMINAH tercatat meninggal." in page
    resp = _post(client, f"/letters/{public_id}/issue", follow_redirects=True)
    assert "hanya dapat dibuat untuk warga yang masih aktif" in resp.get_data(
        as_text=True
    )
    with app.app_context():
        assert letters.get(public_id).status == "draft"


def test_resident_is_offered_only_the_types_that_serve_them(app, client, login):
    login("resident", name="RINA WARGA")
    page = client.get("/me/letters/new").get_data(as_text=True)
    assert 'type=SKD"' in page and 'type=SKP"' in page
    assert 'type=SKK"' not in page
    url = "/me/letters/new?type=SKK"
    assert "Kirim permintaan" not in client.get(url).get_data(as_text=True)
    fields = {f"f_{name}": value for name, value in SKK_FIELDS.items()}
    resp = _post(client, url, {"purpose": "Akta kematian", **fields})
    assert resp.status_code == 422
    summary = _summary(resp.get_data(as_text=True))
    assert (
        "Surat Keterangan Kematian hanya dapat dibuat untuk warga yang sudah "
        "meninggal; RINA WARGA tercatat aktif." in summary
    )
    assert _count(app, Letter) == 0


# --- admin ---------------------------------------------------------------------------------


TYPE_DATA = {
    "code": "SKAW",
    "title": "Surat Keterangan Ahli Waris",
    "kind": "letter",
    "body": "Menerangkan bahwa almarhum:\n\n[data]\n\nmeninggalkan ahli waris.",
    "fields": "",
    "validity_days": "",
    "number_pattern": "{code}/{seq:03}/{village}/{month_roman}/{year}",
    "issuer": "head",
    "active": "y",
}


def test_admin_chooses_the_statuses_a_type_serves(app, client, login):
    login("admin")
    page = client.get("/letters/types/new").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="active"', page)
    assert 'value="deceased"' in page and "Untuk warga berstatus" in page
    resp = _post(client, "/letters/types/new", {**TYPE_DATA, "life_statuses": []})
    assert resp.status_code == 422
    assert "Pilih paling sedikit satu status warga" in _summary(
        resp.get_data(as_text=True)
    )
    assert _count(app, LetterType, LetterType.code == "SKAW") == 0
    resp = _post(
        client,
        "/letters/types/new",
        {**TYPE_DATA, "life_statuses": ["missing", "deceased"]},
    )
    assert resp.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(LetterType).where(LetterType.code == "SKAW"))
        assert saved.life_statuses == ["deceased", "missing"]
    page = client.get("/letters/types/SKAW/edit").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="deceased"', page)
    assert not re.search(r'<input checked[^>]*value="active"', page)
    listing = client.get("/letters/types").get_data(as_text=True)
    assert "Meninggal, Hilang" in listing
    resp = _post(
        client,
        "/letters/types/SKAW/edit",
        {**TYPE_DATA, "life_statuses": ["active", "nobody"]},
    )
    assert resp.status_code == 422
    with app.app_context():
        kept = db.session.scalar(
            select(LetterType.life_statuses).where(LetterType.code == "SKAW")
        )
        assert kept == ["deceased", "missing"]


def test_type_values_refuse_unknown_or_no_statuses(app):
    from desa.core.errors import ValidationError
    from desa.letters import types

    base = {"code": "X1", "title": "Surat Uji", "body": "[data]"}
    with app.app_context():
        assert types.clean_type(base)["life_statuses"] == ["active"]
        both = types.clean_type({**base, "life_statuses": ["moved", "active"]})
        assert both["life_statuses"] == ["active", "moved"]
        for bad in ([], ["alive"], ["active", "alive"], "active"):
            with pytest.raises(ValidationError) as refused:
                types.clean_type({**base, "life_statuses": bad})
            assert "life_statuses" in refused.value.fields, bad


def test_a_death_letter_is_issued_for_the_deceased(app, letters, make_resident):
    resident = make_resident(
        name="LAMA WAFAT", life_status="deceased", birth_date=dt.date(1930, 1, 1)
    )
    public_id = letters.draft(resident, "SKK", fields=SKK_FIELDS)
    assert letters.issue(public_id).number == "SKK/001/2002/XI/2026"
