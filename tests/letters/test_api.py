"""Letters API (CONTRACT §4): auth, permissions, 409 double issue, 422, 404 scope."""

from __future__ import annotations

import hashlib

import pytest
from conftest import csrf_token
from sqlalchemy import select

from desa.core.models import Village
from desa.extensions import db


def _draft(api, token, nik, type_code="SKD", **extra):
    body = {"type": type_code, "nik": nik, "purpose": "Melamar pekerjaan", **extra}
    return api("POST", "/api/v1/letters", body, token)


def test_letter_types_list_the_seeded_types(api, clerk_token, make_token):
    resp = api("GET", "/api/v1/letter-types", token=clerk_token)
    assert resp.status_code == 200
    by_code = {t["code"]: t for t in resp.get_json()}
    assert (
        len(by_code) >= 12
    )  # the seeded letters, and the forms of migrations 0023-0024
    assert (
        by_code["SPN"]["addressee"] == "Kepala Kantor Urusan Agama Kecamatan Tekarang"
    )
    assert {
        "name": "nama_usaha",
        "label": "Nama usaha",
        "type": "text",
        "required": True,
    } in by_code["SKU"]["fields"]
    assert api("GET", "/api/v1/letter-types").status_code == 401
    assert (
        api("GET", "/api/v1/letter-types", token=make_token("district")).status_code
        == 403
    )


def test_draft_issue_fetch_and_download(api, clerk_token, head_token, holder):
    resp = _draft(
        api,
        clerk_token,
        holder.nik,
        "SKU",
        fields={
            "nama_usaha": "Warung Berkah",
            "jenis_usaha": "warung",
            "alamat_usaha": "Parit",
            "tahun_mulai": 2019,
        },
    )
    assert resp.status_code == 201, resp.get_json()
    draft = resp.get_json()
    assert (
        draft["status"] == "draft"
        and draft["number"] is None
        and draft["pdf_url"] is None
    )
    public_id = draft["id"]
    assert not public_id.isdigit() and len(public_id) >= 16

    resp = api("POST", f"/api/v1/letters/{public_id}/issue", token=head_token)
    assert resp.status_code == 200, resp.get_json()
    issued = resp.get_json()
    assert set(issued) == {"id", "number", "status", "verify_url", "pdf_url", "sha256"}
    assert issued["number"] == "SKU/001/2002/XI/2026" and issued["status"] == "issued"
    assert issued["verify_url"].startswith("http://desa.test/v/")
    assert issued["pdf_url"] == f"http://desa.test/api/v1/letters/{public_id}/pdf"

    one = api("GET", f"/api/v1/letters/{public_id}", token=clerk_token).get_json()
    assert one["number"] == issued["number"] and one["sha256"] == issued["sha256"]
    assert one["signer_title"] == "Kepala Desa Merubung"

    first = api("GET", f"/api/v1/letters/{public_id}/pdf", token=clerk_token)
    second = api("GET", f"/api/v1/letters/{public_id}/pdf", token=head_token)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data
    assert hashlib.sha256(first.data).hexdigest() == issued["sha256"]


def test_double_issue_is_409(api, clerk_token, head_token, holder):
    public_id = _draft(api, clerk_token, holder.nik).get_json()["id"]
    assert (
        api("POST", f"/api/v1/letters/{public_id}/issue", token=head_token).status_code
        == 200
    )
    resp = api("POST", f"/api/v1/letters/{public_id}/issue", token=head_token)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "already_issued"


def test_bad_fields_are_422_naming_the_field(api, clerk_token, holder, make_resident):
    # The death letter is made only for a resident recorded as deceased.
    deceased = make_resident(life_status="deceased")
    resp = _draft(
        api, clerk_token, deceased.nik, "SKK", fields={"tanggal_meninggal": "kemarin"}
    )
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert (
        "Tanggal meninggal harus berupa tanggal (HH-BB-TTTT)."
        in fields["fields.tanggal_meninggal"]
    )
    assert fields["fields.sebab"] == ["Sebab kematian wajib diisi."]
    assert _draft(api, clerk_token, holder.nik, fields=[1, 2]).status_code == 422
    assert _draft(api, clerk_token, holder.nik, purpose="").status_code == 422
    assert _draft(api, clerk_token, "6101120000000000").status_code == 404
    resp = api("POST", "/api/v1/letters", None, clerk_token)
    assert resp.status_code == 400


def test_who_may_do_what(api, clerk_token, head_token, make_token, holder, app):
    public_id = _draft(api, clerk_token, holder.nik).get_json()["id"]
    assert _draft(api, head_token, holder.nik).status_code == 403  # head does not draft
    resp = api("POST", f"/api/v1/letters/{public_id}/issue", token=clerk_token)
    assert resp.status_code == 403
    district = make_token("district")
    assert api("GET", f"/api/v1/letters/{public_id}", token=district).status_code == 403
    assert api("GET", f"/api/v1/letters/{public_id}").status_code == 401
    with app.app_context():
        db.session.get(Village, 1).clerk_may_issue = True
        db.session.commit()
    assert (
        api("POST", f"/api/v1/letters/{public_id}/issue", token=clerk_token).status_code
        == 200
    )
    revoke = f"/api/v1/letters/{public_id}/revoke"
    assert api("POST", revoke, {"reason": "salah"}, clerk_token).status_code == 403
    assert api("POST", revoke, {"reason": " "}, head_token).status_code == 422
    resp = api("POST", revoke, {"reason": "Data salah"}, head_token)
    assert resp.status_code == 200 and resp.get_json()["status"] == "revoked"
    assert api("POST", revoke, {"reason": "lagi"}, head_token).status_code == 409
    assert api("GET", "/api/v1/letters/tidak-ada", token=clerk_token).status_code == 404


def test_draft_pdf_is_409_not_a_file(api, clerk_token, holder):
    public_id = _draft(api, clerk_token, holder.nik).get_json()["id"]
    resp = api("GET", f"/api/v1/letters/{public_id}/pdf", token=clerk_token)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_issued"


def test_resident_sees_own_letters_only(
    client, api, clerk_token, head_token, login, make_resident
):
    me = login("resident", name="BUDI SANTOSO")
    other = make_resident(name="ORANG LAIN")
    mine = _draft(api, clerk_token, me.nik).get_json()["id"]
    theirs = _draft(api, clerk_token, other.nik).get_json()["id"]
    for public_id in (mine, theirs):
        api("POST", f"/api/v1/letters/{public_id}/issue", token=head_token)
    assert client.get(f"/api/v1/letters/{mine}").get_json()["holder"] == "BUDI SANTOSO"
    assert client.get(f"/api/v1/letters/{mine}/pdf").data.startswith(b"%PDF")
    assert client.get(f"/api/v1/letters/{theirs}").status_code == 404
    assert client.get(f"/api/v1/letters/{theirs}/pdf").status_code == 404
    resp = client.post(
        f"/api/v1/letters/{mine}/issue", headers={"X-CSRFToken": csrf_token(client)}
    )
    assert resp.status_code == 403


def test_verify_json_valid_revoked_invalid(
    api, clerk_token, head_token, holder, client
):
    public_id = _draft(api, clerk_token, holder.nik).get_json()["id"]
    issued = api(
        "POST", f"/api/v1/letters/{public_id}/issue", token=head_token
    ).get_json()
    letter_token = issued["verify_url"].rsplit("/v/", 1)[1]
    body = client.get(f"/api/v1/verify/{letter_token}").get_json()
    assert body["valid"] is True and body["status"] == "issued"
    assert body["number"] == issued["number"] and body["type"] == "SKD"
    assert body["type_title"] == "Surat Keterangan Domisili"
    assert body["issued_on"] == "2026-11-23" and body["village"] == "Desa Merubung"
    assert body["holder"] == "S*** A*****"
    assert body["nik"] == holder.nik[:4] + "********" + holder.nik[-4:]
    assert holder.nik not in str(body)

    tampered = letter_token[:-3] + ("AAA" if letter_token[-3:] != "AAA" else "BBB")
    bad = client.get(f"/api/v1/verify/{tampered}").get_json()
    assert (
        bad["valid"] is False and bad["status"] == "invalid" and bad["number"] is None
    )
    assert client.get("/api/v1/verify/sampah/../lain").get_json()["status"] == "invalid"

    api("POST", f"/api/v1/letters/{public_id}/revoke", {"reason": "Hilang"}, head_token)
    body = client.get(f"/api/v1/verify/{letter_token}").get_json()
    assert body["valid"] is False and body["status"] == "revoked"


def test_an_expired_letter_is_authentic_but_not_valid(
    api, clerk_token, head_token, holder, client, freeze
):
    import datetime as dt

    public_id = _draft(
        api, clerk_token, holder.nik, "SRP", fields={"keluhan": "batuk"}
    ).get_json()["id"]
    issued = api(
        "POST", f"/api/v1/letters/{public_id}/issue", token=head_token
    ).get_json()
    freeze(dt.date(2027, 1, 1))
    body = client.get(
        issued["verify_url"].replace("http://desa.test/v/", "/api/v1/verify/")
    )
    body = body.get_json()
    assert (
        body["status"] == "issued"
        and body["expired"] is True
        and body["valid"] is False
    )


def test_verify_is_throttled_per_address_in_the_database(app, client):
    app.config["LETTER_VERIFY_LOOKUPS_PER_MINUTE"] = 3
    codes = [client.get("/api/v1/verify/x.y").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = client.get("/api/v1/verify/x.y")
    assert resp.get_json()["error"]["code"] == "too_many_requests"
    assert "Tunggu satu menit" in resp.get_json()["error"]["message"]
    other = client.get("/api/v1/verify/x.y", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 200
    from desa.letters.models import VerifyThrottle

    with app.app_context():
        keys = db.session.scalars(select(VerifyThrottle.key)).all()
    assert len(keys) == 2 and not any("127.0.0.1" in k for k in keys)


def test_openapi_describes_the_letter_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["paths"]["/verify/{token}"]["get"]["security"] == []
    assert "429" in doc["paths"]["/verify/{token}"]["get"]["responses"]
    assert doc["paths"]["/letters/{id}/issue"]["post"]["responses"]["200"]


@pytest.mark.parametrize(
    "body",
    [
        {"type": ["SKD"], "nik": "1", "purpose": "x"},
        {"type": "SKD", "nik": {"a": 1}},
        {"type": "SKU", "nik": None, "purpose": 5, "fields": {"nama_usaha": {"x": 1}}},
        {"type": None, "nik": [], "purpose": None, "fields": None},
    ],
)
def test_odd_json_is_an_error_never_a_500(api, clerk_token, holder, body):
    body = {**body, "nik": holder.nik} if body.get("nik") == "1" else body
    resp = api("POST", "/api/v1/letters", body, clerk_token)
    assert resp.status_code in (404, 422), resp.get_json()
    assert set(resp.get_json()["error"]) == {"code", "message", "fields"}


def test_nested_field_values_are_refused(api, clerk_token, holder):
    resp = _draft(api, clerk_token, holder.nik, "SRP", fields={"keluhan": ["a", "b"]})
    assert resp.status_code == 422
    assert "satu nilai" in resp.get_json()["error"]["fields"]["fields.keluhan"][0]


def test_issuing_without_a_signing_key_is_a_clear_409(
    api, clerk_token, head_token, holder, app
):
    from desa.core.keys import key_path
    from desa.trust.keys import active_key

    public_id = _draft(api, clerk_token, holder.nik).get_json()["id"]
    with app.app_context():
        key_path(app.instance_path, active_key().kid).unlink()
    resp = api("POST", f"/api/v1/letters/{public_id}/issue", token=head_token)
    assert (
        resp.status_code == 409 and resp.get_json()["error"]["code"] == "no_signing_key"
    )
    assert api("GET", "/api/v1/verify/a.b").get_json()["status"] == "invalid"


def test_revoked_on_is_the_village_date(
    api, clerk_token, head_token, holder, client, freeze
):
    import datetime as dt

    public_id = _draft(api, clerk_token, holder.nik).get_json()["id"]
    issued = api(
        "POST", f"/api/v1/letters/{public_id}/issue", token=head_token
    ).get_json()
    # 06:30 WIB on 24 November is still 23 November in UTC.
    instant = freeze(dt.datetime(2026, 11, 24, 6, 30))
    assert instant.astimezone(dt.UTC).date() == dt.date(2026, 11, 23)
    api("POST", f"/api/v1/letters/{public_id}/revoke", {"reason": "Hilang"}, head_token)
    url = issued["verify_url"].replace("http://desa.test/v/", "/api/v1/verify/")
    assert client.get(url).get_json()["revoked_on"] == "2026-11-24"
